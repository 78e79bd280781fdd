#pragma once

#include <filesystem>
#include <string>

#include "moescope/run/run.h"
#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {

// Who trained a run and where, for its record in the store.
struct RunSource {
  std::string name;  // the job's name
  std::string host;  // the run's origin
  Provenance provenance = Provenance::kTrainedLocally;
};

// The run a finished job adds to the store, status done, with its content identity as id:
//  - architecture, N, N_active, S, D ("tokens"), C ("flops", Eq. 9) and loss ("val_loss") from
//    the trainer's result.json;
//  - hyper-parameters from result.json's "spec" object (the trainer's canonical spec, defaults
//    filled in), else from the spec file;
//  - the loss curve from metrics.jsonl: its validation passes, the same quantity as the loss,
//    or, from a trainer that logs none, its training losses;
//  - the downstream metrics of result.json's last validation pass.
// Throws std::runtime_error as read_train_result does.
Run run_from_result(const std::filesystem::path& result_file, const SpecSummary& spec,
                    const MetricsLog& metrics, const RunSource& source);

// The run a failed job adds to the store, status failed, without a loss: the cell it was meant to
// fill (architecture, N, N_active, S from the spec's architecture; D its tokens, C = Eq. 9 x D),
// hyper-parameters from the spec, and the loss curve as far as it got (as above).
Run run_from_failed_job(const SpecSummary& spec, const MetricsLog& metrics,
                        const RunSource& source);

}  // namespace moescope

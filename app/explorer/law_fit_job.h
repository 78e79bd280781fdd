#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "moescope/law/defined_law_fit.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/run.h"
#include "worker_job.h"

namespace moescope::explorer {

// A user-defined law fitted to the explorer's runs: the fit and the rows it had.
struct LawFitResult {
  moescope::law::DefinedLawFitSummary summary;
  std::size_t rows = 0;               // fitted and held out
  std::size_t held_out = 0;           // of those, held out by the hold-out rule
  std::vector<std::string> left_out;  // one line per run left out (law_rows)
};

// Fits a user-defined law (the law editor's) on a worker thread, with progress (the grid's
// starts) and Cancel: law_rows() picks the runs it can be evaluated at and marks the held-out
// ones, and fit_defined_law() fits the rest.
class LawFitJob : public WorkerJob {
  Q_OBJECT

 public:
  using WorkerJob::WorkerJob;

  // `holdout_rule` as the explorer's fit settings give it; an empty rule holds out nothing.
  void start(moescope::law::LawDefinition law, std::vector<moescope::Run> runs,
             std::string holdout_rule, moescope::law::DefinedLawFitOptions options);

 signals:
  void finished(std::shared_ptr<moescope::explorer::LawFitResult> result);
};

}  // namespace moescope::explorer

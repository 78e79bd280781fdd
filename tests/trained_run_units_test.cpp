// The trainer's runs reach the store in its unit (issue 16): a byte-level model's losses are nats
// per byte, whether the trainer writes the run itself (finished_run) or the launch queue turns its
// result.json into one (run_from_result), and the store keeps the unit.
#include <gtest/gtest.h>

#include <fstream>

#include "moescope/launch/trained_run.h"
#include "moescope/run/run_identity.h"
#include "moescope/store/run_store.h"
#include "moescope/trainer/train_records.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope {
namespace {

using testing_support::TemporaryFolder;

TEST(TrainedRunUnits, TheTrainersRunsAreStoredInNatsPerByte) {
  const TemporaryFolder folder("trained-run-units");
  const TrainSpec spec = parse_train_spec(testing_support::valid_spec_text(), "/specs");
  TrainOutcome outcome;
  outcome.validation_loss = 1.25;
  outcome.corpus_train_tokens = 1'000'000;

  const moescope::Run written = finished_run(spec, outcome, "job", "localhost");
  EXPECT_EQ(written.loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(written.tokenizer, "bytes (UTF-8)");

  std::ofstream(result_file(folder.path())) << result_json(spec, outcome);
  moescope::Run queued =
      run_from_result(result_file(folder.path()), SpecSummary{}, MetricsLog{},
                      RunSource{"job", "localhost", Provenance::kTrainedLocally});
  EXPECT_EQ(queued.loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(queued.tokenizer, "bytes (UTF-8)");
  // A byte-level loss is another measurement than the same number per token.
  moescope::Run per_token = queued;
  per_token.loss_unit = LossUnit::kNatsPerToken;
  EXPECT_NE(content_identity(per_token), queued.id);

  RunStore::open(folder.path() / "runs.sqlite").insert({queued});
  const moescope::Run stored =
      RunStore::open(folder.path() / "runs.sqlite").find(queued.id).value();
  EXPECT_EQ(stored.loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(stored.tokenizer, "bytes (UTF-8)");
  EXPECT_EQ(stored, queued);
}

}  // namespace
}  // namespace moescope

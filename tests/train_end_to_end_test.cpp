// The whole local training path with real binaries: `moescope train plan` writes a spec for a cell,
// `moescope train launch --wait` trains it with moescope-train through the queue, and the finished
// run lands in the store with the numbers of the trainer's result.json.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "moescope/model/accounting.h"
#include "moescope/store/run_store.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;
using moescope::testing_support::run_program;
using nlohmann::json;

// A cell the trainer finishes in a few seconds on one CPU core: S = 0.5 is E = 2, K = 1; heads of
// 16 reach d_model = 16 (2 layers, N = 18,496); 7e8 FLOPs are 3 steps of 32 x 64 tokens. Most of
// the time goes to the validation passes (the planned spec keeps the trainer's eval_tokens,
// 262,144), one before the first step and one after each.
constexpr const char* kCell = "7e8,1.85e4,0.5";
constexpr const char* kRunName = "C7e8_N1.85e4_S0.5";
constexpr int kContext = 64;
constexpr int kBatchSize = 32;

class TrainEndToEndTest : public ::testing::Test {
 protected:
  // `moescope ARGS` with the trainer's corpus cache the training tests share (the launched
  // moescope-train inherits the environment), stdout and stderr captured.
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir(), {{"MOESCOPE_DATA_DIR", data().string()}});
  }

  const fs::path& dir() const { return folder_.path(); }
  fs::path plan_dir() const { return dir() / "plan"; }
  fs::path queue() const { return dir() / "queue"; }
  fs::path store() const { return dir() / "runs.sqlite"; }
  static fs::path data() { return fs::path(MOESCOPE_BINARY_DIR) / "training-data"; }

  moescope::testing_support::TemporaryFolder folder_{"moescope-train-e2e"};
};

TEST_F(TrainEndToEndTest, APlannedCellTrainsThroughTheQueueIntoTheStore) {
  // Plan the cell.
  const Outcome planned =
      moescope({"train", "plan", "--cell", kCell, "--head-size", "16", "--context",
                std::to_string(kContext), "--batch-size", std::to_string(kBatchSize), "--min-steps",
                "3", "--out-dir", plan_dir().string(), "--json"});
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  const json plan = json::parse(planned.out);
  ASSERT_EQ(plan.at("runs").size(), 1u) << planned.out;
  const json& planned_run = plan.at("runs").at(0);
  ASSERT_EQ(planned_run.at("name"), kRunName);
  const fs::path spec_file = plan_dir() / (std::string(kRunName) + ".json");
  ASSERT_EQ(planned_run.at("spec_file"), spec_file.string());
  const json& shape = planned_run.at("architecture");
  moescope::Architecture architecture;
  architecture.d_model = shape.at("d_model").get<int>();
  architecture.n_layers = shape.at("layers").get<int>();
  architecture.n_heads = shape.at("heads").get<int>();
  architecture.vocab = shape.at("vocab").get<int>();
  architecture.context = shape.at("context").get<int>();
  architecture.experts = shape.at("experts").get<int>();
  architecture.active = shape.at("active").get<int>();
  architecture.granularity = shape.at("granularity").get<int>();
  architecture.tied_embeddings = true;  // the planner's, and moescope-train's
  // A real MoE: S = 0.5 is E = 2, K = 1.
  EXPECT_EQ(architecture.experts, 2) << planned.out;
  EXPECT_EQ(architecture.active, 1) << planned.out;
  EXPECT_EQ(architecture.context, kContext);
  const std::int64_t steps = planned_run.at("steps").get<std::int64_t>();
  EXPECT_EQ(steps, 3) << planned.out;
  ASSERT_FALSE(fs::exists(store()));

  // Train it through the queue, waiting for the end.
  const auto started = std::chrono::steady_clock::now();
  const Outcome launched =
      moescope({"train", "launch", "--plan-dir", plan_dir().string(), "--store", store().string(),
                "--trainer", MOESCOPE_TRAIN_BINARY, "--queue", queue().string(), "--wait"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const fs::path out_dir = plan_dir() / kRunName;
  ASSERT_EQ(launched.exit_code, 0) << launched.out << launched.err << "\ntrainer.log:\n"
                                   << read_file(out_dir / "trainer.log");
  std::cout << "[ launched ] trained and stored in " << seconds << " s\n";
  const std::string done_line = "job 1 " + std::string(kRunName) + ": done";
  EXPECT_NE(launched.out.find(done_line), std::string::npos) << launched.out;

  // The trainer's own account of the run.
  const fs::path result_file = out_dir / "result.json";
  ASSERT_TRUE(fs::exists(result_file)) << read_file(out_dir / "trainer.log");
  const json result = json::parse(read_file(result_file));
  EXPECT_EQ(result.at("steps").get<std::int64_t>(), steps);
  const double tokens = result.at("tokens").get<double>();
  EXPECT_EQ(tokens, static_cast<double>(steps * kBatchSize * kContext));

  // Exactly one run, in the store the launch named.
  const moescope::RunStore runs_store = moescope::RunStore::open(store());
  const std::vector<moescope::Run> runs = runs_store.runs();
  ASSERT_EQ(runs.size(), 1u);
  const moescope::Run& run = runs.front();
  EXPECT_EQ(run.name, kRunName);
  EXPECT_EQ(run.status, moescope::RunStatus::kDone);
  EXPECT_EQ(run.provenance, moescope::Provenance::kTrainedLocally);
  EXPECT_FALSE(run.origin.empty());  // the host
  ASSERT_TRUE(run.architecture.has_value());
  EXPECT_EQ(*run.architecture, architecture);
  const moescope::ParameterCount count = moescope::count_parameters(architecture);
  EXPECT_EQ(run.total_params, count.total);
  EXPECT_EQ(run.active_params, count.active);
  EXPECT_EQ(planned_run.at("N").get<double>(), count.total);
  EXPECT_EQ(result.at("N").get<double>(), count.total);
  EXPECT_EQ(result.at("N_active").get<double>(), count.active);
  EXPECT_EQ(run.sparsity, 0.5);
  EXPECT_EQ(run.tokens, tokens);
  EXPECT_EQ(run.compute, result.at("flops").get<double>());
  ASSERT_TRUE(run.compute.has_value());
  EXPECT_NEAR(*run.compute, moescope::flops_per_token_eq9(architecture) * tokens,
              1e-12 * *run.compute);  // Eq. 9, as the planner counted it
  ASSERT_TRUE(run.loss.has_value());
  EXPECT_EQ(*run.loss, result.at("val_loss").get<double>());
  EXPECT_TRUE(std::isfinite(*run.loss));
  EXPECT_LT(*run.loss, std::log(256.0) + 0.5);  // a byte model, not far from untrained
  EXPECT_EQ(run.hyper.learning_rate, 0.003);    // the plan's default, through the spec
  EXPECT_EQ(run.hyper.warmup_fraction, 0.05);

  // The loss curve: the validation passes, as result.json lists them, ending at the final loss.
  ASSERT_FALSE(run.loss_curve.empty());
  const json& curve = result.at("loss_curve");
  ASSERT_EQ(run.loss_curve.size(), curve.size()) << curve.dump();
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_EQ(run.loss_curve[i].step, curve[i][0].get<std::int64_t>()) << i;
    EXPECT_EQ(run.loss_curve[i].tokens, curve[i][1].get<double>()) << i;
    EXPECT_EQ(run.loss_curve[i].loss, curve[i][2].get<double>()) << i;
  }
  EXPECT_EQ(run.loss_curve.front().step, 0);
  EXPECT_EQ(run.loss_curve.back().step, steps);
  EXPECT_EQ(run.loss_curve.back().loss, *run.loss);

  // The queue reports the job done, all of it, pointing at the stored run.
  const Outcome status = moescope({"train", "status", "--queue", queue().string(), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json jobs = json::parse(status.out).at("jobs");
  ASSERT_EQ(jobs.size(), 1u) << status.out;
  const json& job = jobs.at(0);
  EXPECT_EQ(job.at("state"), "done") << status.out;
  EXPECT_EQ(job.at("name"), kRunName);
  EXPECT_EQ(job.at("exit_code"), 0);
  EXPECT_EQ(job.at("run_id"), run.id);
  EXPECT_EQ(job.at("store"), store().string());
  EXPECT_EQ(job.at("planned_steps"), steps);
  EXPECT_EQ(job.at("progress").at("fraction"), 1.0) << status.out;
  EXPECT_EQ(job.at("progress").at("step"), steps) << status.out;
  EXPECT_EQ(job.at("progress").at("val_loss"), *run.loss) << status.out;
}

}  // namespace

// moescope-train over several ranks (data parallelism through c10d's Gloo on the CPU): the spec
// keys and their refusals, two ranks training the one-rank loss curve on the same global batches,
// and a killed rank ending the run, which then resumes on one rank. Expert parallelism: two
// ranks holding two experts each train the one-rank curve, and its checkpoints carry the run
// from one rank to two and back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "moescope/trainer/train_spec.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"
#include "support/trainer_process.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::read_file;
using moescope::testing_support::TemporaryFolder;
using moescope::testing_support::Trainer;
using nlohmann::json;

// 60 steps of 8 sequences in micro-batches of 4, a checkpoint every 10 steps (to kill a rank
// after one). One rank adds the gradients of its two micro-batches, 0 + g1 + g2; each of two ranks
// computes one, and the all-reduce adds them, g1 + g2: the same sums in the same order, so the
// weights agree to the last bit (the validation losses are equal). The training losses reported
// are sums over a window of steps, which two ranks add in another order: they differ in the last
// bits. (With more micro-batches per rank the gradients' order differs too, and a tiny MoE
// amplifies the last bits through its routing decisions: training/README.md, "Several ranks".)
constexpr const char* kSpec = R"({
  "d_model": 32, "layers": 1, "heads": 1, "experts": 4, "active": 2, "granularity": 1,
  "context": 32, "batch_size": 8, "micro_batch_size": 4, "tokens": 15360, "lr": 0.003,
  "warmup_fraction": 0.1, "seed": 11, "eval_tokens": 2048, "eval_interval": 30,
  "log_interval": 10, "checkpoint_interval": 10, "device": "cpu", "tasks": []
})";

// How far two ranks' losses may lie from one rank's. Measured: 0 for validation, 4e-7 for the
// training windows (above).
constexpr double kLossTolerance = 1e-5;

// The training losses of metrics.jsonl, in order, and the validation losses.
struct Curve {
  std::vector<double> training;
  std::vector<double> validation;
};

Curve read_curve(const fs::path& out) {
  Curve curve;
  std::istringstream text(read_file(out / "metrics.jsonl"));
  for (std::string line; std::getline(text, line);) {
    const json object = json::parse(line);
    if (object.contains("loss"))
      curve.training.push_back(object.at("loss").get<double>());
    if (object.contains("val_loss"))
      curve.validation.push_back(object.at("val_loss").get<double>());
  }
  return curve;
}

// The largest difference between two curves' losses; infinity when their lengths differ.
double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size())
    return INFINITY;
  double largest = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    largest = std::max(largest, std::abs(a[i] - b[i]));
  return largest;
}

// The child of `parent` whose environment says RANK=`rank`.
std::optional<pid_t> rank_process(pid_t parent, int rank) {
  const std::string task = std::to_string(parent);
  std::istringstream children(read_file("/proc/" + task + "/task/" + task + "/children"));
  const std::string wanted = "RANK=" + std::to_string(rank);
  for (pid_t child = 0; children >> child;) {
    std::istringstream environment(read_file("/proc/" + std::to_string(child) + "/environ"));
    for (std::string variable; std::getline(environment, variable, '\0');) {
      if (variable == wanted)
        return child;
    }
  }
  return std::nullopt;
}

class DistributedTrainingTest : public ::testing::Test {
 protected:
  // The one-rank run that the others are compared with.
  void SetUp() override {
    write_spec(one_rank_spec(), json::parse(kSpec));
    std::string err;
    ASSERT_EQ(run(one_rank_spec(), one_rank_out(), err), 0) << err;
  }

  fs::path dir() const { return folder_.path(); }
  fs::path one_rank_spec() const { return dir() / "one-rank.json"; }
  fs::path one_rank_out() const { return dir() / "one-rank"; }

  static void write_spec(const fs::path& file, const json& spec) {
    std::ofstream(file) << spec.dump(2);
  }
  fs::path two_rank_spec() const {
    json spec = json::parse(kSpec);
    spec["ranks"] = 2;
    const fs::path file = dir() / "two-ranks.json";
    write_spec(file, spec);
    return file;
  }
  fs::path expert_parallel_spec() const {
    json spec = json::parse(kSpec);
    spec["ranks"] = 2;
    spec["expert_parallel"] = true;
    const fs::path file = dir() / "expert-parallel.json";
    write_spec(file, spec);
    return file;
  }

  static std::vector<std::string> args(const fs::path& spec, const fs::path& out) {
    return {"--spec", spec.string(),
            "--out",  out.string(),
            "--data", (fs::path(MOESCOPE_BINARY_DIR) / "training-data").string()};
  }

  // Runs to the end; returns the exit status, with stderr in `err`.
  int run(const fs::path& spec, const fs::path& out, std::string& err) const {
    const fs::path log = dir() / (out.filename().string() + ".stderr");
    const int status = Trainer(args(spec, out), log).wait();
    err = read_file(log);
    return status;
  }

  TemporaryFolder folder_{"distributed-training"};
};

TEST(DistributedTrainingSpec, KeysOfSeveralRanksAreCheckedAndMayChangeOnResume) {
  const TemporaryFolder folder("distributed-spec");
  const fs::path dir = folder.path();
  auto problems = [&dir](const json& changes) {
    json spec = json::parse(kSpec);
    spec.update(changes);
    try {
      moescope::parse_train_spec(spec.dump(), dir);
    } catch (const moescope::SpecError& error) {
      return moescope::describe(error);
    }
    return std::string();
  };
  EXPECT_EQ(problems({{"ranks", 2}}), "");
  EXPECT_NE(problems({{"ranks", 3}}).find("batch_size: batch_size=8 does not divide among the 3"),
            std::string::npos);
  EXPECT_NE(problems({{"ranks", 2}, {"micro_batch_size", 8}})
                .find("micro_batch_size: micro_batch_size=8 does not divide a rank's share"),
            std::string::npos);
  EXPECT_NE(problems({{"ranks", 2}, {"device", "auto"}}).find("ranks: ranks=2 starts CPU"),
            std::string::npos);
  EXPECT_NE(problems({{"ranks", 2}, {"gpus", 2}}).find("gpus: give either ranks"),
            std::string::npos);
  EXPECT_NE(problems({{"gpus", 2}}).find("gpus: gpus=2 puts one rank on each GPU"),
            std::string::npos);
  EXPECT_NE(problems({{"backend", "nccl"}}).find("backend: nccl reduces CUDA tensors"),
            std::string::npos);
  EXPECT_NE(problems({{"backend", "mpi"}}).find("backend: must be auto, gloo or nccl"),
            std::string::npos);
  EXPECT_EQ(problems({{"ranks", 2}, {"expert_parallel", true}}), "");
  EXPECT_EQ(problems({{"expert_parallel", true}}), "");  // one rank holds every expert
  EXPECT_NE(problems({{"ranks", 2}, {"expert_parallel", true}, {"experts", 3}})
                .find("expert_parallel: experts=3 do not divide among the 2 ranks"),
            std::string::npos);
  EXPECT_EQ(problems({{"ranks", 2}, {"experts", 3}}), "");  // replicated experts need not divide
  EXPECT_NE(problems({{"expert_parallel", 1}}).find("expert_parallel: must be true or false"),
            std::string::npos);
  EXPECT_NE(problems({{"nodes", 0}}).find("nodes: must lie in [1, 1024]"), std::string::npos);

  // Without micro_batch_size, a rank's share of the batch is one micro-batch.
  json spec = json::parse(kSpec);
  spec.erase("micro_batch_size");
  spec["ranks"] = 2;
  const moescope::TrainSpec two = moescope::parse_train_spec(spec.dump(), dir);
  EXPECT_EQ(two.micro_batch_size, 4);
  EXPECT_EQ(two.world_size(), 2);
  // The canonical spec and the spec file keep the keys; a restart may change the rank count.
  EXPECT_EQ(moescope::parse_train_spec(moescope::to_spec_file(two), dir).micro_batch_size, 4);
  const moescope::TrainSpec one = moescope::parse_train_spec(kSpec, dir);
  json two_ranks = json::parse(kSpec);
  two_ranks["ranks"] = 2;
  const moescope::TrainSpec two_explicit = moescope::parse_train_spec(two_ranks.dump(), dir);
  EXPECT_TRUE(
      moescope::spec_differences(moescope::to_json(one), moescope::to_json(two_explicit)).empty());
}

TEST_F(DistributedTrainingTest, TwoGlooRanksTrainTheOneRankLossCurve) {
  std::string err;
  const fs::path out = dir() / "two-ranks";
  ASSERT_EQ(run(two_rank_spec(), out, err), 0) << err << read_file(out / "rank-1.log");
  const Curve one = read_curve(one_rank_out());
  const Curve two = read_curve(out);
  ASSERT_EQ(one.training.size(), 6u);
  ASSERT_EQ(one.validation.size(), 3u);  // steps 0, 30 and 60
  EXPECT_LT(largest_difference(one.training, two.training), kLossTolerance);
  EXPECT_LT(largest_difference(one.validation, two.validation), kLossTolerance);
  EXPECT_LT(two.validation.back(), two.validation.front() - 0.3);  // it learnt
  // Each rank logged to its own file, rank 0 alone wrote the run's records.
  EXPECT_NE(read_file(out / "rank-1.log").find("rank 1 of 2 (gloo)"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "result.json"));
  const json result = json::parse(read_file(out / "result.json"));
  EXPECT_EQ(result.at("steps").get<int>(), 60);
  std::cout << "largest loss difference, 2 ranks vs 1: training "
            << largest_difference(one.training, two.training) << ", validation "
            << largest_difference(one.validation, two.validation) << "\n";
}

TEST_F(DistributedTrainingTest, AKilledRankEndsTheRunWhichResumesOnOneRank) {
  const fs::path out = dir() / "killed";
  const fs::path log = dir() / "killed.stderr";
  Trainer launcher(args(two_rank_spec(), out), log);
  // After the first checkpoint, rank 1 is killed: the launcher stops rank 0 and fails, naming
  // rank 1's log.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "checkpoint.pt") && launcher.running() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::optional<pid_t> rank_1 = rank_process(launcher.pid(), 1);
  ASSERT_TRUE(rank_1) << read_file(log);
  ::kill(*rank_1, SIGKILL);
  EXPECT_EQ(launcher.wait(), 1);
  const std::string err = read_file(log);
  EXPECT_NE(err.find("rank 1 of 2 was killed by signal 9"), std::string::npos) << err;
  EXPECT_NE(err.find((out / "rank-1.log").string() + ", ends:"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out / "result.json"));

  // Resumed on one rank (the checkpoint holds the whole model and optimizer state), the run ends
  // where the uninterrupted one-rank run ends.
  std::string resumed_err;
  ASSERT_EQ(run(one_rank_spec(), out, resumed_err), 0) << resumed_err;
  EXPECT_NE(resumed_err.find("resuming at step"), std::string::npos) << resumed_err;
  const Curve expected = read_curve(one_rank_out());
  const Curve resumed = read_curve(out);
  EXPECT_LT(largest_difference(expected.training, resumed.training), kLossTolerance);
  EXPECT_LT(largest_difference(expected.validation, resumed.validation), kLossTolerance);
}

// The experts' gradients reach the rank that holds them through the exchanges' backward, summed
// in the order one rank sums them (each rank's rows in their own product), and the clipping norm
// takes the same per-expert norms: the weights agree to the last bit, as with data parallelism.
TEST_F(DistributedTrainingTest, TwoRanksOfExpertsTrainTheOneRankLossCurve) {
  std::string err;
  const fs::path out = dir() / "expert-parallel";
  ASSERT_EQ(run(expert_parallel_spec(), out, err), 0) << err << read_file(out / "rank-1.log");
  const Curve one = read_curve(one_rank_out());
  const Curve experts = read_curve(out);
  ASSERT_EQ(experts.training.size(), 6u);
  EXPECT_LT(largest_difference(one.training, experts.training), kLossTolerance);
  EXPECT_LT(largest_difference(one.validation, experts.validation), kLossTolerance);
  EXPECT_NE(read_file(out / "rank-1.log").find("experts 2 to 3 of every layer here"),
            std::string::npos);
  std::cout << "largest loss difference, 2 ranks of experts vs 1: training "
            << largest_difference(one.training, experts.training) << ", validation "
            << largest_difference(one.validation, experts.validation) << "\n";
}

// A one-rank checkpoint resumed on two ranks of experts (each takes its slice), whose own
// checkpoint (gathered by rank 0: every expert, and AdamW's moments) resumes on one rank.
TEST_F(DistributedTrainingTest, ExpertParallelCheckpointsMoveBetweenRankCounts) {
  const fs::path out = dir() / "moving";
  const fs::path checkpoint = out / "checkpoint.pt";
  // Waits, up to a minute, for a checkpoint newer than `after` while `trainer` runs.
  auto wait_for_checkpoint = [&checkpoint](Trainer& trainer, fs::file_time_type after) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto written = [&] {
      std::error_code error;
      const fs::file_time_type time = fs::last_write_time(checkpoint, error);
      return !error && time > after;
    };
    while (!written() && trainer.running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };

  Trainer one_rank(args(one_rank_spec(), out), dir() / "moving-1.stderr");
  wait_for_checkpoint(one_rank, fs::file_time_type::min());
  ::kill(one_rank.pid(), SIGKILL);
  ASSERT_EQ(one_rank.wait(), -1) << "the one-rank run ended before it was killed";
  const fs::file_time_type first = fs::last_write_time(checkpoint);

  const fs::path log = dir() / "moving-2.stderr";
  Trainer two_ranks(args(expert_parallel_spec(), out), log);
  wait_for_checkpoint(two_ranks, first);
  const std::optional<pid_t> rank_1 = rank_process(two_ranks.pid(), 1);
  ASSERT_TRUE(rank_1) << read_file(log);
  ::kill(*rank_1, SIGKILL);
  EXPECT_EQ(two_ranks.wait(), 1);
  EXPECT_NE(read_file(out / "rank-0.log").find("resuming at step"), std::string::npos);
  ASSERT_GT(fs::last_write_time(checkpoint), first) << read_file(log);

  std::string err;
  ASSERT_EQ(run(one_rank_spec(), out, err), 0) << err;
  EXPECT_NE(err.find("resuming at step"), std::string::npos) << err;
  const Curve expected = read_curve(one_rank_out());
  const Curve moved = read_curve(out);
  EXPECT_LT(largest_difference(expected.training, moved.training), kLossTolerance);
  EXPECT_LT(largest_difference(expected.validation, moved.validation), kLossTolerance);
}

}  // namespace

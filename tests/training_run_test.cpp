// moescope-train end to end, as a child process: a run killed with SIGKILL and started again
// finishes exactly as an uninterrupted one; bad specs are refused before any work.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temporary_folder.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::TemporaryFolder;
using nlohmann::json;

// Small enough to run in about a second, long enough (120 steps, a checkpoint every 10) to be
// killed half-way. On the CPU, where runs are bit-reproducible (CUDA's atomic additions are not).
constexpr const char* kSmallSpec = R"({
  "d_model": 32, "layers": 1, "heads": 1, "experts": 4, "active": 2, "granularity": 1,
  "context": 32, "batch_size": 8, "tokens": 30720, "lr": 0.003, "warmup_fraction": 0.1,
  "seed": 11, "eval_tokens": 2048, "eval_interval": 40, "log_interval": 5,
  "checkpoint_interval": 10, "device": "cpu"
})";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// moescope-train started as a child process, its output to files.
class Trainer {
 public:
  Trainer(const std::vector<std::string>& args, const fs::path& stderr_file,
          const fs::path& stdout_file = "/dev/null") {
    std::vector<std::string> words = {MOESCOPE_TRAIN_BINARY};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& word : words)
      argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int status = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0)
      throw std::runtime_error("cannot start " + words[0]);
  }

  // The exit status, or -1 when the process was killed.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Polls `condition` every millisecond and kills the process with SIGKILL once it holds;
  // false when the process ended first.
  bool kill_when(const std::function<bool()>& condition) {
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_)
        return false;
      if (condition()) {
        ::kill(pid_, SIGKILL);
        wait();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  pid_t pid_ = -1;
};

class TrainingRunTest : public ::testing::Test {
 protected:
  TrainingRunTest() : folder_("training-run") { std::ofstream(spec_) << kSmallSpec; }

  std::vector<std::string> args(const fs::path& out) const {
    return {"--spec", spec_.string(), "--out", out.string(), "--data", data_.string()};
  }

  // Runs to the end; returns the exit status, with stderr in `err`.
  int run(const std::vector<std::string>& arguments, std::string& err) const {
    const fs::path log = folder_.path() / "stderr.txt";
    const int status = Trainer(arguments, log).wait();
    err = read_file(log);
    return status;
  }

  // metrics.jsonl without the throughput, which is the one thing that may differ between runs.
  static std::vector<json> metrics_without_throughput(const fs::path& out) {
    std::vector<json> lines;
    std::istringstream text(read_file(out / "metrics.jsonl"));
    std::string line;
    while (std::getline(text, line)) {
      json object = json::parse(line);
      object.erase("tokens_per_s");
      lines.push_back(object);
    }
    return lines;
  }

  // The step of the last complete line of a running trainer's metrics.jsonl.
  static std::int64_t last_step(const fs::path& out) {
    std::istringstream text(read_file(out / "metrics.jsonl"));
    std::int64_t step = 0;
    std::string line;
    while (std::getline(text, line)) {
      const json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (object.is_object())
        step = object.at("step").get<std::int64_t>();
    }
    return step;
  }

  TemporaryFolder folder_;
  fs::path spec_ = folder_.path() / "run.json";
  fs::path data_ = fs::path(MOESCOPE_BINARY_DIR) / "training-data";
};

TEST_F(TrainingRunTest, ResumesAfterSigkillToTheSameResult) {
  std::string err;
  const fs::path uninterrupted = folder_.path() / "uninterrupted";
  ASSERT_EQ(run(args(uninterrupted), err), 0) << err;

  const fs::path killed = folder_.path() / "killed";
  const fs::path log = folder_.path() / "killed.txt";
  // Killed just after its first checkpoint, then again half-way through the next start.
  ASSERT_TRUE(Trainer(args(killed), log).kill_when([&] {
    return fs::exists(killed / "checkpoint.pt");
  })) << read_file(log);
  ASSERT_TRUE(Trainer(args(killed), log).kill_when([&] { return last_step(killed) >= 67; }))
      << read_file(log);
  EXPECT_FALSE(fs::exists(killed / "result.json"));
  // As if killed while writing a checkpoint: the half-written file must be ignored.
  std::ofstream(killed / "checkpoint.pt.pending") << "torn";
  ASSERT_EQ(run(args(killed), err), 0) << err;
  EXPECT_NE(err.find("resuming at step"), std::string::npos) << err;

  const json expected = json::parse(read_file(uninterrupted / "result.json"));
  const json resumed = json::parse(read_file(killed / "result.json"));
  EXPECT_EQ(resumed.at("val_loss").get<double>(), expected.at("val_loss").get<double>());
  EXPECT_EQ(resumed.at("loss_curve"), expected.at("loss_curve"));
  EXPECT_EQ(metrics_without_throughput(killed), metrics_without_throughput(uninterrupted));
  EXPECT_EQ(expected.at("steps").get<int>(), 120);

  // run.json is a run file `moescope import` reads.
  const json runs = json::parse(read_file(killed / "run.json"));
  EXPECT_EQ(runs.at("format"), "moescope-runs");
  EXPECT_EQ(runs.at("runs").at(0).at("loss").get<double>(), expected.at("val_loss").get<double>());
}

TEST_F(TrainingRunTest, FinishedRunIsNotTrainedAgainAndAnotherSpecIsRefused) {
  std::string err;
  const fs::path out = folder_.path() / "out";
  ASSERT_EQ(run(args(out), err), 0) << err;
  const std::string result = read_file(out / "result.json");
  ASSERT_EQ(run(args(out), err), 0) << err;
  EXPECT_NE(err.find("has finished"), std::string::npos) << err;
  EXPECT_EQ(read_file(out / "result.json"), result);

  std::string other = kSmallSpec;
  other.replace(other.find("0.003"), 5, "0.001");
  std::ofstream(spec_) << other;
  EXPECT_EQ(run(args(out), err), 1);
  EXPECT_NE(err.find("lr: 0.001 here but 0.003 in the recorded spec"), std::string::npos) << err;
}

TEST_F(TrainingRunTest, RefusesABadSpecBeforeAnyWork) {
  std::string text = kSmallSpec;
  text.replace(text.find("\"active\": 2"), 11, "\"active\": 5");
  text.replace(text.find("\"seed\""), 6, "\"sead\"");
  std::ofstream(spec_) << text;
  std::string err;
  const fs::path out = folder_.path() / "out";
  EXPECT_EQ(run(args(out), err), 1);
  EXPECT_NE(err.find("active: K=5 active experts exceed E=4 experts"), std::string::npos) << err;
  EXPECT_NE(err.find("sead: unknown key"), std::string::npos) << err;
  EXPECT_NE(err.find("seed: missing"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(TrainingRunTest, CheckPrintsThePlanAndBadUsageExitsWithTwo) {
  const fs::path log = folder_.path() / "stderr.txt";
  EXPECT_EQ(Trainer({"--spec", spec_.string()}, log).wait(), 2);
  EXPECT_EQ(Trainer({"--spec", spec_.string(), "--out"}, log).wait(), 2);
  const fs::path plan_file = folder_.path() / "plan.json";
  ASSERT_EQ(Trainer({"--spec", spec_.string(), "--check"}, log, plan_file).wait(), 0)
      << read_file(log);
  const json plan = json::parse(read_file(plan_file));
  EXPECT_EQ(plan.at("steps").get<int>(), 120);
  EXPECT_EQ(plan.at("device"), "cpu");
  EXPECT_EQ(plan.at("S").get<double>(), 0.5);
  EXPECT_GT(plan.at("available_bytes").get<double>(), plan.at("memory_bytes").get<double>());
}

}  // namespace

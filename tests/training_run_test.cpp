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
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/read_only_folder.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"
#include "support/trainer_process.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::read_file;
using moescope::testing_support::TemporaryFolder;
using moescope::testing_support::Trainer;
using nlohmann::json;

// Small enough to run in about a second, long enough (120 steps, a checkpoint every 10) to be
// killed half-way. On the CPU, where runs are bit-reproducible (CUDA's atomic additions are not).
constexpr const char* kSmallSpec = R"({
  "d_model": 32, "layers": 1, "heads": 1, "experts": 4, "active": 2, "granularity": 1,
  "context": 32, "batch_size": 8, "tokens": 30720, "lr": 0.003, "warmup_fraction": 0.1,
  "seed": 11, "eval_tokens": 2048, "eval_interval": 40, "log_interval": 5,
  "checkpoint_interval": 10, "device": "cpu"
})";

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

  // As on a read-only filesystem, where the lock cannot be created: a finished run still returns
  // at once. (A folder named .lock stands in for read-only: tests may run as root, which ignores
  // permissions.)
  fs::remove(out / ".lock");
  fs::create_directory(out / ".lock");
  ASSERT_EQ(run(args(out), err), 0) << err;
  EXPECT_NE(err.find("has finished"), std::string::npos) << err;
  fs::remove(out / ".lock");
  // And in a folder that truly cannot be written: a read-only mount as root, else one without
  // write permission (skipped, saying so in the log, where neither can be arranged).
  const fs::path scratch = folder_.path() / "scratch";
  fs::create_directory(scratch);
  if (const auto read_only = moescope::testing_support::run_with_read_only_folder(
          out, MOESCOPE_TRAIN_BINARY, args(out), scratch)) {
    SCOPED_TRACE(describe(read_only->second));
    EXPECT_EQ(read_only->first.exit_code, 0) << read_only->first.err;
    EXPECT_NE(read_only->first.err.find("has finished"), std::string::npos) << read_only->first.err;
  } else {
    std::cout << "note: no folder can be made read-only here (root without the right to mount)\n";
  }

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

// The small spec with one more member, e.g. "\"corpus\": \"x.txt\"".
std::string with_corpus(const std::string& member) {
  std::string text = kSmallSpec;
  const std::size_t seed = text.find("\"seed\": 11");
  return text.replace(seed, 10, "\"seed\": 11, " + member);
}

// English-looking UTF-8 text of about 300 kB: enough for the small spec's splits.
std::string english_text() {
  std::string text;
  for (int line = 0; text.size() < 300'000; ++line)
    text += "Line " + std::to_string(line) + ": the quick brown fox jumps over the lazy dog.\n";
  return text;
}

TEST_F(TrainingRunTest, RefusesACorpusOutsideTheSpecsFolderBeforeReadingIt) {
  std::ofstream(folder_.path().parent_path() / (folder_.path().filename().string() + "-secret"))
      << english_text();
  const std::string secret = "../" + folder_.path().filename().string() + "-secret";
  std::ofstream(spec_) << with_corpus("\"corpus\": \"" + secret + "\"");
  std::string err;
  const fs::path data = folder_.path() / "cache";
  EXPECT_EQ(run({"--spec", spec_.string(), "--out", (folder_.path() / "out").string(), "--data",
                 data.string()},
                err),
            1);
  EXPECT_NE(err.find("corpus: \"" + secret + "\" lies outside " + folder_.path().string()),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(data)) << "the file was read into the cache";
  fs::remove(folder_.path().parent_path() / (folder_.path().filename().string() + "-secret"));

  // --corpus-root widens where a corpus may be; a device is no corpus even then.
  std::ofstream(spec_) << with_corpus("\"corpus\": \"/dev/zero\"");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run({"--spec", spec_.string(), "--out", (folder_.path() / "out").string(), "--data",
                 data.string(), "--corpus-root", "/"},
                err),
            1);
  EXPECT_NE(err.find("corpus: \"/dev/zero\" is not a regular file"), std::string::npos) << err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(TrainingRunTest, RefusesACorpusThatIsNotUtf8TextAndCachesPrivately) {
  const fs::path data = folder_.path() / "cache";
  std::string err;
  for (const std::string& bad : {std::string("caf\xe9\n"), std::string("a\0b\n", 4)}) {
    std::ofstream(folder_.path() / "bad.txt", std::ios::binary) << english_text() << bad;
    std::ofstream(spec_) << with_corpus("\"corpus\": \"bad.txt\"");
    EXPECT_EQ(run({"--spec", spec_.string(), "--out", (folder_.path() / "bad").string(), "--data",
                   data.string()},
                  err),
              1);
    EXPECT_NE(err.find("the trainer reads UTF-8 text files"), std::string::npos) << err;
  }

  std::ofstream(folder_.path() / "english.txt") << english_text();
  std::ofstream(spec_) << with_corpus("\"corpus\": \"english.txt\"");
  ASSERT_EQ(run({"--spec", spec_.string(), "--out", (folder_.path() / "good").string(), "--data",
                 data.string()},
                err),
            0)
      << err;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(data)) {
    const fs::perms others = fs::perms::group_all | fs::perms::others_all;
    EXPECT_EQ(entry.status().permissions() & others, fs::perms::none) << entry.path();
  }
  EXPECT_EQ(fs::status(data).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
}

TEST_F(TrainingRunTest, RefusesDeepNestingAndAnInexactSeedCleanly) {
  const fs::path log = folder_.path() / "stderr.txt";
  std::string text = kSmallSpec;
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  text.replace(text.find("\"seed\": 11"), 10, "\"seed\": " + deep);
  std::ofstream(spec_) << text;
  EXPECT_EQ(Trainer({"--spec", spec_.string(), "--check"}, log).wait(), 1);
  EXPECT_NE(read_file(log).find("arrays and objects nested more than 512 deep"), std::string::npos)
      << read_file(log).substr(0, 400);

  text = kSmallSpec;
  text.replace(text.find("\"seed\": 11"), 10, "\"seed\": 9007199254740993");
  std::ofstream(spec_) << text;
  EXPECT_EQ(Trainer({"--spec", spec_.string(), "--check"}, log).wait(), 1);
  EXPECT_NE(read_file(log).find("seed: must lie in [0, 9007199254740992], got 9007199254740993"),
            std::string::npos)
      << read_file(log);
}

}  // namespace

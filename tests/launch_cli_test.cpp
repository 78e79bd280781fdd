// `moescope train plan|launch|status|cancel` end to end, with a stand-in trainer script.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/read_only_folder.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;
using moescope::testing_support::run_program;
using namespace std::chrono_literals;

// Writes two metrics lines and a result.json; fails when the spec's name holds "fail", and takes
// 30 s when it holds "slow".
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in --spec) spec=$2; shift 2 ;; --out) out=$2; shift 2 ;; *) shift ;; esac
done
echo "fake-train: $spec" >&2
printf '{"step":1,"tokens":16384,"loss":5.0,"lr":0.003,"tokens_per_s":1000}\n' >> "$out/metrics.jsonl"
printf '{"step":1,"tokens":16384,"val_loss":4.8}\n' >> "$out/metrics.jsonl"
case "$spec" in
  *fail*) echo "fake-train: out of memory" >&2; exit 1 ;;
  *slow*) sleep 30 ;;
esac
cat > "$out/result.json" <<JSON
{"val_loss": 4.8, "tokens": 16384, "N": 1737728, "N_active": 558080, "S": 0.75,
 "flops": 80765517824,
 "architecture": {"d_model": 128, "layers": 2, "heads": 2, "vocab": 256, "context": 512,
                  "experts": 4, "active": 1, "granularity": 1, "tied_embeddings": true}}
JSON
)sh";

// Table 3's law as `moescope fit law --save` writes it.
constexpr const char* kTable3Law = R"({"format": "moescope-fit", "version": 1, "kind": "law",
  "form": "abnar", "params": {"a": 16612.5, "b": 5455.67, "c": 0.4598, "d": 17.26, "e": 0.94,
  "alpha": 0.5962, "beta": 0.3954, "gamma": 0.1595, "lambda": -0.1666, "delta": 0.1603}})";

class TrainCliTest : public ::testing::Test {
 protected:
  TrainCliTest() {
    std::ofstream(trainer()) << kFakeTrainer;
    fs::permissions(trainer(), fs::perms::owner_all);
  }

  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir(), {{"MOESCOPE_QUEUE", queue().string()}});
  }

  const fs::path& dir() const { return folder_.path(); }
  fs::path trainer() const { return dir() / "fake-train"; }
  fs::path queue() const { return dir() / "queue"; }
  std::string store() const { return (dir() / "runs.sqlite").string(); }

  // Plans one cell into `plan_dir` (a spec named C1e15_N1.7e6_S0.75.json), on the corpus that
  // holds its 2e8 tokens in under 4 epochs.
  void plan_one(const fs::path& plan_dir) const {
    const Outcome planned = moescope({"train", "plan", "--cell", "1e15,1.7e6,0.75", "--corpus",
                                      "debian-v2", "--out-dir", plan_dir.string()});
    ASSERT_EQ(planned.exit_code, 0) << planned.err;
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-train-cli"};
};

TEST_F(TrainCliTest, PlanPrintsTheArchitectureAndWritesItsSpec) {
  const Outcome outcome = moescope({"train", "plan", "--cell", "1e15,1.7e6,0.75", "--corpus",
                                    "debian-v2", "--json", "--out-dir", (dir() / "plan").string()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["estimator"], "eq9");
  ASSERT_EQ(json["runs"].size(), 1u);
  const auto& run = json["runs"][0];
  EXPECT_EQ(run["name"], "C1e15_N1.7e6_S0.75");
  EXPECT_EQ(run["cell"]["C"], 1e15);
  EXPECT_EQ(run["architecture"]["d_model"], 128);
  EXPECT_EQ(run["architecture"]["layers"], 2);
  EXPECT_EQ(run["architecture"]["experts"], 4);
  EXPECT_EQ(run["architecture"]["active"], 1);
  EXPECT_EQ(run["N"], 1737728.0);
  EXPECT_DOUBLE_EQ(run["D"].get<double>() * run["flops_per_token"].get<double>(), 1e15);
  EXPECT_EQ(run["steps"], std::floor(run["D"].get<double>() / (32 * 512)));
  const fs::path spec_file = dir() / "plan" / "C1e15_N1.7e6_S0.75.json";
  EXPECT_EQ(run["spec_file"], spec_file.string());
  const auto spec = nlohmann::json::parse(read_file(spec_file));
  EXPECT_EQ(spec["d_model"], 128);
  EXPECT_EQ(spec["tokens"], run["D"]);
  EXPECT_EQ(spec["vocab"], 256);
  EXPECT_EQ(spec["corpus"], "debian-v2");
}

TEST_F(TrainCliTest, PlanRefusesACellNamingIt) {
  const Outcome outcome =
      moescope({"train", "plan", "--cell", "1e15,1.7e6,0.75", "--cell", "1e15,2.6e6,0.75"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_NE(outcome.err.find("moescope: 1 cell cannot be planned:\n  cell C=1e15 N=2.6e6 S=0.75: "
                             "no architecture within 5% of N"),
            std::string::npos)
      << outcome.err;
  const Outcome huge = moescope({"train", "plan", "--cell", "1e30,1e6,0.5"});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("more than the trainer's limit of 1e18 tokens"), std::string::npos)
      << huge.err;
  EXPECT_EQ(moescope({"train", "plan", "--cell", "1e15,2e6"}).exit_code, 2);
  EXPECT_EQ(moescope({"train", "plan"}).exit_code, 2);
}

TEST_F(TrainCliTest, GapsOfAStoreWithAPointMissingAreThatPoint) {
  ASSERT_EQ(moescope({"synth", "--out", (dir() / "grid.csv").string(), "--budgets", "1e21",
                      "--sparsities", "0,0.5", "--sizes", "5", "--span", "4"})
                .exit_code,
            0);
  // Drop the third run of the first curve (header first).
  std::istringstream grid(read_file(dir() / "grid.csv"));
  std::ofstream thinned(dir() / "thinned.csv");
  std::string line, dropped;
  for (int i = 0; std::getline(grid, line); ++i) {
    if (i == 3)
      dropped = line;
    else
      thinned << line << '\n';
  }
  thinned.close();
  ASSERT_EQ(moescope({"import", (dir() / "thinned.csv").string(), "--store", store()}).exit_code,
            0);
  std::ofstream(dir() / "law.json") << kTable3Law;
  const Outcome outcome =
      moescope({"train", "plan", "--gaps", "--budgets", "1e21", "--store", store(), "--law",
                (dir() / "law.json").string(), "--json", "--tolerance", "0.05",
                "--allow-repeats"});  // paper scale: thousands of epochs of any corpus here
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  ASSERT_EQ(json["runs"].size(), 1u) << outcome.out;
  EXPECT_TRUE(json["refused"].empty());
  const auto& cell = json["runs"][0]["cell"];
  EXPECT_EQ(cell["C"], 1e21);
  EXPECT_EQ(cell["S"], 0.0);
  EXPECT_NE(dropped.find("S=0 "), std::string::npos) << dropped;  // the run's name says so
}

TEST_F(TrainCliTest, LaunchWaitStoresTheRunAndStatusShowsIt) {
  plan_one(dir() / "plan");
  const Outcome launched =
      moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(), "--trainer",
                trainer().string(), "--store", store(), "--wait"});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  EXPECT_NE(launched.out.find("job 1 C1e15_N1.7e6_S0.75: done, loss 4.8 (run r"), std::string::npos)
      << launched.out;
  EXPECT_TRUE(fs::exists(dir() / "plan" / "C1e15_N1.7e6_S0.75" / "result.json"));

  const Outcome runs = moescope({"runs", "--json", "--store", store()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  const auto stored = nlohmann::json::parse(runs.out)["runs"];
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["name"], "C1e15_N1.7e6_S0.75");
  EXPECT_EQ(stored[0]["provenance"], "local");
  EXPECT_EQ(stored[0]["loss"], 4.8);

  const Outcome status = moescope({"train", "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto jobs = nlohmann::json::parse(status.out)["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "done");
  EXPECT_EQ(jobs[0]["run_id"], stored[0]["id"]);
  EXPECT_EQ(jobs[0]["progress"]["fraction"], 1.0);
  EXPECT_EQ(jobs[0]["progress"]["val_loss"], 4.8);
}

TEST_F(TrainCliTest, ABackgroundLaunchFinishesWithoutItsCommand) {
  plan_one(dir() / "plan");
  fs::copy_file(dir() / "plan" / "C1e15_N1.7e6_S0.75.json", dir() / "plan" / "will-fail.json");
  const Outcome launched = moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(),
                                     "--trainer", trainer().string(), "--store", store()});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  EXPECT_NE(launched.out.find("queued jobs 1-2"), std::string::npos) << launched.out;
  nlohmann::json jobs;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    const Outcome status = moescope({"train", "status", "--json"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    jobs = nlohmann::json::parse(status.out)["jobs"];
    if (jobs[0]["state"] != "queued" && jobs[0]["state"] != "running" &&
        jobs[1]["state"] != "queued" && jobs[1]["state"] != "running")
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(jobs[0]["state"], "done") << jobs.dump(2);
  EXPECT_EQ(jobs[1]["state"], "failed") << jobs.dump(2);
  EXPECT_EQ(jobs[1]["exit_code"], 1);
  EXPECT_NE(jobs[1]["message"].get<std::string>().find("fake-train: out of memory"),
            std::string::npos);
  const Outcome text = moescope({"train", "status"});
  EXPECT_NE(text.out.find("job 2 will-fail: fake-train exited with status 1"), std::string::npos)
      << text.out;
}

// A spec's name becomes the job's: control characters in it (a newline broke the table's rows, an
// escape sequence would drive the terminal) are shown escaped.
TEST_F(TrainCliTest, StatusEscapesControlCharactersInNames) {
  plan_one(dir() / "plan");
  fs::rename(dir() / "plan" / "C1e15_N1.7e6_S0.75.json", dir() / "plan" / "two\nlines\x1b[2J.json");
  const Outcome launched =
      moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(), "--trainer",
                trainer().string(), "--store", store(), "--wait"});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  EXPECT_NE(launched.out.find("job 1 two\\nlines\\x1b[2J: done"), std::string::npos)
      << launched.out;
  const Outcome status = moescope({"train", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("two\\nlines\\x1b[2J"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find('\x1b'), std::string::npos) << status.out;
  std::istringstream lines(status.out);
  std::string header, row;
  std::getline(lines, header);  // "queue ...: 1 job, ..."
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(row.rfind("1  ", 0), 0u) << status.out;
  EXPECT_NE(row.find("done"), std::string::npos) << status.out;
}

TEST_F(TrainCliTest, LaunchNamesAMissingTrainer) {
  plan_one(dir() / "plan");
  const std::string missing = (dir() / "build" / "moescope-train").string();
  const Outcome outcome =
      moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(), "--trainer", missing});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err, "moescope: no trainer at " + missing + ": not an executable file\n");
  EXPECT_FALSE(fs::exists(queue() / "jobs.json"));
}

TEST_F(TrainCliTest, CancelStopsARunningJob) {
  plan_one(dir() / "plan");
  fs::rename(dir() / "plan" / "C1e15_N1.7e6_S0.75.json", dir() / "plan" / "slow.json");
  const Outcome launched = moescope({"train", "launch", "--plan-dir", (dir() / "plan").string(),
                                     "--trainer", trainer().string(), "--store", store()});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  std::string state;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (state != "running" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    state = nlohmann::json::parse(moescope({"train", "status", "--json"}).out)["jobs"][0]["state"];
  }
  ASSERT_EQ(state, "running");

  const auto before = std::chrono::steady_clock::now();
  const Outcome cancelled = moescope({"train", "cancel", "1"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_EQ(cancelled.out, "job 1 cancelled\n");
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  const auto job = nlohmann::json::parse(moescope({"train", "status", "--json"}).out)["jobs"][0];
  EXPECT_EQ(job["state"], "cancelled");
  EXPECT_EQ(moescope({"train", "cancel", "1"}).out, "job 1 had already finished\n");
  EXPECT_EQ(moescope({"train", "cancel"}).exit_code, 2);
  EXPECT_EQ(moescope({"train", "cancel", "7"}).exit_code, 1);
}

// As moescope-train behaves in a run directory it has finished: it confirms the run, creating
// nothing, and exits 0 (its own test, training_run_test, checks that it does).
constexpr const char* kFinishedTrainer = R"sh(#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in --spec) spec=$2; shift 2 ;; --out) out=$2; shift 2 ;; *) shift ;; esac
done
if [ -f "$out/result.json" ]; then
  echo "moescope-train: $out/result.json exists: the run has finished" >&2
  exit 0
fi
echo "fake-train: would train $spec" >&2
exit 1
)sh";

// A finished run on a read-only filesystem: the queue failed the job, unable to create the job's
// lock file there, though the trainer would only have confirmed the run. It is done now, and its
// run reaches the store.
TEST_F(TrainCliTest, AFinishedRunInAReadOnlyFolderIsDoneNotFailed) {
  plan_one(dir() / "plan");
  const fs::path spec = dir() / "plan" / "C1e15_N1.7e6_S0.75.json";
  const fs::path out = dir() / "plan" / "C1e15_N1.7e6_S0.75";
  ASSERT_EQ(moescope({"train", "launch", "--spec", spec.string(), "--trainer", trainer().string(),
                      "--store", store(), "--wait"})
                .exit_code,
            0);
  ASSERT_TRUE(fs::exists(out / "result.json"));
  const fs::path finished_trainer = dir() / "finished-train";
  std::ofstream(finished_trainer) << kFinishedTrainer;
  fs::permissions(finished_trainer, fs::perms::owner_all);
  const fs::path scratch = dir() / "scratch";
  fs::create_directory(scratch);
  const std::string other_store = (dir() / "other.sqlite").string();
  const auto launched = moescope::testing_support::run_with_read_only_folder(
      out, MOESCOPE_BINARY,
      {"train", "launch", "--spec", spec.string(), "--trainer", finished_trainer.string(),
       "--store", other_store, "--wait"},
      scratch, {{"MOESCOPE_QUEUE", (dir() / "other-queue").string()}});
  if (!launched)
    GTEST_SKIP() << "running as root without the right to mount: no folder can be made read-only";
  SCOPED_TRACE(describe(launched->second));
  EXPECT_EQ(launched->first.exit_code, 0) << launched->first.out << launched->first.err;
  EXPECT_NE(launched->first.out.find("job 1 C1e15_N1.7e6_S0.75: done, loss 4.8 (run r"),
            std::string::npos)
      << launched->first.out << launched->first.err;
  const Outcome runs = moescope({"runs", "--json", "--store", other_store});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  const auto stored = nlohmann::json::parse(runs.out)["runs"];
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].value("status", ""), "done");
  EXPECT_EQ(stored[0].value("loss", 0.0), 4.8);
}

}  // namespace

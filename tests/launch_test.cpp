// The launch queue and the local executor, with a stand-in trainer: a shell script that writes
// metrics.jsonl and result.json as moescope-train does, and can sleep, fail or start a child.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "moescope/launch/local_executor.h"
#include "moescope/launch/run_queue.h"
#include "moescope/model/accounting.h"
#include "moescope/store/run_store.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Arguments: [--sleep SECONDS] [--fail] [--child] --spec FILE --out DIR. It copies the result the
// test prepared beside the spec (NAME.result) to DIR/result.json, and records when it started and
// finished (DIR/times) and its process ids (DIR/pids).
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
sleep_for=0; fail=0; child=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sleep) sleep_for=$2; shift 2 ;;
    --fail) fail=1; shift ;;
    --child) child=1; shift ;;
    --spec) spec=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "fake-train: unknown argument $1" >&2; exit 2 ;;
  esac
done
echo "start $(date +%s.%N)" >> "$out/times"
echo $$ >> "$out/pids"
echo "fake-train: training $spec"
printf '{"step":1,"tokens":1024,"loss":4.5,"aux_loss":0.01,"lr":0.001,"tokens_per_s":2048}\n' >> "$out/metrics.jsonl"
printf '{"step":1,"tokens":1024,"val_loss":4.4}\n' >> "$out/metrics.jsonl"
if [ "$child" = 1 ]; then sleep 30 & echo $! >> "$out/pids"; fi
sleep "$sleep_for"
if [ "$fail" = 1 ]; then echo "fake-train: loss diverged at step 2" >&2; exit 1; fi
printf '{"step":2,"tokens":2048,"loss":4.0,"aux_loss":0.01,"lr":0.0005,"tokens_per_s":2048}\n' >> "$out/metrics.jsonl"
printf '{"step":2,"tokens":2048,"val_loss":3.9}\n' >> "$out/metrics.jsonl"
cp "${spec%.json}.result" "$out/result.json"
echo "end $(date +%s.%N)" >> "$out/times"
)sh";

Architecture tiny_moe() {
  Architecture arch;
  arch.d_model = 64;
  arch.n_layers = 2;
  arch.n_heads = 1;
  arch.experts = 4;
  arch.active = 1;
  arch.vocab = 256;
  arch.context = 32;
  return arch;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Gone, or a zombie nobody has reaped yet: either way it runs no more.
bool process_ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return true;
  const std::size_t after_name = line.rfind(')');
  return after_name != std::string::npos && line.substr(after_name + 2, 1) == "Z";
}

class LaunchTest : public ::testing::Test {
 protected:
  LaunchTest() {
    const fs::path trainer = dir() / "fake-train";
    std::ofstream(trainer) << kFakeTrainer;
    fs::permissions(trainer, fs::perms::owner_all);
    trainer_ = {trainer.string()};
  }

  const fs::path& dir() const { return folder_.path(); }
  fs::path store() const { return dir() / "runs.sqlite"; }

  // A spec for the tiny MoE (20,480 tokens: 2 steps of 320 x 32; the store refuses D below 1e4)
  // and the result the fake trainer will hand back for it.
  JobRequest request(const std::string& name, std::vector<std::string> options = {}) const {
    const Architecture arch = tiny_moe();
    const nlohmann::json spec = {{"d_model", arch.d_model}, {"layers", arch.n_layers},
                                 {"heads", arch.n_heads},   {"experts", arch.experts},
                                 {"active", arch.active},   {"granularity", 1},
                                 {"context", arch.context}, {"batch_size", 320},
                                 {"tokens", 20480},         {"lr", 0.003},
                                 {"warmup_fraction", 0.05}, {"seed", 1}};
    const fs::path spec_file = dir() / (name + ".json");
    std::ofstream(spec_file) << spec.dump(2);
    const ParameterCount count = count_parameters(arch);
    const nlohmann::json result = {{"val_loss", 3.9},
                                   {"tokens", 20480},
                                   {"N", count.total},
                                   {"N_active", count.active},
                                   {"S", sparsity(arch)},
                                   {"flops", flops_per_token_eq9(arch) * 20480},
                                   {"seconds", 0.5},
                                   {"architecture",
                                    {{"d_model", 64},
                                     {"layers", 2},
                                     {"heads", 1},
                                     {"vocab", 256},
                                     {"context", 32},
                                     {"experts", 4},
                                     {"active", 1},
                                     {"granularity", 1},
                                     {"tied_embeddings", true}}}};
    std::ofstream(dir() / (name + ".result")) << result.dump(2);
    JobRequest job;
    job.spec_file = spec_file;
    job.out_dir = dir() / name;
    job.trainer = trainer_;
    job.trainer.insert(job.trainer.end(), options.begin(), options.end());
    return job;
  }

  // Updates the queue every 20 ms until every job has finished (10 s at most), recording the
  // most jobs it ever saw running.
  int drive(RunQueue& queue) const {
    int most_running = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      queue.update();
      const std::vector<Job> jobs = queue.jobs();
      const auto running = std::count_if(
          jobs.begin(), jobs.end(), [](const Job& job) { return job.state == JobState::kRunning; });
      most_running = std::max(most_running, static_cast<int>(running));
      if (std::all_of(jobs.begin(), jobs.end(),
                      [](const Job& job) { return is_finished(job.state); })) {
        return most_running;
      }
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "the queue did not finish in 10 s";
    return most_running;
  }

  testing_support::TemporaryFolder folder_{"moescope-launch"};
  std::vector<std::string> trainer_;
  LocalExecutor executor_;
};

TEST_F(LaunchTest, NeverRunsMoreJobsThanTheLimit) {
  RunQueue queue(dir() / "queue", executor_);
  queue.set_concurrency_limit(2);
  std::vector<JobRequest> requests;
  for (int i = 0; i < 5; ++i)
    requests.push_back(request("job" + std::to_string(i), {"--sleep", "0.3"}));
  queue.add(requests, store());
  EXPECT_EQ(drive(queue), 2);

  // The trainers' own clocks: at no instant were more than two of them between start and end.
  std::vector<std::pair<double, int>> events;  // (time, +1 start / -1 end)
  for (const JobRequest& request : requests) {
    std::istringstream times(read_text(request.out_dir / "times"));
    std::string word;
    double start = 0, end = 0;
    times >> word >> start >> word >> end;
    ASSERT_GT(end, start) << request.out_dir;
    events.push_back({start, +1});
    events.push_back({end, -1});
  }
  std::sort(events.begin(), events.end());
  int running = 0, most = 0;
  for (const auto& [time, change] : events) {
    running += change;
    most = std::max(most, running);
  }
  EXPECT_EQ(most, 2);
  for (const Job& job : queue.jobs())
    EXPECT_EQ(job.state, JobState::kDone) << job.name << ": " << job.message;
}

TEST_F(LaunchTest, AFinishedRunLandsInTheStoreWithItsFields) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("C1e15_N2e6_S0.75")}, store());
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].planned_steps, 2);
  EXPECT_EQ(added[0].state, JobState::kQueued);
  drive(queue);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  EXPECT_EQ(job.exit_code, 0);
  EXPECT_TRUE(job.started_at && job.finished_at && *job.finished_at >= *job.started_at);
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  const moescope::Run& run = runs[0];
  const Architecture arch = tiny_moe();
  EXPECT_EQ(run.id, job.run_id);
  EXPECT_EQ(run.name, "C1e15_N2e6_S0.75");
  EXPECT_EQ(run.provenance, Provenance::kTrainedLocally);
  EXPECT_EQ(run.origin, executor_.host());
  EXPECT_EQ(run.status, RunStatus::kDone);
  EXPECT_EQ(run.architecture, arch);
  EXPECT_EQ(run.total_params, count_parameters(arch).total);
  EXPECT_EQ(run.active_params, count_parameters(arch).active);
  EXPECT_EQ(run.sparsity, 0.75);
  EXPECT_EQ(run.tokens, 20480);
  EXPECT_EQ(run.compute, flops_per_token_eq9(arch) * 20480);
  EXPECT_EQ(run.loss, 3.9);
  EXPECT_EQ(run.hyper.learning_rate, 0.003);
  EXPECT_EQ(run.hyper.warmup_fraction, 0.05);
  const std::vector<LossPoint> curve = {{1, 1024, 4.4}, {2, 2048, 3.9}};
  EXPECT_EQ(run.loss_curve, curve);

  const JobProgress progress = queue.progress(job);
  EXPECT_EQ(progress.step, 2);
  EXPECT_EQ(progress.tokens, 2048);
  EXPECT_EQ(progress.loss, 4.0);
  EXPECT_EQ(progress.validation_loss, 3.9);
  EXPECT_EQ(progress.fraction, 1.0);
  EXPECT_NE(read_text(trainer_log_file(job.request.out_dir)).find("fake-train: training"),
            std::string::npos);
}

// The downstream metrics of result.json (the trainer's last validation pass) reach the store
// with the run, where Figure 5 (downstream error against loss) reads them.
TEST_F(LaunchTest, DownstreamMetricsReachTheStore) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("with-tasks")}, store());
  nlohmann::json result = nlohmann::json::parse(read_text(dir() / "with-tasks.result"));
  result["downstream"] = {{{"task", "gcide-headword"}, {"kind", "accuracy"}, {"value", 0.375}},
                          {{"task", "gcide-headword/norm"}, {"kind", "accuracy"}, {"value", 0.4}}};
  std::ofstream(dir() / "with-tasks.result") << result.dump();
  drive(queue);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  const std::vector<TaskMetric> expected = {{"gcide-headword", MetricKind::kAccuracy, 0.375},
                                            {"gcide-headword/norm", MetricKind::kAccuracy, 0.4}};
  EXPECT_EQ(runs[0].downstream, expected);
  EXPECT_EQ(runs[0].id, job.run_id);
}

TEST_F(LaunchTest, AFailingJobIsRecordedFailedWithTheEndOfItsLog) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("diverges", {"--fail"})}, store());
  drive(queue);

  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.exit_code, 1);
  EXPECT_NE(job.message.find("fake-train exited with status 1; the end of " +
                             trainer_log_file(job.request.out_dir).string() + ":"),
            std::string::npos)
      << job.message;
  EXPECT_NE(job.message.find("  fake-train: loss diverged at step 2"), std::string::npos)
      << job.message;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, job.run_id);
  EXPECT_EQ(runs[0].name, "diverges");
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_FALSE(runs[0].loss);
  EXPECT_EQ(runs[0].architecture, tiny_moe());
  EXPECT_EQ(runs[0].tokens, 20480);
  const std::vector<LossPoint> curve = {{1, 1024, 4.4}};
  EXPECT_EQ(runs[0].loss_curve, curve);
}

TEST_F(LaunchTest, AMissingTrainerFailsTheJobNamingIt) {
  JobRequest missing = request("missing");
  missing.trainer = {(dir() / "no-such-trainer").string()};
  RunQueue queue(dir() / "queue", executor_);
  queue.add({missing}, store());
  drive(queue);
  const Job job = queue.jobs().front();
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.exit_code, 127);
  EXPECT_NE(job.message.find("no-such-trainer"), std::string::npos) << job.message;
}

// How many times the fake trainer started in a run directory.
int starts(const fs::path& out_dir) {
  std::istringstream times(read_text(out_dir / "times"));
  int count = 0;
  for (std::string line; std::getline(times, line);)
    count += line.starts_with("start ");
  return count;
}

// A driver killed after it started a job but before it recorded that: the job trains while the
// queue's file still says queued. The next update follows that job rather than starting it again
// (which used to fail it: "a job is running there already"), and its run reaches the store, done.
TEST_F(LaunchTest, AJobStartedByADriverThatDiedIsFollowedNotFailed) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("orphan", {"--sleep", "0.5"})}, store());
  executor_.submit(added[0].request);  // what the dead driver did, and recorded nowhere
  EXPECT_EQ(queue.update().started, std::vector<int>{added[0].id});
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kRunning);
  drive(queue);

  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kDone) << job.message;
  EXPECT_EQ(starts(job.request.out_dir), 1);
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kDone);
  EXPECT_EQ(runs[0].loss, 3.9);
  EXPECT_EQ(runs[0].id, job.run_id);
}

// Cancelling a job that a dead driver started stops it, though the queue's file says queued.
TEST_F(LaunchTest, CancelStopsAJobStartedByADriverThatDied) {
  LocalExecutorOptions options;
  options.termination_grace = 2s;
  LocalExecutor executor(options);
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({request("orphan", {"--sleep", "30"})}, store());
  executor.submit(added[0].request);
  const fs::path pids_file = added[0].request.out_dir / "pids";
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (read_text(pids_file).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  const pid_t trainer = std::stoi(read_text(pids_file));
  EXPECT_TRUE(queue.cancel(added[0].id));
  EXPECT_TRUE(process_ended(trainer)) << "the orphan outlived the cancel";
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kCancelled);
}

// The same, when the orphan has already ended by the time the next driver looks: the job is
// started again, and a trainer (moescope-train returns at once for a finished run) ends it done.
TEST_F(LaunchTest, AJobThatEndedUnrecordedIsStartedAgainNotFailed) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("ended")}, store());
  executor_.submit(added[0].request);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!fs::exists(added[0].request.out_dir / "trainer.exit") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  drive(queue);
  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kDone) << job.message;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kDone);
}

// A result.json nested 100,000 deep crashed the driver when the refusal dumped the value.
TEST_F(LaunchTest, AResultNestedTooDeepFailsTheJobNamingTheFile) {
  RunQueue queue(dir() / "queue", executor_);
  const std::vector<Job> added = queue.add({request("deep")}, store());
  nlohmann::json result = nlohmann::json::parse(read_text(dir() / "deep.result"));
  result["N"] = "NESTED";
  std::string text = result.dump();
  text.replace(text.find("\"NESTED\""), 8, std::string(100'000, '[') + std::string(100'000, ']'));
  std::ofstream(dir() / "deep.result") << text;
  drive(queue);
  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_NE(job.message.find(result_file(job.request.out_dir).string() +
                             ": arrays and objects nested more than 512 deep"),
            std::string::npos)
      << job.message;
}

// A run directory where the job's lock cannot be created (a read-only filesystem; here a folder
// named .trainer.lock stands in for it, as tests may run as root, which ignores permissions:
// launch_cli_test's AFinishedRunInAReadOnlyFolderIsDoneNotFailed makes a folder truly read-only)
// failed every job there. When it holds a finished run, the trainer is asked to confirm it in the
// foreground: confirmed, the job is done and its run stored; refused, the job fails with why.
TEST_F(LaunchTest, AFinishedRunWhereNoLockCanBeCreatedIsConfirmedNotFailed) {
  RunQueue queue(dir() / "queue", executor_);
  JobRequest finished = request("finished");
  JobRequest refused = request("refused", {"--fail"});
  for (const JobRequest& job : {finished, refused}) {
    fs::create_directories(job.out_dir / ".trainer.lock");
    fs::copy_file(dir() / (job.spec_file.stem().string() + ".result"), result_file(job.out_dir));
  }
  const std::vector<Job> added = queue.add({finished, refused}, store());
  queue.set_concurrency_limit(2);
  drive(queue);
  const Job done = *queue.job(added[0].id);
  EXPECT_EQ(done.state, JobState::kDone) << done.message;
  EXPECT_EQ(done.exit_code, 0);
  const Job failed = *queue.job(added[1].id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_NE(failed.message.find(failed.request.out_dir.string() +
                                ": cannot create its lock file (Is a directory), and fake-train "
                                "exited with status 1 on the finished run there:"),
            std::string::npos)
      << failed.message;
  EXPECT_NE(failed.message.find("fake-train: loss diverged at step 2"), std::string::npos)
      << failed.message;
  // The failed job is recorded failed, as any failed job is (and first: it failed at its start).
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_EQ(runs[1].status, RunStatus::kDone);
  EXPECT_EQ(runs[1].loss, 3.9);
}

TEST_F(LaunchTest, CancelKillsTheJobsProcessGroup) {
  LocalExecutorOptions options;
  options.termination_grace = 2s;
  LocalExecutor executor(options);
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added =
      queue.add({request("long", {"--child", "--sleep", "30"}), request("waits")}, store());
  queue.update();
  const fs::path pids_file = added[0].request.out_dir / "pids";
  std::vector<pid_t> pids;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pids.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    std::istringstream text(read_text(pids_file));
    pids.clear();
    for (pid_t pid = 0; text >> pid;)
      pids.push_back(pid);
  }
  ASSERT_EQ(pids.size(), 2u) << "the trainer and its child did not start";
  ASSERT_EQ(queue.job(added[0].id)->state, JobState::kRunning);

  const auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(queue.cancel(added[0].id));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);  // SIGTERM sufficed
  for (const pid_t pid : pids)
    EXPECT_TRUE(process_ended(pid)) << "process " << pid << " outlived the cancel";
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kCancelled);
  EXPECT_TRUE(queue.cancel(added[1].id));  // still queued
  EXPECT_EQ(queue.job(added[1].id)->state, JobState::kCancelled);
  EXPECT_FALSE(queue.cancel(added[1].id));
  queue.update();
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kCancelled);
  EXPECT_TRUE(RunStore::open(store()).runs().empty());
  EXPECT_THROW(queue.cancel(99), QueueError);
}

TEST_F(LaunchTest, QueueStateSurvivesReopening) {
  std::vector<Job> added;
  {
    RunQueue queue(dir() / "queue", executor_);
    queue.set_concurrency_limit(3);
    added = queue.add({request("first"), request("second")}, store());
  }
  RunQueue reopened(dir() / "queue", executor_);
  EXPECT_EQ(reopened.concurrency_limit(), 3);
  EXPECT_EQ(reopened.jobs(), added);
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].id, 1);
  EXPECT_EQ(added[1].id, 2);
  EXPECT_EQ(added[1].name, "second");
  EXPECT_EQ(added[1].store, store());
  EXPECT_EQ(added[1].executor, "local");

  // A running job, followed from another RunQueue object, as `moescope train status` does.
  RunQueue driver(dir() / "queue", executor_);
  const std::vector<int> started = driver.update().started;
  EXPECT_EQ(started, (std::vector<int>{1, 2}));
  RunQueue watcher(dir() / "queue", executor_);
  EXPECT_EQ(watcher.job(1)->state, JobState::kRunning);
  EXPECT_EQ(watcher.job(1)->handle, driver.job(1)->handle);
  drive(watcher);
  EXPECT_EQ(RunStore::open(store()).size(), 2u);
  EXPECT_EQ(driver.job(2)->state, JobState::kDone);
}

TEST_F(LaunchTest, RefusesARunDirectoryInUseAndAnUnreadableSpec) {
  RunQueue queue(dir() / "queue", executor_);
  queue.add({request("once")}, store());
  EXPECT_THROW(queue.add({request("once")}, store()), QueueError);
  EXPECT_EQ(queue.jobs().size(), 1u);
  JobRequest broken = request("broken");
  std::ofstream(broken.spec_file) << "{not json";
  try {
    queue.add({broken}, store());
    FAIL() << "accepted";
  } catch (const QueueError& error) {
    EXPECT_EQ(std::string(error.what()),
              broken.spec_file.string() + ": not a JSON object of spec keys");
  }
  EXPECT_THROW(queue.set_concurrency_limit(0), QueueError);
}

TEST_F(LaunchTest, ABrokenQueueFileIsNamed) {
  fs::create_directories(dir() / "queue");
  std::ofstream(dir() / "queue" / "jobs.json") << R"({"format": "something else"})";
  RunQueue queue(dir() / "queue", executor_);
  try {
    queue.jobs();
    FAIL() << "accepted";
  } catch (const QueueError& error) {
    EXPECT_EQ(std::string(error.what()), (dir() / "queue" / "jobs.json").string() +
                                             ": not a MoEScope queue (format \"moescope-queue\")");
  }
}

TEST(MetricsLogTest, ReadsTrainingAndValidationLinesAndSkipsATornLastLine) {
  testing_support::TemporaryFolder folder("moescope-metrics");
  const fs::path file = folder.path() / "metrics.jsonl";
  EXPECT_TRUE(read_metrics_log(file).training.empty());
  std::ofstream(file) << R"({"step":10,"tokens":1000,"loss":3.5,"lr":0.002,"tokens_per_s":500}
{"step":10,"tokens":1000,"val_loss":3.6}
not json
{"step":20,"tokens":2000,"loss":3.1,"lr":0.001,"tokens_per_s":600}
{"step":30,"tokens":3000,"lo)";
  const MetricsLog log = read_metrics_log(file);
  const std::vector<LossPoint> training = {{10, 1000, 3.5}, {20, 2000, 3.1}};
  const std::vector<LossPoint> validation = {{10, 1000, 3.6}};
  EXPECT_EQ(log.training, training);
  EXPECT_EQ(log.validation, validation);
  EXPECT_EQ(log.learning_rate, 0.001);
  EXPECT_EQ(log.tokens_per_second, 600);

  const JobProgress progress = job_progress(log, 80);
  EXPECT_EQ(progress.step, 20);
  EXPECT_EQ(progress.tokens, 2000);
  EXPECT_EQ(progress.loss, 3.1);
  EXPECT_EQ(progress.validation_loss, 3.6);
  EXPECT_EQ(progress.fraction, 0.25);
  EXPECT_FALSE(job_progress(log, 0).fraction);
}

}  // namespace
}  // namespace moescope

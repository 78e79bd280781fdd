// SshExecutor against a real sshd on 127.0.0.1 (support/ssh_server.h), with a fake trainer: a
// shell script that trains in steps, checkpoints each step and resumes from its checkpoint. The
// "host" is this machine, so a test can look at the run directory there, and at what ran.
#include "moescope/launch/ssh_executor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "moescope/launch/run_queue.h"
#include "moescope/store/run_store.h"
#include "support/run_program.h"
#include "support/ssh_server.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using testing_support::read_file;
using testing_support::SshServer;
using testing_support::TemporaryFolder;

// Trains --steps steps of --pause seconds, one metrics line and one checkpoint per step, resuming
// from the checkpoint; --fill writes a megabyte first (for a full disk). A finished folder returns
// at once, as moescope-train does.
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
steps=3; pause=0.05
while [ $# -gt 0 ]; do
  case "$1" in
    --spec) spec=$2; shift 2 ;; --out) out=$2; shift 2 ;; --steps) steps=$2; shift 2 ;;
    --pause) pause=$2; shift 2 ;; --fill) fill=1; shift ;; *) shift ;;
  esac
done
[ -f "$out/result.json" ] && { echo "finished already"; exit 0; }
[ -f "$spec" ] || { echo "no spec $spec"; exit 1; }
if [ -n "$fill" ]; then head -c 1048576 /dev/zero > "$out/filler" || exit 1; fi
step=0
if [ -f "$out/checkpoint" ]; then step=$(cat "$out/checkpoint"); echo "resuming from step $step"; fi
while [ "$step" -lt "$steps" ]; do
  step=$((step + 1))
  printf '{"step":%d,"tokens":%d,"loss":5.%d,"lr":0.003,"tokens_per_s":1000}\n' \
    "$step" $((step * 16384)) "$step" >> "$out/metrics.jsonl"
  echo "$step" > "$out/checkpoint"
  echo "step $step"
  sleep "$pause"
done
printf '{"step":%d,"tokens":%d,"val_loss":4.8}\n' "$steps" $((steps * 16384)) >> "$out/metrics.jsonl"
cat > "$out/result.json" <<JSON
{"val_loss": 4.8, "tokens": $((steps * 16384)), "N": 1737728, "N_active": 558080, "S": 0.75,
 "flops": 80765517824,
 "architecture": {"d_model": 128, "layers": 2, "heads": 2, "vocab": 256, "context": 512,
                  "experts": 4, "active": 1, "granularity": 1, "tied_embeddings": true}}
JSON
)sh";

constexpr const char* kSpec = R"({"d_model": 128, "layers": 2, "heads": 2, "experts": 4,
  "active": 1, "granularity": 1, "context": 512, "batch_size": 32, "tokens": 16384, "lr": 0.003,
  "warmup_fraction": 0.05, "seed": 1})";

class SshExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::optional<std::string> why = SshServer::missing())
      GTEST_SKIP() << *why;
    folder_ = std::make_unique<TemporaryFolder>("moescope-ssh");
    server_ = std::make_unique<SshServer>(dir() / "sshd");
    std::ofstream(trainer()) << kFakeTrainer;
    fs::permissions(trainer(), fs::perms::owner_all);
    fs::create_directories(remote_root());
    // Short, as a socket's path must be (ssh_options turns reuse off for a long one).
    static int count = 0;
    control_dir_ = "/tmp/moescope-cm-" + std::to_string(::getpid()) + "-" + std::to_string(++count);
  }
  void TearDown() override {
    server_.reset();  // ends ssh's reused connections too
    testing_support::remove_tree(control_dir_);
  }

  fs::path dir() const { return folder_->path(); }
  fs::path trainer() const { return dir() / "fake-train"; }
  fs::path remote_root() const { return dir() / "host runs"; }

  SshExecutorOptions options(int steps = 3, double pause = 0.05) const {
    SshExecutorOptions options;
    options.name = "loop";
    options.target = server_->target();
    options.control_dir = control_dir_;
    options.remote_dir = remote_root().string();
    options.trainer = {trainer().string(), "--steps", std::to_string(steps), "--pause",
                       std::to_string(pause)};
    options.unreachable_grace = seconds(0);
    options.termination_grace = seconds(2);
    return options;
  }

  JobRequest request(const std::string& name = "cell") const {
    const fs::path spec = dir() / (name + ".json");
    std::ofstream(spec) << kSpec;
    return {spec, dir() / "local" / name, {"unused-local-trainer"}};
  }

  // Polls until the job has ended; fails the test after `limit`.
  static JobStatus wait_for_end(SshExecutor& executor, const JobRequest& request,
                                const std::string& handle, seconds limit = seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      const JobStatus status = executor.poll(request, handle);
      if (is_finished(status.state) || std::chrono::steady_clock::now() > deadline)
        return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static int line_count(const fs::path& file) {
    const std::string text = read_file(file);
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

  // True while some process of the job holds its run directory's lock on the host.
  static bool job_alive(const fs::path& run_dir) {
    const int fd = ::open((run_dir / ".trainer.lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return false;
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
    ::close(fd);
    return held;
  }

  std::unique_ptr<TemporaryFolder> folder_;
  std::unique_ptr<SshServer> server_;
  fs::path control_dir_;
};

TEST_F(SshExecutorTest, TrainsOnTheHostIntoTheStoreWithRemoteProvenance) {
  SshExecutor executor(options());
  EXPECT_EQ(executor.kind(), "ssh:loop");
  const JobRequest job = request();
  RunQueue queue(dir() / "queue", executor);
  queue.add({job}, dir() / "runs.db");
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (!is_finished(queue.jobs().front().state) && std::chrono::steady_clock::now() < deadline) {
    queue.update();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const Job finished = queue.jobs().front();
  ASSERT_EQ(finished.state, JobState::kDone) << finished.message;
  EXPECT_EQ(finished.executor, "ssh:loop");
  const std::vector<moescope::Run> runs = RunStore::open(dir() / "runs.db").runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin, "loop");
  // The run directory came back, all but the checkpoint, which stays where a resume needs it.
  EXPECT_TRUE(fs::exists(job.out_dir / "result.json"));
  EXPECT_EQ(line_count(job.out_dir / "metrics.jsonl"), 4);
  EXPECT_NE(read_file(job.out_dir / "trainer.log").find("step 3"), std::string::npos);
  EXPECT_FALSE(fs::exists(job.out_dir / "checkpoint"));
  EXPECT_TRUE(fs::exists(remote_root() / "cell" / "checkpoint"));
  EXPECT_EQ(read_file(remote_root() / "cell" / "input" / "cell.json"), kSpec);
}

TEST_F(SshExecutorTest, CopiesTheLossCurveBackWhileTheJobRuns) {
  SshExecutor executor(options(40, 0.2));
  const JobRequest job = request();
  const std::string handle = executor.submit(job);
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  int lines = 0;
  while (lines < 3 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(executor.poll(job, handle).state, JobState::kRunning);
    lines = line_count(job.out_dir / "metrics.jsonl");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(lines, 3) << "no live metrics copied back";
  executor.cancel(job, handle);
  EXPECT_FALSE(job_alive(remote_root() / "cell"));
}

TEST_F(SshExecutorTest, AnUnreachableHostAtSubmitIsAnErrorSayingSo) {
  server_->stop();
  SshExecutor executor(options());
  try {
    executor.submit(request());
    FAIL() << "submitted to a host that is down";
  } catch (const ExecutorError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot reach host loop"), std::string::npos)
        << error.what();
  }
}

TEST_F(SshExecutorTest, AnUnknownHostKeyIsRefusedAndNeverAdded) {
  SshExecutorOptions changed = options();
  const fs::path empty = dir() / "empty_known_hosts";
  std::ofstream(empty).close();
  changed.target.known_hosts = empty;
  SshExecutor executor(changed);
  EXPECT_THROW(executor.submit(request()), ExecutorError);
  EXPECT_EQ(read_file(empty), "");
  EXPECT_FALSE(fs::exists(remote_root() / "cell"));
}

TEST_F(SshExecutorTest, ACutConnectionFailsTheJobAndLaunchingAgainResumesFromTheCheckpoint) {
  SshExecutor executor(options(30, 0.2));
  const JobRequest job = request();
  const std::string handle = executor.submit(job);
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (line_count(job.out_dir / "metrics.jsonl") < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(executor.poll(job, handle).state, JobState::kRunning);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server_->stop();
  const auto cut = std::chrono::steady_clock::now();
  const JobStatus status = executor.poll(job, handle);
  EXPECT_LT(std::chrono::steady_clock::now() - cut, seconds(20)) << "poll hung";
  ASSERT_EQ(status.state, JobState::kFailed);
  EXPECT_NE(status.message.find("cannot reach host loop"), std::string::npos) << status.message;
  EXPECT_NE(status.message.find("step "), std::string::npos) << "no log tail: " << status.message;
  // The host loses the job too (it rebooted): its process group is killed there.
  const fs::path run_dir = remote_root() / "cell";
  const pid_t group = std::stoi(read_file(run_dir / "trainer.job"));
  ::kill(-group, SIGKILL);
  while (job_alive(run_dir))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server_->start();
  const std::string again = executor.submit(job);
  const JobStatus resumed = wait_for_end(executor, job, again);
  ASSERT_EQ(resumed.state, JobState::kDone) << resumed.message;
  const std::string log = read_file(job.out_dir / "trainer.log");
  EXPECT_NE(log.find("resuming from step"), std::string::npos) << log;
  EXPECT_EQ(log.find("resuming from step 0"), std::string::npos) << log;
}

TEST_F(SshExecutorTest, LaunchingAgainAfterACutFollowsTheJobStillRunningThere) {
  SshExecutor executor(options(30, 0.1));
  const JobRequest job = request();
  const std::string handle = executor.submit(job);
  server_->stop();
  EXPECT_EQ(executor.poll(job, handle).state, JobState::kFailed);
  server_->start();
  EXPECT_EQ(executor.running_job(job), handle);
  EXPECT_EQ(executor.submit(job), handle) << "started a second trainer in a busy run directory";
  const JobStatus status = wait_for_end(executor, job, handle);
  EXPECT_EQ(status.state, JobState::kDone) << status.message;
  EXPECT_EQ(read_file(job.out_dir / "trainer.log").find("resuming"), std::string::npos);
}

TEST_F(SshExecutorTest, RunningJobIgnoresAnotherSpecsJob) {
  SshExecutor executor(options(30, 0.1));
  const JobRequest job = request();
  const std::string handle = executor.submit(job);
  JobRequest other = job;
  other.spec_file = dir() / "other.json";
  std::ofstream(other.spec_file) << kSpec;
  EXPECT_EQ(executor.running_job(other), std::nullopt);
  EXPECT_THROW(executor.submit(other), ExecutorError);
  executor.cancel(job, handle);
  EXPECT_EQ(executor.running_job(job), std::nullopt);
}

TEST_F(SshExecutorTest, ATrainerMissingOnTheHostFailsTheJobNamingIt) {
  SshExecutorOptions missing = options();
  missing.trainer = {"/opt/nowhere/moescope-train"};
  SshExecutor executor(missing);
  RunQueue queue(dir() / "queue", executor);
  queue.add({request()}, dir() / "runs.db");
  queue.update();
  const Job job = queue.jobs().front();
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_NE(job.message.find("/opt/nowhere/moescope-train not found on loop"), std::string::npos)
      << job.message;
}

TEST_F(SshExecutorTest, CancelStopsTheRemoteProcessGroup) {
  SshExecutor executor(options(200, 0.1));
  const JobRequest job = request();
  const std::string handle = executor.submit(job);
  const fs::path run_dir = remote_root() / "cell";
  ASSERT_TRUE(job_alive(run_dir));
  executor.cancel(job, handle);
  EXPECT_FALSE(job_alive(run_dir));
  const int lines = line_count(run_dir / "metrics.jsonl");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(line_count(run_dir / "metrics.jsonl"), lines) << "the trainer still writes";
  executor.cancel(job, handle);  // a second cancel does nothing
}

TEST_F(SshExecutorTest, CopiesARelativeCorpusWithTheSpec) {
  SshExecutor executor(options());
  const JobRequest job = request();
  std::ofstream(job.spec_file) << R"({"tokens": 16384, "corpus": "texts/corpus.txt"})";
  fs::create_directories(dir() / "texts");
  std::ofstream(dir() / "texts" / "corpus.txt") << "some text\n";
  const std::string handle = executor.submit(job);
  EXPECT_EQ(read_file(remote_root() / "cell" / "input" / "texts" / "corpus.txt"), "some text\n");
  EXPECT_EQ(wait_for_end(executor, job, handle).state, JobState::kDone);
}

TEST_F(SshExecutorTest, MetacharactersInNamesAndFoldersAreNeverExecuted) {
  const std::string canary = "CANARY";
  const fs::path odd_root = dir() / "remote dir 'single' \"double\" $(touch CANARY) `touch CANARY`";
  fs::create_directories(odd_root);
  SshExecutorOptions odd = options();
  odd.remote_dir = odd_root.string();
  SshExecutor executor(odd);
  const fs::path spec = dir() / "$(touch CANARY);x.json";
  std::ofstream(spec) << kSpec;
  const JobRequest job{spec, dir() / "local" / "run; touch CANARY & 'q'\n$(touch CANARY)", {}};
  const std::string handle = executor.submit(job);
  const JobStatus status = wait_for_end(executor, job, handle);
  EXPECT_EQ(status.state, JobState::kDone) << status.message;
  EXPECT_TRUE(fs::exists(job.out_dir / "result.json"));
  EXPECT_TRUE(fs::exists(fs::path(executor.remote_run_dir(job)) / "input" / spec.filename()));
  const passwd* user = ::getpwuid(::getuid());
  for (const fs::path& where : {fs::current_path(), dir(), odd_root, fs::path(user->pw_dir),
                                fs::path(executor.remote_run_dir(job))})
    EXPECT_FALSE(fs::exists(where / canary)) << "executed in " << where;
}

TEST_F(SshExecutorTest, AFullDiskOnTheHostFailsTheJobSayingSo) {
  const fs::path small = dir() / "small disk";
  fs::create_directories(small);
  const CommandResult mounted = run_command(
      {"mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small.string()}, seconds(10));
  if (mounted.exit_code != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << mounted.err;
  SshExecutorOptions full = options();
  full.remote_dir = small.string();
  full.trainer.push_back("--fill");
  JobStatus status;
  {
    SshExecutor executor(full);
    const JobRequest job = request();
    const std::string handle = executor.submit(job);
    status = wait_for_end(executor, job, handle);
  }
  run_command({"umount", small.string()}, seconds(10));
  ASSERT_EQ(status.state, JobState::kFailed);
  EXPECT_NE(status.message.find("the disk there is full"), std::string::npos) << status.message;
}

}  // namespace
}  // namespace moescope

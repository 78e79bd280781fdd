// The Slurm executor against a real single-node Slurm cluster (support/slurm_cluster.h), through a
// RunQueue into a RunStore: a stand-in trainer and the real moescope-train, and the faults of
// issue 15: scancel behind the queue's back, the node set DOWN mid-run (failed, or requeued and
// resumed), the trainer missing, sbatch refusing, a spec name full of shell metacharacters.
#include "moescope/launch/slurm_executor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "moescope/launch/run_queue.h"
#include "moescope/model/accounting.h"
#include "moescope/store/run_store.h"
#include "support/slurm_cluster.h"
#include "support/ssh_server.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing_support::SlurmCluster;

// Arguments: [--sleep SECONDS] [--data DIR] --spec FILE --out DIR. Writes two metrics lines and
// copies the result the test prepared beside the spec (NAME.result), or $FAKE_RESULT, to
// DIR/result.json. As in the trainer, only rank 0 writes (SLURM_PROCID; 0 when there is one rank):
// two ranks copying one file race (cp: "File exists").
constexpr const char* kFakeTrainer = R"sh(#!/bin/sh
sleep_for=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sleep) sleep_for=$2; shift 2 ;;
    --data) shift 2 ;;
    --spec) spec=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "fake-train: unknown argument $1" >&2; exit 2 ;;
  esac
done
echo "fake-train: training on $(hostname -s)"
echo "fake-train: rank ${SLURM_PROCID:-none} of ${SLURM_NTASKS:-none} meeting at ${MASTER_ADDR:-none}, NCCL_NVLS_ENABLE=${NCCL_NVLS_ENABLE:-unset}"
[ "${SLURM_PROCID:-0}" = 0 ] || { sleep "$sleep_for"; exit 0; }
printf '{"step":1,"tokens":1024,"val_loss":4.4}\n' >> "$out/metrics.jsonl"
sleep "$sleep_for"
printf '{"step":2,"tokens":2048,"val_loss":3.9}\n' >> "$out/metrics.jsonl"
cp "${FAKE_RESULT:-${spec%.json}.result}" "$out/result.json"
)sh";

// The real trainer's tiny CPU spec (training_run_test.cpp's), 480 steps with a checkpoint every 10:
// long enough (several seconds) to be interrupted after a checkpoint.
constexpr const char* kTinySpec = R"({
  "d_model": 32, "layers": 1, "heads": 1, "experts": 4, "active": 2, "granularity": 1,
  "context": 32, "batch_size": 8, "tokens": 122880, "lr": 0.003, "warmup_fraction": 0.1,
  "seed": 11, "eval_tokens": 2048, "eval_interval": 240, "log_interval": 20,
  "checkpoint_interval": 10, "device": "cpu"
})";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether a step of Slurm job `id` still runs on this host: slurmstepd names itself
// "slurmstepd: [ID.batch]" (or "[ID.0]") until the step's last process has ended and it has
// reported the end to the controller.
bool job_steps_running(const std::string& id) {
  const std::string title = "slurmstepd: [" + id + ".";
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string text;
    if (std::getline(cmdline, text, '\0') && text.rfind(title, 0) == 0)
      return true;
  }
  return false;
}

// Whether no trainer holds the run directory's lock (.lock, flock'ed while moescope-train runs).
bool trainer_lock_free(const fs::path& out_dir) {
  const int fd = ::open((out_dir / ".lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SlurmExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::optional<std::string> why = SlurmCluster::unavailable())
      GTEST_SKIP() << "no Slurm here: " << *why;
    cluster_.emplace();
    const fs::path trainer = dir() / "fake-train";
    std::ofstream(trainer) << kFakeTrainer;
    fs::permissions(trainer, fs::perms::owner_all);
    fake_trainer_ = trainer.string();
  }

  const fs::path& dir() const { return folder_.path(); }
  fs::path store() const { return dir() / "runs.sqlite"; }

  // The host "cluster": its partition, SLURM_CONF, and `trainer`.
  SlurmExecutorOptions options(std::vector<std::string> trainer) const {
    SlurmExecutorOptions options;
    options.name = "cluster";
    options.partition = cluster_->partition();
    options.trainer = std::move(trainer);
    options.data_dir = (fs::path(MOESCOPE_BINARY_DIR) / "training-data").string();
    options.environment = cluster_->environment();
    return options;
  }

  // A spec for the stand-in trainer (a tiny MoE, 20,480 tokens) and the result it hands back.
  JobRequest fake_request(const std::string& name) const {
    Architecture arch;
    arch.d_model = 64;
    arch.n_layers = 2;
    arch.n_heads = 1;
    arch.experts = 4;
    arch.active = 1;
    arch.vocab = 256;
    arch.context = 32;
    const nlohmann::json spec = {{"d_model", 64},
                                 {"layers", 2},
                                 {"heads", 1},
                                 {"experts", 4},
                                 {"active", 1},
                                 {"granularity", 1},
                                 {"context", 32},
                                 {"batch_size", 320},
                                 {"tokens", 20480},
                                 {"lr", 0.003},
                                 {"warmup_fraction", 0.05},
                                 {"seed", 1}};
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
    return {spec_file, dir() / name, {"moescope-train"}};
  }

  JobRequest tiny_request(const std::string& name) const {
    const fs::path spec_file = dir() / (name + ".json");
    std::ofstream(spec_file) << kTinySpec;
    return {spec_file, dir() / name, {"moescope-train"}};
  }

  // Updates the queue every 200 ms until every job has finished, at most `limit`.
  static void drive(RunQueue& queue, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      queue.update();
      const std::vector<Job> jobs = queue.jobs();
      if (std::all_of(jobs.begin(), jobs.end(),
                      [](const Job& job) { return is_finished(job.state); }))
        return;
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "the queue did not finish in " << limit.count() << " s";
  }

  // Updates the queue until `condition` holds, at most `limit`; true once it does.
  static bool drive_until(RunQueue& queue, const std::function<bool()>& condition,
                          std::chrono::seconds limit) {
    return SlurmCluster::wait_for(
        [&] {
          queue.update();
          return condition();
        },
        limit);
  }

  void expect_command(const std::vector<std::string>& argv) const {
    const CommandResult result = cluster_->run(argv);
    EXPECT_EQ(result.exit_code, 0) << argv.front() << ": " << result.err << result.out;
  }

  testing_support::TemporaryFolder folder_{"moescope-slurm"};
  std::optional<SlurmCluster> cluster_;  // destroyed first: no daemon outlives the folder
  std::string fake_trainer_;
};

TEST_F(SlurmExecutorTest, AFinishedJobLandsInTheStoreAsRemoteWithItsSlurmJob) {
  SlurmExecutor executor(options({fake_trainer_}));
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request("C1e15_N2e6_S0.75")}, store());
  drive(queue, 60s);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  EXPECT_EQ(job.executor, "slurm:cluster");
  EXPECT_EQ(job.exit_code, 0);
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, job.run_id);
  EXPECT_EQ(runs[0].name, "C1e15_N2e6_S0.75");
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin, "cluster (slurm job " + job.handle + ")");
  EXPECT_EQ(runs[0].loss, 3.9);
  EXPECT_EQ(queue.progress(job).validation_loss, 3.9);
  // The node's own output, through Slurm's output file.
  EXPECT_TRUE(contains(read_text(trainer_log_file(job.request.out_dir)),
                       "fake-train: training on " + cluster_->node()));
  const std::string script = read_text(job.request.out_dir / "slurm-job.sh");
  EXPECT_TRUE(contains(script, "#SBATCH --partition=" + cluster_->partition())) << script;
  EXPECT_TRUE(contains(script, "#SBATCH --requeue")) << script;
  EXPECT_TRUE(contains(script, "#SBATCH --signal=B:TERM@60")) << script;
  // One rank: the trainer itself, not srun, with NVLink multicast off.
  EXPECT_FALSE(contains(script, "srun")) << script;
  EXPECT_FALSE(contains(script, "#SBATCH --ntasks-per-node")) << script;
  EXPECT_TRUE(contains(read_text(trainer_log_file(job.request.out_dir)), "NCCL_NVLS_ENABLE=0"));
}

// A spec of several ranks asks Slurm for them and starts them with srun, each told its place.
TEST_F(SlurmExecutorTest, ASpecOfTwoRanksIsStartedAsTwoSrunTasks) {
  SlurmExecutor executor(options({fake_trainer_}));
  RunQueue queue(dir() / "queue", executor);
  JobRequest request = fake_request("two-ranks");
  nlohmann::json spec = nlohmann::json::parse(read_text(request.spec_file));
  spec["ranks"] = 2;
  spec["device"] = "cpu";
  std::ofstream(request.spec_file) << spec.dump(2);
  const std::vector<Job> added = queue.add({request}, store());
  drive(queue, 60s);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  const std::string script = read_text(job.request.out_dir / "slurm-job.sh");
  EXPECT_TRUE(contains(script, "#SBATCH --nodes=1\n")) << script;
  EXPECT_TRUE(contains(script, "#SBATCH --ntasks-per-node=2\n")) << script;
  EXPECT_FALSE(contains(script, "--gpus-per-node")) << script;
  EXPECT_TRUE(contains(
      script, "'srun' '--label' '--kill-on-bad-exit=1' '--ntasks=2' '" + fake_trainer_ + "'"))
      << script;
  // srun's --label puts each task's rank before its lines.
  const std::string log = read_text(trainer_log_file(job.request.out_dir));
  EXPECT_TRUE(contains(
      log, "0: fake-train: rank 0 of 2 meeting at " + cluster_->node() + ", NCCL_NVLS_ENABLE=0"))
      << log;
  EXPECT_TRUE(contains(log, "1: fake-train: rank 1 of 2 meeting at " + cluster_->node())) << log;
}

// With run directories on the cluster's side, a corpus the spec names beside it travels with it.
TEST_F(SlurmExecutorTest, ACorpusBesideTheSpecIsCopiedToTheClusterWithIt) {
  SlurmExecutorOptions remote = options({fake_trainer_});
  remote.remote_dir = (dir() / "cluster-runs").string();
  SlurmExecutor executor(remote);
  RunQueue queue(dir() / "queue", executor);
  JobRequest request = fake_request("with-corpus");
  nlohmann::json spec = nlohmann::json::parse(read_text(request.spec_file));
  spec["corpus"] = "texts/words.txt";
  std::ofstream(request.spec_file) << spec.dump(2);
  fs::create_directories(dir() / "texts");
  std::ofstream(dir() / "texts" / "words.txt") << "In the beginning was the word.\n";
  queue.add({request}, store());
  queue.update();  // submits: the spec, its script and the corpus go to the cluster's folder
  bool copied = false;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(remote.remote_dir)) {
    copied = copied || (entry.path().filename() == "words.txt" &&
                        read_text(entry.path()) == "In the beginning was the word.\n" &&
                        entry.path().parent_path().filename() == "texts");
  }
  EXPECT_TRUE(copied);
  drive(queue, 60s);
}

TEST_F(SlurmExecutorTest, TrainsATinySpecWithTheRealTrainer) {
#ifndef MOESCOPE_TRAIN_BINARY
  GTEST_SKIP() << "moescope-train is not built here (the trainer needs LibTorch)";
#else
  SlurmExecutor executor(options({MOESCOPE_TRAIN_BINARY}));
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({tiny_request("tiny")}, store());
  drive(queue, 120s);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].provenance, Provenance::kRemote);
  EXPECT_EQ(runs[0].origin, "cluster (slurm job " + job.handle + ")");
  EXPECT_EQ(runs[0].tokens, 122880);
  ASSERT_TRUE(runs[0].loss);
  EXPECT_LT(*runs[0].loss, 5.6);  // below a uniform guess over 256 bytes (ln 256 = 5.55)
  EXPECT_EQ(queue.progress(job).step, 480);
#endif
}

TEST_F(SlurmExecutorTest, ScancelBehindTheQueuesBackEndsTheJobCancelledSayingSo) {
  SlurmExecutor executor(options({fake_trainer_, "--sleep", "60"}));
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request("stopped")}, store());
  const JobRequest& request = added[0].request;
  ASSERT_TRUE(drive_until(
      queue, [&] { return contains(read_text(trainer_log_file(request.out_dir)), "fake-train"); },
      30s));
  const Job started = *queue.job(added[0].id);
  // Another executor (a later process) finds the job by its script, as a new driver would.
  EXPECT_EQ(SlurmExecutor(options({fake_trainer_})).running_job(request), started.handle);

  expect_command({"scancel", started.handle});
  drive(queue, 30s);
  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kCancelled);
  EXPECT_TRUE(contains(job.message, "Slurm job " + job.handle + " ended CANCELLED")) << job.message;
  EXPECT_TRUE(contains(job.message, "fake-train: training on")) << job.message;
  EXPECT_TRUE(RunStore::open(store()).runs().empty());
  EXPECT_EQ(executor.running_job(request), std::nullopt);
}

// The controller stops answering mid-run: the job counts as running for the executor's grace,
// then fails saying so, never a queue waiting forever.
TEST_F(SlurmExecutorTest, AControllerThatStopsAnsweringFailsTheJobAfterItsGrace) {
  SlurmExecutorOptions unanswered = options({fake_trainer_, "--sleep", "60"});
  unanswered.unreachable_grace = 3s;
  SlurmExecutor executor(unanswered);
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request("unanswered")}, store());
  const JobRequest& request = added[0].request;
  ASSERT_TRUE(drive_until(
      queue, [&] { return contains(read_text(trainer_log_file(request.out_dir)), "fake-train"); },
      30s));
  cluster_->stop_controller();
  queue.update();
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kRunning);  // within the grace
  drive(queue, 120s);
  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_TRUE(
      contains(job.message, "cannot reach the Slurm controller of cluster for job " + job.handle))
      << job.message;
  EXPECT_TRUE(contains(job.message, "fake-train: training on")) << job.message;
  cluster_->start_controller();  // so that the job is cancelled before the cluster stops
}

TEST_F(SlurmExecutorTest, CancelStopsTheJobAndReturnsOnceSlurmHasLetItGo) {
  SlurmExecutor executor(options({fake_trainer_, "--sleep", "60"}));
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request("cancelled")}, store());
  ASSERT_TRUE(drive_until(
      queue, [&] { return !queue.job(added[0].id)->handle.empty(); }, 30s));
  const std::string handle = queue.job(added[0].id)->handle;

  EXPECT_TRUE(queue.cancel(added[0].id));
  EXPECT_EQ(cluster_->run({"squeue", "-h", "-j", handle, "-o", "%T"}).out, "");
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kCancelled);
  EXPECT_FALSE(fs::exists(added[0].request.out_dir / "result.json"));
}

// Slurm kills the job when its node goes down. Made not requeueable, it ends NODE_FAIL: the job
// fails saying so; once the node is back, launching the same spec resumes from the checkpoint.
TEST_F(SlurmExecutorTest, ANodeGoingDownFailsTheJobAndLaunchingAgainResumes) {
#ifndef MOESCOPE_TRAIN_BINARY
  GTEST_SKIP() << "moescope-train is not built here (the trainer needs LibTorch)";
#else
  SlurmExecutor executor(options({MOESCOPE_TRAIN_BINARY}));
  RunQueue queue(dir() / "queue", executor);
  const JobRequest request = tiny_request("node-down");
  const std::vector<Job> added = queue.add({request}, store());
  ASSERT_TRUE(drive_until(
      queue, [&] { return !queue.job(added[0].id)->handle.empty(); }, 30s));
  expect_command({"scontrol", "update", "jobid=" + queue.job(added[0].id)->handle, "requeue=0"});
  ASSERT_TRUE(drive_until(
      queue, [&] { return fs::exists(request.out_dir / "checkpoint.pt"); }, 60s));
  expect_command(
      {"scontrol", "update", "nodename=" + cluster_->node(), "state=down", "reason=test"});
  drive(queue, 60s);

  const Job failed = *queue.job(added[0].id);
  ASSERT_EQ(failed.state, JobState::kFailed);
  EXPECT_TRUE(contains(failed.message, "Slurm job " + failed.handle + " ended NODE_FAIL"))
      << failed.message;
  EXPECT_TRUE(contains(failed.message, "the end of " + trainer_log_file(request.out_dir).string()))
      << failed.message;

  cluster_->run({"scontrol", "update", "nodename=" + cluster_->node(), "state=resume"});
  ASSERT_TRUE(SlurmCluster::wait_for([&] { return cluster_->node_state() == "idle"; }, 30s))
      << cluster_->node_state();
  const std::vector<Job> again = queue.add({request}, store());
  drive(queue, 120s);
  const Job resumed = *queue.job(again[0].id);
  ASSERT_EQ(resumed.state, JobState::kDone) << resumed.message;
  EXPECT_NE(resumed.handle, failed.handle);
  EXPECT_TRUE(contains(read_text(trainer_log_file(request.out_dir)), "resuming at step"));
  EXPECT_EQ(RunStore::open(store()).runs().size(), 2u);  // the failed attempt and the run
#endif
}

// A requeueable job (the default) whose node goes down goes back to Slurm's queue, reported
// queued, and runs again in the same run directory, resuming from its checkpoint: preemption.
TEST_F(SlurmExecutorTest, ARequeuedJobResumesFromItsCheckpoint) {
#ifndef MOESCOPE_TRAIN_BINARY
  GTEST_SKIP() << "moescope-train is not built here (the trainer needs LibTorch)";
#else
  SlurmExecutor executor(options({MOESCOPE_TRAIN_BINARY}));
  RunQueue queue(dir() / "queue", executor);
  const JobRequest request = tiny_request("requeued");
  const std::vector<Job> added = queue.add({request}, store());
  ASSERT_TRUE(drive_until(
      queue, [&] { return fs::exists(request.out_dir / "checkpoint.pt"); }, 60s));
  const std::string handle = queue.job(added[0].id)->handle;
  expect_command(
      {"scontrol", "update", "nodename=" + cluster_->node(), "state=down", "reason=test"});
  ASSERT_TRUE(SlurmCluster::wait_for(
      [&] { return executor.poll(request, handle).state == JobState::kQueued; }, 30s));
  EXPECT_EQ(queue.job(added[0].id)->state, JobState::kRunning);  // it keeps its slot
  // On a cluster the first attempt dies with its node; on this one node its trainer and its
  // steps may still be ending after Slurm's SIGTERM. Start again only once they are gone, as
  // they would be there.
  ASSERT_TRUE(SlurmCluster::wait_for([&] { return trainer_lock_free(request.out_dir); }, 30s));
  ASSERT_TRUE(SlurmCluster::wait_for([&] { return !job_steps_running(handle); }, 60s));
  // Slurm holds a requeued job back for a while (BeginTime); a test has no minutes to spare. That
  // delay is there because the node's slurmd revoked the job's credential when it killed the first
  // attempt, and refuses ("Job 1 already killed, do not launch batch job") any credential created
  // in or before that second, failing the job. The revocation came before the steps ended, so a
  // start in a later second is safe.
  const std::time_t steps_ended = std::time(nullptr);
  ASSERT_TRUE(SlurmCluster::wait_for([&] { return std::time(nullptr) > steps_ended; }, 2s));
  cluster_->run({"scontrol", "update", "nodename=" + cluster_->node(), "state=resume"});
  expect_command({"scontrol", "update", "jobid=" + handle, "starttime=now"});
  drive(queue, 120s);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message << "\n" << cluster_->logs();
  EXPECT_EQ(job.handle, handle);
  EXPECT_TRUE(contains(read_text(trainer_log_file(request.out_dir)), "resuming at step"));
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].origin, "cluster (slurm job " + handle + ")");
#endif
}

TEST_F(SlurmExecutorTest, AMissingTrainerFailsTheJobNamingItWithTheLog) {
  const std::string missing = (dir() / "no-such-trainer").string();
  SlurmExecutor executor(options({missing}));
  RunQueue queue(dir() / "queue", executor);
  queue.add({fake_request("missing")}, store());
  drive(queue, 60s);

  const Job job = queue.jobs().front();
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.exit_code, 127);
  EXPECT_TRUE(contains(job.message, "Slurm job " + job.handle + " ended FAILED")) << job.message;
  EXPECT_TRUE(contains(job.message, missing + " exited with status 127")) << job.message;
  // The log's end: the shell's own complaint.
  EXPECT_TRUE(contains(job.message, "no-such-trainer: not found")) << job.message;
}

TEST_F(SlurmExecutorTest, SbatchRefusingAnUnknownPartitionIsAnErrorNamingIt) {
  SlurmExecutorOptions unknown = options({fake_trainer_});
  unknown.partition = "no-such-partition";
  SlurmExecutor executor(unknown);
  try {
    executor.submit(fake_request("refused"));
    ADD_FAILURE() << "sbatch accepted an unknown partition";
  } catch (const ExecutorError& error) {
    EXPECT_TRUE(contains(error.what(), "sbatch refused the job for partition no-such-partition"))
        << error.what();
    EXPECT_TRUE(contains(error.what(), "invalid partition")) << error.what();  // sbatch's words
  }
  RunQueue queue(dir() / "queue", executor);
  queue.add({fake_request("refused-in-queue")}, store());
  drive(queue, 30s);
  EXPECT_EQ(queue.jobs().front().state, JobState::kFailed);
  EXPECT_TRUE(contains(queue.jobs().front().message, "no-such-partition"));
}

// A spec named to run a command if any shell read its name unquoted: in the job script, on
// sbatch's command line, as the job's name and folder. It trains, and nothing ran.
TEST_F(SlurmExecutorTest, AMetacharacterSpecNameExecutesNothing) {
  // `touch` would run in the folder of whichever shell read the name: the job's (its run
  // directory), or this process's.
  const std::string name = "$(touch CANARY);x`touch CANARY`'\"\n -y%j";
  SlurmExecutor executor(options({fake_trainer_}));
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request(name)}, store());
  drive(queue, 60s);

  const Job job = *queue.job(added[0].id);
  EXPECT_EQ(job.state, JobState::kDone) << job.message;
  EXPECT_EQ(job.request.out_dir.filename().string(), name);
  EXPECT_TRUE(fs::exists(trainer_log_file(job.request.out_dir)));  // %j left as it is
  for (const fs::path& folder : {dir(), job.request.out_dir, fs::current_path()})
    EXPECT_FALSE(fs::exists(folder / "CANARY")) << folder;
}

// A workstation that is no login node: sbatch and squeue through ssh to one (a real sshd on
// 127.0.0.1), the run directory on the cluster's side (remote_dir) and its files copied back.
TEST_F(SlurmExecutorTest, ThroughALoginNodeOverSshTheRunIsCopiedBack) {
  if (const std::optional<std::string> why = testing_support::SshServer::missing())
    GTEST_SKIP() << *why;
  const testing_support::SshServer login_node(dir() / "sshd");
  SlurmExecutorOptions via = options({fake_trainer_});
  via.via = login_node.target();
  via.control_dir = dir() / "ssh";
  fs::create_directories(via.control_dir);
  via.remote_dir = (dir() / "cluster-runs").string();
  // Passed on by sbatch to the job: the spec on the cluster's side is a copy, with no result
  // beside.
  via.environment.emplace_back("FAKE_RESULT", (dir() / "remote.result").string());
  SlurmExecutor executor(via);
  RunQueue queue(dir() / "queue", executor);
  const std::vector<Job> added = queue.add({fake_request("remote")}, store());
  drive(queue, 60s);

  const Job job = *queue.job(added[0].id);
  ASSERT_EQ(job.state, JobState::kDone) << job.message;
  EXPECT_TRUE(fs::exists(result_file(job.request.out_dir)));
  EXPECT_TRUE(contains(read_text(trainer_log_file(job.request.out_dir)), "fake-train: training"));
  EXPECT_EQ(queue.progress(job).validation_loss, 3.9);
  const std::vector<moescope::Run> runs = RunStore::open(store()).runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].origin, "cluster (slurm job " + job.handle + ")");
  // It trained in the cluster's folder, from the spec copied there.
  EXPECT_FALSE(fs::is_empty(via.remote_dir));
}

TEST(SlurmExecutorOptionsTest, RefusesOptionsThatWouldAddOrBreakSbatchOptions) {
  SlurmExecutorOptions options;
  options.name = "gpu cluster";
  options.partition = "a\n#SBATCH --wrap=x";
  options.time = "--x";
  options.remote_dir = "scratch/runs";  // relative: to which folder on the cluster?
  options.trainer.clear();
  options.environment = {{"A=B", "1"}};
  const std::vector<std::string> problems = options.validate();
  const std::vector<std::string> fields = {"name",       "partition", "time",
                                           "remote_dir", "trainer",   "environment"};
  ASSERT_EQ(problems.size(), fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i)
    EXPECT_TRUE(problems[i].starts_with(fields[i])) << problems[i];
  EXPECT_THROW(SlurmExecutor{options}, std::invalid_argument);
  SlurmExecutorOptions usable;
  usable.name = "cluster";
  EXPECT_TRUE(usable.validate().empty());
}

}  // namespace
}  // namespace moescope

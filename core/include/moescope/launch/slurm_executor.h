#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moescope/launch/executor.h"
#include "moescope/launch/remote_command.h"

namespace moescope {

struct SlurmExecutorOptions {
  std::string name;  // the host's name: kind() "slurm:NAME", the runs' origin
  // sbatch's -p, -A, --gres and -t; empty: not passed (the cluster's defaults). No whitespace.
  std::string partition;
  std::string account;
  std::string gres;
  std::string time;
  // The login node, over SSH; nullopt: this machine is one (sbatch and squeue work here).
  std::optional<SshTarget> via;
  std::filesystem::path control_dir;  // where ssh keeps its reused connection (via only)
  // Where the run directories live on the cluster (an absolute path), each in a subfolder
  // "run-HASH" of the job's run directory's path; the spec is copied there and the run's records
  // are copied back (the checkpoint stays). Empty: the job's own run directory, on a filesystem
  // this machine shares with the cluster's nodes. Needed with via.
  std::string remote_dir;
  // The trainer on the cluster's nodes, then any arguments before --spec. It replaces the
  // request's trainer, which names this machine's.
  std::vector<std::string> trainer = {"moescope-train"};
  std::string data_dir;  // the trainer's --data on the nodes; empty: its default
  // Variables set for every Slurm command (e.g. SLURM_CONF), through env(1); sbatch passes them
  // on to the job.
  std::vector<std::pair<std::string, std::string>> environment;
  // How long poll() keeps reporting a job running while the controller (or the login node) does
  // not answer, before it reports the job failed with what it last heard: long enough for a
  // controller restart, short enough that a queue never waits forever. Default 10 minutes.
  std::chrono::seconds unreachable_grace{600};

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// Runs each job as a Slurm batch job, with the cluster's own programs: sbatch, squeue, sacct,
// scancel, run as argument lists without a shell (remote_command.h), through `ssh` to the login
// node with `via`.
//
// submit() writes the job script RUN/slurm-job.sh: #SBATCH lines for the host's options,
// --requeue, --signal=B:TERM@60 and --open-mode=append, then the trainer's command line, every
// word quoted (shell_command_line). It runs the trainer in the background, passes SIGTERM on to
// it (Slurm's warning before the time limit, and scancel), and records the trainer's exit status
// in RUN/trainer.exit. The script is submitted with `sbatch --parsable`, its output to
// RUN/trainer.log; the handle is the Slurm job id. With remote_dir, the spec and the script are
// copied there first, and the run's records copied back at each poll, completely before the end
// is reported: over ssh with via as SshExecutor does (ssh_scripts.h's kUpload and kPoll).
//
// A job Slurm requeues (node failure, preemption) runs the script again in the same run
// directory, where the trainer resumes from its last checkpoint; meanwhile poll() reports it
// queued. A job that ends otherwise than by the trainer's exit (NODE_FAIL, TIMEOUT, CANCELLED
// behind the queue's back, ...) is reported with a message naming the Slurm state and the end of
// trainer.log.
class SlurmExecutor : public Executor {
 public:
  // Throws std::invalid_argument with validate()'s messages.
  explicit SlurmExecutor(SlurmExecutorOptions options);

  std::string kind() const override { return "slurm:" + options_.name; }
  std::string host() const override { return options_.name; }
  Provenance provenance() const override { return Provenance::kRemote; }
  // "NAME (slurm job ID)".
  std::string origin(const std::string& handle) const override;

  // Throws ExecutorError when the run directory cannot be prepared or sbatch refuses the job,
  // with sbatch's own words (e.g. an unknown partition).
  std::string submit(const JobRequest& request) override;
  // squeue while Slurm holds the job; sacct once the controller has forgotten it. A job whose
  // state cannot be learnt (the controller or the login node unreachable) is reported running:
  // the next poll asks again.
  JobStatus poll(const JobRequest& request, const std::string& handle) override;
  // scancel, then waits until the job has left squeue.
  void cancel(const JobRequest& request, const std::string& handle) override;
  // A job in squeue (pending or running) whose script is this request's job script.
  std::optional<std::string> running_job(const JobRequest& request) override;

 private:
  std::vector<std::string> command(std::vector<std::string> words) const;
  CommandResult run(std::vector<std::string> words) const;
  std::filesystem::path cluster_dir(const JobRequest& request) const;
  void stage_in(const JobRequest& request) const;
  bool copy_back(const JobRequest& request, bool at_end) const;
  JobStatus finished(const JobRequest& request, const std::string& id, const std::string& state,
                     const std::string& reason, std::optional<int> exit_code) const;
  JobStatus unanswered(const JobRequest& request, const std::string& id,
                       const CommandResult& queued) const;

  SlurmExecutorOptions options_;
};

}  // namespace moescope

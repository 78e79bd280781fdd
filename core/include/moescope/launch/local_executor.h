#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "moescope/launch/executor.h"

namespace moescope {

struct LocalExecutorOptions {
  // How long cancel() waits after SIGTERM before it sends SIGKILL; default 5 s, time for a trainer
  // to notice and stop cleanly.
  std::chrono::milliseconds termination_grace{5000};
  // The POSIX shell that supervises each job; default /bin/sh.
  std::string shell = "/bin/sh";

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// Runs each job as child processes of this machine, in a process group of their own.
//
// A job is a shell that starts the trainer in the background and exits at once; the background
// shell waits for the trainer, then writes its exit status to OUT/trainer.exit (atomically). So
// the exit status outlives the process that submitted the job, which can exit: `moescope train
// status`, or the explorer, polls the job later from another process. The trainer's stdout and
// stderr are appended to OUT/trainer.log; its stdin is /dev/null.
//
// While any process of the job lives, the job holds an exclusive lock (flock) on OUT/.trainer.lock,
// inherited from submit(). poll() tests that lock to tell a running job from one that died without
// an exit status (killed with its shell), which a process id, reusable by the system, cannot.
// Before the trainer starts, the shell records the job's handle and spec in OUT/trainer.job, so
// that running_job() can identify a job whose submitter died before recording its handle.
//
// cancel() sends SIGTERM to the job's process group, waits up to termination_grace for the lock
// to be released, then sends SIGKILL. The handle is the process group's id.
class LocalExecutor : public Executor {
 public:
  // Throws std::invalid_argument with validate()'s messages.
  explicit LocalExecutor(LocalExecutorOptions options = {});

  std::string kind() const override { return "local"; }
  std::string host() const override;  // this machine's host name
  Provenance provenance() const override { return Provenance::kTrainedLocally; }

  // Throws ExecutorError when OUT cannot be created, another job holds its lock, or the shell
  // cannot be started. Where no lock can be created in OUT (a read-only filesystem) but OUT holds
  // a finished run (result.json), nothing is started in the background: the trainer is run there
  // and waited for, as it returns at once for a finished run of the same spec, creating nothing;
  // when it confirms the run (exit status 0), the handle is "finished", which poll() reports done.
  // Otherwise the error says why, with the end of the trainer's output.
  std::string submit(const JobRequest& request) override;
  JobStatus poll(const JobRequest& request, const std::string& handle) override;
  void cancel(const JobRequest& request, const std::string& handle) override;
  // A job holding OUT's lock whose OUT/trainer.job names this request's spec. The shell writes
  // that file first thing; a job seen before it has, is waited for up to a second.
  std::optional<std::string> running_job(const JobRequest& request) override;

 private:
  LocalExecutorOptions options_;
};

}  // namespace moescope

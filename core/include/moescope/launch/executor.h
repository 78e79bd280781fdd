#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/launch/job.h"
#include "moescope/run/run.h"

namespace moescope {

// A job cannot be started or stopped; the message names the job's run directory.
class ExecutorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What an executor knows of a job it was given.
struct JobStatus {
  // kQueued (waiting at the executor, e.g. a remote scheduler), kRunning, kDone, kFailed, or
  // kCancelled (stopped by someone else than this process's cancel()).
  JobState state = JobState::kRunning;
  std::optional<int> exit_code;  // the trainer's, once it has exited
  // For kFailed: what went wrong, with the end of the trainer's log; for kCancelled, who stopped
  // it, where the executor can tell.
  std::string message;
};

// For the executors' constructors: throws std::invalid_argument "invalid WHAT options:" with one
// line per problem of their options' validate(); does nothing when there is none.
void refuse_invalid_options(const std::vector<std::string>& problems, std::string_view what);

// Runs trainer jobs somewhere: child processes on this machine (LocalExecutor) now, remote hosts
// later. RunQueue, and through it the command line and the explorer, use nothing but this
// interface, so another executor drops in without changing them. Its contract:
//
//  - submit() starts `request.trainer... --spec SPEC --out OUT` and returns without waiting for
//    it, with a handle: a string that poll() and cancel() of an executor of the same kind accept,
//    in this process or in any later one (the queue stores it in its file). It throws
//    ExecutorError when the job cannot be started.
//  - The run directory OUT on this machine holds the trainer's files as far as they have got:
//    metrics.jsonl while the job runs (progress and the live loss curve), trainer.log (the
//    trainer's output), and result.json once it is done. An executor that trains elsewhere copies
//    them back as it goes, and completely before poll() first reports the job's end.
//  - poll() returns at once (a look at files or one short request), and starts or stops nothing.
//    kDone means the trainer exited with status 0 and OUT/result.json is in place.
//  - cancel() stops the job and every process it started, and returns once they are gone;
//    cancelling a job that has ended does nothing. It throws ExecutorError when it cannot stop it.
//  - running_job() finds a job of the request that runs though nobody recorded its handle: one
//    submitted by a process that died before it could (a queue driver killed mid-update).
//  - Every method may be called from several threads at once.
class Executor {
 public:
  virtual ~Executor() = default;

  // A name for this kind of executor, e.g. "local"; the queue records it with each job and polls a
  // job only through an executor of the same kind.
  virtual std::string kind() const = 0;
  // Where its jobs train.
  virtual std::string host() const = 0;
  // A finished run's origin in the store: where the job with this handle trained, as precisely as
  // the executor knows it (a Slurm executor adds the job id). The handle is empty for a job that
  // could not be started.
  virtual std::string origin(const std::string& /*handle*/) const { return host(); }
  // A finished run's provenance in the store: kTrainedLocally or kRemote.
  virtual Provenance provenance() const = 0;

  virtual std::string submit(const JobRequest& request) = 0;
  virtual JobStatus poll(const JobRequest& request, const std::string& handle) = 0;
  virtual void cancel(const JobRequest& request, const std::string& handle) = 0;
  // The handle of a job of this executor that runs `request` (its spec, in its run directory)
  // now; nullopt when none does. The queue asks before it submits a queued job, so that the next
  // driver follows a job that a killed one started, rather than starting it again and failing it
  // because its run directory is busy. Throws ExecutorError when a job runs there but cannot be
  // identified yet; the queue then tries again at its next update.
  virtual std::optional<std::string> running_job(const JobRequest& request) = 0;
};

}  // namespace moescope

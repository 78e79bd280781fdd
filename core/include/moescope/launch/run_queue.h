#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "moescope/launch/executor.h"
#include "moescope/launch/job.h"

namespace moescope {

// A queue cannot be read or changed; the message names the file or the job.
class QueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one update() or refresh() changed.
struct QueueUpdate {
  std::vector<int> started;   // jobs submitted to the executor
  std::vector<int> finished;  // jobs that ended: done or failed (their runs now in their stores),
                              // or cancelled by the executor's side
};

// Training jobs waiting for, holding or done with one of a limited number of slots.
//
// The queue lives in a folder: jobs.json (every job and the concurrency limit, replaced atomically
// on each change) and queue.lock, which every change holds, so that any number of processes can
// share a queue: `moescope train launch` drives it, `moescope train status` and the explorer read
// it. Every method re-reads the file; a RunQueue object holds no state of its own but the folder
// and the executor.
//
// Nothing runs by itself: a driver calls update() every second or so. A job stays queued until
// an update() finds fewer than the limit running, and is submitted then, in the order added; from
// then on it is running and holds a slot, even while a remote executor keeps it waiting. When
// the executor reports a job's end, the update reads the run directory and adds the run to the
// job's store: a done job's run from result.json and metrics.jsonl (trained_run.h), a failed job's
// run with status failed. A cancelled job adds nothing.
//
// A driver may be killed at any point (tests/launch_fault_test.cpp kills one at each). Between
// submitting a job and recording it, the job runs while the file says queued: before submitting a
// queued job, an update asks the executor whether it already runs (Executor::running_job, which
// reads the run directory's lock) and follows it if so. Between storing a finished run and
// recording the end, the next update stores it again, which the store skips (same content).
class RunQueue {
 public:
  // Creates the folder if needed. `executor` must outlive the queue; jobs whose executor kind
  // differs from it are left alone by update() and refresh().
  RunQueue(std::filesystem::path directory, Executor& executor);
  // A queue that exists, creating no folder: for readers (`moescope train status`), where a
  // mistyped path must not leave a queue behind. Throws QueueError naming the folder when there
  // is none.
  static RunQueue open_existing(const std::filesystem::path& directory, Executor& executor);

  // $MOESCOPE_QUEUE if set, else $XDG_STATE_HOME/moescope/queue, else
  // ~/.local/state/moescope/queue. Empty variables, and a relative XDG_STATE_HOME, count as unset;
  // throws QueueError when neither MOESCOPE_QUEUE nor HOME is.
  static std::filesystem::path default_directory();

  const std::filesystem::path& directory() const { return directory_; }

  // Adds one queued job per request, all or none, named after the spec file, with its finished
  // run going to `store`; returns them. Throws QueueError when a spec file cannot be read as JSON,
  // or a run directory is already used by another request or by a job not yet finished.
  std::vector<Job> add(const std::vector<JobRequest>& requests, const std::filesystem::path& store);

  // How many jobs may run at once; 1 for a new queue. Throws QueueError unless limit >= 1.
  void set_concurrency_limit(int limit);
  int concurrency_limit() const;

  // Polls the running jobs and records those that ended (refresh), then submits queued jobs while
  // fewer than the limit run. A job the executor cannot start fails with its message.
  QueueUpdate update();
  // Polls and records only; starts nothing.
  QueueUpdate refresh();

  // Every job, in the order added.
  std::vector<Job> jobs() const;
  std::optional<Job> job(int id) const;

  // How far a job has got, from its metrics.jsonl; a done job is at fraction 1.
  JobProgress progress(const Job& job) const;

  // Stops a queued or running job; it becomes cancelled. Returns false when it had already
  // finished. Throws QueueError for an unknown id, and ExecutorError when its processes cannot be
  // stopped. The job is marked cancelled before the executor stops it, so no update in any process
  // records its end as a failure; stopping it blocks for at most the executor's grace period. A
  // queued job that a dead driver had started (Executor::running_job) is stopped as well.
  bool cancel(int id);

 private:
  QueueUpdate poll_running(std::vector<Job>& jobs);
  void start_queued(std::vector<Job>& jobs, int limit, QueueUpdate& update);
  void record_end(Job& job, const JobStatus& status);

  std::filesystem::path directory_;
  Executor* executor_;
};

}  // namespace moescope

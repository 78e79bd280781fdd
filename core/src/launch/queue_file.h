#pragma once

#include <filesystem>
#include <vector>

#include "moescope/launch/job.h"

namespace moescope {

// What a queue's jobs.json holds: {"format": "moescope-queue", "version": 1,
// "concurrency_limit", "next_id", "jobs": [{"id", "name", "state", "spec", "out_dir", "trainer",
// "store", "executor", "handle", "planned_steps", "queued_at", "started_at", "finished_at",
// "exit_code", "message", "run_id"}, ...]}, absent values left out.
struct QueueState {
  int concurrency_limit = 1;
  int next_id = 1;
  std::vector<Job> jobs;
};

// Holds the queue's lock (an exclusive flock on queue.lock) while it lives; waits for it.
class QueueLock {
 public:
  explicit QueueLock(const std::filesystem::path& directory);
  ~QueueLock();
  QueueLock(const QueueLock&) = delete;
  QueueLock& operator=(const QueueLock&) = delete;

 private:
  int fd_ = -1;
};

// An empty state when there is no jobs.json yet. Throws QueueError naming the file and the job
// when it cannot be read, nests deeper than kMaxJsonDepth (json_limits.h) or is not a queue.
QueueState read_queue_state(const std::filesystem::path& directory);

// Replaces jobs.json atomically (a temporary file, flushed to disk, renamed over it). Throws
// QueueError naming the file.
void write_queue_state(const std::filesystem::path& directory, const QueueState& state);

}  // namespace moescope

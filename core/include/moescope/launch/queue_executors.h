#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "moescope/launch/executor.h"
#include "moescope/launch/hosts.h"
#include "moescope/launch/run_queue.h"

namespace moescope {

// The executors that a launch queue's jobs need, each with a RunQueue over the queue's folder: the
// local one, and one per host that a job names ("ssh:NAME", "slurm:NAME"), built from the host
// registry. A RunQueue polls and starts only the jobs of its executor's kind, so `train drive`,
// `status` and `cancel` and the explorer's training panel go through all of them to handle every
// job of the folder.
class QueueExecutors {
 public:
  // Reads the queue's jobs and the host registry. `must_exist`: a queue folder that is not there
  // is an error (RunQueue::open_existing) rather than created.
  QueueExecutors(const std::filesystem::path& directory, bool must_exist);

  // The local queue first, then one per host, in the order their jobs were added.
  std::vector<RunQueue>& queues() { return queues_; }
  // The queue of the executor of `kind`; nullptr when none could be made.
  RunQueue* queue_of(const std::string& kind);
  // The queue of `host`'s executor, made from the host when no job has used it yet (launching to
  // a host for the first time). Throws HostError or ExecutorError when it cannot be made.
  RunQueue& queue_for(const Host& host);
  // Whether jobs of `kind` were seen: handled by a queue here, or listed in unhandled().
  bool knows(const std::string& kind) const;
  // One line per kind of job that no executor here can handle (its host was removed from the
  // registry, or is invalid), naming it and why.
  const std::vector<std::string>& unhandled() const { return unhandled_; }
  // Where a job trains, as its stored run's origin will say: the host's name, with the Slurm job
  // once it has one ("cluster (slurm job 12)"); empty for this machine's jobs.
  std::string origin(const Job& job) const;
  // True when every job is finished, or of a kind no executor here handles.
  bool idle() const;

 private:
  std::vector<std::unique_ptr<Executor>> executors_;
  std::vector<RunQueue> queues_;
  std::vector<std::string> unhandled_kinds_;
  std::vector<std::string> unhandled_;
};

}  // namespace moescope

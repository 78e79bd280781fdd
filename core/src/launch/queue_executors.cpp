#include "moescope/launch/queue_executors.h"

#include <algorithm>

#include "moescope/launch/hosts.h"
#include "moescope/launch/local_executor.h"

namespace moescope {

QueueExecutors::QueueExecutors(const std::filesystem::path& directory, bool must_exist) {
  executors_.push_back(std::make_unique<LocalExecutor>());
  queues_.push_back(must_exist ? RunQueue::open_existing(directory, *executors_.front())
                               : RunQueue(directory, *executors_.front()));
  std::vector<std::string> kinds;
  for (const Job& job : queues_.front().jobs()) {
    if (job.executor != executors_.front()->kind() &&
        std::find(kinds.begin(), kinds.end(), job.executor) == kinds.end())
      kinds.push_back(job.executor);
  }
  if (kinds.empty())
    return;
  // The registry is read only for queues with remote jobs: a broken hosts file must not stop
  // local work.
  std::vector<Host> hosts;
  std::string registry_problem;
  try {
    hosts = read_hosts(default_hosts_file());
  } catch (const HostError& error) {
    registry_problem = error.what();
  }
  for (const std::string& kind : kinds) {
    std::string why = registry_problem;
    if (const std::optional<std::string> name = host_of_executor_kind(kind); !name) {
      why = "not an executor this moescope knows";
    } else if (why.empty()) {
      const std::optional<Host> host = find_host(hosts, *name);
      if (!host || executor_kind(*host) != kind) {
        why = "no such host in " + default_hosts_file().string() + " (moescope hosts add " + *name +
              " ...)";
      } else {
        try {
          executors_.push_back(make_executor(*host, default_control_dir()));
          queues_.emplace_back(directory, *executors_.back());
          continue;
        } catch (const std::exception& error) {
          why = error.what();
        }
      }
    }
    unhandled_kinds_.push_back(kind);
    unhandled_.push_back("jobs of " + kind + " are left alone: " + why);
  }
}

RunQueue* QueueExecutors::queue_of(const std::string& kind) {
  for (std::size_t i = 0; i < executors_.size(); ++i) {
    if (executors_[i]->kind() == kind)
      return &queues_[i];
  }
  return nullptr;
}

RunQueue& QueueExecutors::queue_for(const Host& host) {
  if (RunQueue* queue = queue_of(executor_kind(host)))
    return *queue;
  executors_.push_back(make_executor(host, default_control_dir()));
  queues_.emplace_back(queues_.front().directory(), *executors_.back());
  return queues_.back();
}

bool QueueExecutors::knows(const std::string& kind) const {
  return std::any_of(
             executors_.begin(), executors_.end(),
             [&](const std::unique_ptr<Executor>& executor) { return executor->kind() == kind; }) ||
         std::find(unhandled_kinds_.begin(), unhandled_kinds_.end(), kind) !=
             unhandled_kinds_.end();
}

std::string QueueExecutors::origin(const Job& job) const {
  if (job.executor == executors_.front()->kind())
    return {};
  for (const std::unique_ptr<Executor>& executor : executors_) {
    if (executor->kind() == job.executor)
      return job.handle.empty() ? executor->host() : executor->origin(job.handle);
  }
  return host_of_executor_kind(job.executor).value_or(job.executor);
}

bool QueueExecutors::idle() const {
  const std::vector<Job> jobs = queues_.front().jobs();
  return std::all_of(jobs.begin(), jobs.end(), [&](const Job& job) {
    return is_finished(job.state) || std::find(unhandled_kinds_.begin(), unhandled_kinds_.end(),
                                               job.executor) != unhandled_kinds_.end();
  });
}

}  // namespace moescope

#include "moescope/launch/run_queue.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>

#include "launch/crash_point.h"
#include "launch/queue_file.h"
#include "moescope/launch/trained_run.h"
#include "moescope/store/run_store.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

fs::path absolute_path(const fs::path& path) {
  return fs::absolute(path).lexically_normal();
}

fs::path path_from_env(const char* name) {
  const char* value = std::getenv(name);
  return value ? fs::path(value) : fs::path();
}

// The spec as far as the queue needs it; an empty summary for a spec that has become unreadable
// since it was queued (the trainer will have said so in its log).
SpecSummary summary_or_empty(const fs::path& spec_file) {
  try {
    return read_spec_summary(spec_file);
  } catch (const std::runtime_error&) {
    return {};
  }
}

}  // namespace

RunQueue::RunQueue(fs::path directory, Executor& executor)
    : directory_(absolute_path(directory)), executor_(&executor) {
  std::error_code error;
  fs::create_directories(directory_, error);
  if (error)
    throw QueueError("queue " + directory_.string() + ": cannot create it: " + error.message());
}

RunQueue RunQueue::open_existing(const fs::path& directory, Executor& executor) {
  std::error_code error;
  if (directory.empty() || !fs::is_directory(directory, error)) {
    throw QueueError("queue " + (directory.empty() ? std::string("path is empty")
                                                   : directory.string() +
                                                         " does not exist (moescope train launch "
                                                         "creates it; check the path)"));
  }
  return RunQueue(directory, executor);
}

fs::path RunQueue::default_directory() {
  if (fs::path queue = path_from_env("MOESCOPE_QUEUE"); !queue.empty())
    return queue;
  const fs::path in_state_home = fs::path("moescope") / "queue";
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  if (fs::path state_home = path_from_env("XDG_STATE_HOME"); state_home.is_absolute())
    return state_home / in_state_home;
  if (fs::path home = path_from_env("HOME"); !home.empty())
    return home / ".local" / "state" / in_state_home;
  throw QueueError("no place for the launch queue: neither MOESCOPE_QUEUE nor HOME is set");
}

std::vector<Job> RunQueue::add(const std::vector<JobRequest>& requests, const fs::path& store) {
  const QueueLock lock(directory_);
  QueueState state = read_queue_state(directory_);
  std::set<fs::path> busy;  // run directories of jobs not yet finished
  for (const Job& job : state.jobs) {
    if (!is_finished(job.state))
      busy.insert(job.request.out_dir);
  }
  std::vector<Job> added;
  for (const JobRequest& request : requests) {
    Job job;
    job.request = request;
    job.request.spec_file = absolute_path(request.spec_file);
    job.request.out_dir = absolute_path(request.out_dir);
    if (!busy.insert(job.request.out_dir).second) {
      throw QueueError(job.request.out_dir.string() + ": another job of queue " +
                       directory_.string() + " trains there");
    }
    try {
      job.planned_steps = read_spec_summary(job.request.spec_file).steps;
    } catch (const std::runtime_error& error) {
      throw QueueError(error.what());
    }
    job.id = state.next_id++;
    job.name = job.request.spec_file.stem().string();
    job.store = absolute_path(store);
    job.executor = executor_->kind();
    job.queued_at = now();
    added.push_back(job);
  }
  state.jobs.insert(state.jobs.end(), added.begin(), added.end());
  write_queue_state(directory_, state);
  return added;
}

void RunQueue::set_concurrency_limit(int limit) {
  if (limit < 1) {
    throw QueueError("queue " + directory_.string() + ": the concurrency limit must be >= 1, got " +
                     std::to_string(limit));
  }
  const QueueLock lock(directory_);
  QueueState state = read_queue_state(directory_);
  state.concurrency_limit = limit;
  write_queue_state(directory_, state);
}

int RunQueue::concurrency_limit() const {
  return read_queue_state(directory_).concurrency_limit;
}

QueueUpdate RunQueue::update() {
  const QueueLock lock(directory_);
  QueueState state = read_queue_state(directory_);
  const std::vector<Job> before = state.jobs;
  QueueUpdate update = poll_running(state.jobs);
  start_queued(state.jobs, state.concurrency_limit, update);
  crash_point("queue.before_record");
  if (state.jobs != before)
    write_queue_state(directory_, state);
  return update;
}

QueueUpdate RunQueue::refresh() {
  const QueueLock lock(directory_);
  QueueState state = read_queue_state(directory_);
  const std::vector<Job> before = state.jobs;
  QueueUpdate update = poll_running(state.jobs);
  if (state.jobs != before)
    write_queue_state(directory_, state);
  return update;
}

std::vector<Job> RunQueue::jobs() const {
  return read_queue_state(directory_).jobs;  // the file is replaced whole: no lock needed
}

std::optional<Job> RunQueue::job(int id) const {
  for (const Job& job : jobs()) {
    if (job.id == id)
      return job;
  }
  return std::nullopt;
}

JobProgress RunQueue::progress(const Job& job) const {
  JobProgress progress =
      job_progress(read_metrics_log(metrics_file(job.request.out_dir)), job.planned_steps);
  if (job.state == JobState::kDone)
    progress.fraction = 1.0;
  return progress;
}

bool RunQueue::cancel(int id) {
  Job cancelled;
  bool was_running = false;
  {
    const QueueLock lock(directory_);
    QueueState state = read_queue_state(directory_);
    const auto found = std::find_if(state.jobs.begin(), state.jobs.end(),
                                    [id](const Job& job) { return job.id == id; });
    if (found == state.jobs.end())
      throw QueueError("queue " + directory_.string() + ": no job " + std::to_string(id));
    if (is_finished(found->state))
      return false;
    was_running = found->state == JobState::kRunning;
    if (!was_running && found->executor == executor_->kind()) {
      // Queued in the file, yet started by a driver that died before recording it: stop it too.
      if (const std::optional<std::string> orphan = executor_->running_job(found->request)) {
        found->handle = *orphan;
        was_running = true;
      }
    }
    if (was_running && found->executor != executor_->kind()) {
      throw QueueError("queue " + directory_.string() + ": job " + std::to_string(id) +
                       " runs on a " + found->executor + " executor, not " + executor_->kind());
    }
    found->state = JobState::kCancelled;
    found->finished_at = now();
    cancelled = *found;
    write_queue_state(directory_, state);
  }
  if (was_running)
    executor_->cancel(cancelled.request, cancelled.handle);
  return true;
}

QueueUpdate RunQueue::poll_running(std::vector<Job>& jobs) {
  QueueUpdate update;
  for (Job& job : jobs) {
    if (job.state != JobState::kRunning || job.executor != executor_->kind())
      continue;
    JobStatus status;
    try {
      status = executor_->poll(job.request, job.handle);
    } catch (const ExecutorError& error) {
      status.state = JobState::kFailed;
      status.message = error.what();
    }
    if (!is_finished(status.state))
      continue;
    record_end(job, status);
    update.finished.push_back(job.id);
  }
  return update;
}

void RunQueue::start_queued(std::vector<Job>& jobs, int limit, QueueUpdate& update) {
  auto running = std::count_if(jobs.begin(), jobs.end(),
                               [](const Job& job) { return job.state == JobState::kRunning; });
  for (Job& job : jobs) {
    if (running >= limit)
      return;
    if (job.state != JobState::kQueued || job.executor != executor_->kind())
      continue;
    // A driver killed after it submitted this job but before it recorded that left the job
    // running: follow it. Starting it again would find its run directory busy and fail it.
    std::optional<std::string> orphan;
    try {
      orphan = executor_->running_job(job.request);
    } catch (const ExecutorError&) {
      ++running;  // it runs, though it cannot be identified yet: look again at the next update
      continue;
    }
    job.started_at = now();
    if (orphan) {
      job.handle = *orphan;
    } else {
      crash_point("queue.before_submit");
      try {
        job.handle = executor_->submit(job.request);
      } catch (const ExecutorError& error) {
        JobStatus status;
        status.state = JobState::kFailed;
        status.message = error.what();
        record_end(job, status);
        update.finished.push_back(job.id);
        continue;
      }
      crash_point("queue.after_submit");
    }
    job.state = JobState::kRunning;
    ++running;
    update.started.push_back(job.id);
  }
}

void RunQueue::record_end(Job& job, const JobStatus& status) {
  job.finished_at = now();
  job.exit_code = status.exit_code;
  if (status.state == JobState::kCancelled) {
    job.state = JobState::kCancelled;
    job.message = status.message;  // who stopped it, where the executor can tell
    return;
  }
  const SpecSummary spec = summary_or_empty(job.request.spec_file);
  const MetricsLog metrics = read_metrics_log(metrics_file(job.request.out_dir));
  const RunSource source{job.name, executor_->origin(job.handle), executor_->provenance()};
  if (status.state == JobState::kDone) {
    try {
      const Run run = run_from_result(result_file(job.request.out_dir), spec, metrics, source);
      // Stored again by the next update should this process die before recording the end: the
      // store keeps one run per content.
      RunStore::open(job.store).insert({run});
      crash_point("queue.after_store");
      job.run_id = run.id;
      job.state = JobState::kDone;
      return;
    } catch (const std::runtime_error& error) {  // a bad result.json, or a StoreError
      job.state = JobState::kFailed;
      job.message =
          std::string("the trainer finished, but its run was not stored: ") + error.what();
      return;
    }
  }
  job.state = JobState::kFailed;
  job.message = status.message;
  try {
    const Run run = run_from_failed_job(spec, metrics, source);
    RunStore::open(job.store).insert({run});
    crash_point("queue.after_store");
    job.run_id = run.id;
  } catch (const StoreError& error) {
    job.message += std::string("\n(not recorded in the store: ") + error.what() + ")";
  }
}

}  // namespace moescope

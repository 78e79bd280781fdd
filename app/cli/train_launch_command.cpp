// moescope train launch: puts spec files on the launch queue and has them trained, in the
// background or (--wait) while this command follows them.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "data_source.h"
#include "moescope/io/number_format.h"
#include "moescope/launch/hosts.h"
#include "moescope/launch/local_executor.h"
#include "number_options.h"
#include "train_commands.h"

namespace moescope::cli {
namespace {

namespace fs = std::filesystem;

struct LaunchArguments {
  std::vector<std::string> specs;
  std::string plan_dir;
  int jobs = 0;  // 0: keep the queue's limit
  std::string store;
  std::string trainer;
  std::string queue;
  std::string host;  // empty: this machine
  bool wait = false;
};

// A signal handler can only reach static storage.
std::atomic<bool> interrupted{false};

extern "C" void stop_following(int) {
  interrupted.store(true);
}

fs::path find_trainer(const std::string& given) {
  const fs::path trainer = given.empty() ? own_executable().parent_path() / "moescope-train"
                                         : fs::absolute(given).lexically_normal();
  if (!fs::is_regular_file(trainer) || ::access(trainer.c_str(), X_OK) != 0) {
    throw std::runtime_error(
        "no trainer at " + trainer.string() +
        (given.empty() ? ": moescope-train is built beside moescope with the trainer part "
                         "(cmake -DMOESCOPE_BUILD_TRAINING=ON, which needs LibTorch); or give "
                         "--trainer PATH"
                       : ": not an executable file"));
  }
  return trainer;
}

std::vector<fs::path> spec_files(const LaunchArguments& args) {
  if (args.plan_dir.empty())
    return {args.specs.begin(), args.specs.end()};
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(args.plan_dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  if (files.empty()) {
    throw std::runtime_error(args.plan_dir +
                             ": no spec files (NAME.json) here; `moescope train plan --out-dir " +
                             args.plan_dir + "` writes them");
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Each run trains in a folder named after its spec, beside it: plan/C1e15_N2e6_S0.75.json trains
// in plan/C1e15_N2e6_S0.75/.
std::vector<JobRequest> job_requests(const std::vector<fs::path>& specs,
                                     const std::string& trainer) {
  std::vector<JobRequest> requests;
  for (const fs::path& spec : specs) {
    JobRequest request;
    request.spec_file = spec;
    request.out_dir = fs::path(spec).replace_extension();
    request.trainer = {trainer};
    requests.push_back(request);
  }
  return requests;
}

std::string job_range(const std::vector<Job>& jobs) {
  const std::string first = std::to_string(jobs.front().id);
  return jobs.size() == 1 ? "job " + first : "jobs " + first + "-" + std::to_string(jobs.back().id);
}

// "2 running, 1 queued | job 4 45% loss 3.12 | job 5 3% loss 5.01", for a terminal.
std::string progress_line(const RunQueue& queue, const std::vector<int>& ids) {
  int running = 0, queued = 0;
  std::string details;
  for (const int id : ids) {
    const std::optional<Job> job = queue.job(id);
    if (!job)
      continue;
    queued += job->state == JobState::kQueued;
    if (job->state != JobState::kRunning)
      continue;
    ++running;
    const JobProgress progress = queue.progress(*job);
    details += " | job " + std::to_string(id);
    if (progress.fraction)
      details += " " + std::to_string(static_cast<int>(100 * *progress.fraction)) + "%";
    if (progress.loss)
      details += " loss " + format_brief(*progress.loss);
  }
  return std::to_string(running) + " running, " + std::to_string(queued) + " queued" + details;
}

// Follows this launch's jobs until they have all finished, or Ctrl-C hands them to a background
// driver. Throws when any of them did not finish done.
void follow(RunQueue& queue, const std::vector<Job>& added) {
  std::vector<int> ids;
  for (const Job& job : added)
    ids.push_back(job.id);
  const bool to_terminal = ::isatty(STDERR_FILENO) == 1;
  interrupted.store(false);
  const auto previous = std::signal(SIGINT, stop_following);
  bool all_finished = false;
  while (!interrupted.load()) {
    print_queue_events(queue, queue.update(), std::cout);
    all_finished = std::all_of(ids.begin(), ids.end(), [&](int id) {
      const std::optional<Job> job = queue.job(id);
      return !job || is_finished(job->state);
    });
    if (all_finished)
      break;
    if (to_terminal)
      std::fprintf(stderr, "\r\033[K%s (Ctrl-C stops waiting)", progress_line(queue, ids).c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::signal(SIGINT, previous);
  if (to_terminal)
    std::fputs("\r\033[K", stderr);
  if (!all_finished) {
    start_background_driver(queue.directory());
    std::cerr << "stopped waiting; the runs go on in the background (`moescope train status`)\n";
    return;
  }
  std::vector<std::string> unfinished;
  for (const int id : ids) {
    const Job job = *queue.job(id);
    if (job.state != JobState::kDone)
      unfinished.push_back("job " + std::to_string(id) + " " + job.name + " " +
                           std::string(to_string(job.state)));
  }
  if (!unfinished.empty()) {
    std::string message = std::to_string(unfinished.size()) + " of " + std::to_string(ids.size()) +
                          " runs did not finish:";
    for (const std::string& line : unfinished)
      message += "\n  " + line;
    throw std::runtime_error(message);
  }
}

// The registered host named by --host; a name not in the registry is bad usage.
Host registered_host(const std::string& name) {
  const fs::path file = default_hosts_file();
  const std::optional<Host> host = find_host(read_hosts(file), name);
  if (!host) {
    throw CLI::ValidationError("--host", "no host '" + name + "' in " + file.string() +
                                             " (moescope hosts list; moescope hosts add " + name +
                                             " ...)");
  }
  return *host;
}

void run_launch(const LaunchArguments& args) {
  std::optional<Host> host;
  std::unique_ptr<Executor> executor;
  std::string trainer;
  if (args.host.empty()) {
    trainer = find_trainer(args.trainer).string();
    executor = std::make_unique<LocalExecutor>();
  } else {
    host = registered_host(args.host);
    trainer = host->trainer;  // recorded with the job; the executor runs the host's
    executor = make_executor(*host, default_control_dir());
  }
  const std::vector<JobRequest> requests = job_requests(spec_files(args), trainer);
  RunQueue queue(resolve_queue_directory(args.queue), *executor);
  // The queue has one limit for all its jobs: a host's own is the default of its launches.
  if (args.jobs > 0 || host)
    queue.set_concurrency_limit(args.jobs > 0 ? args.jobs : host->jobs);
  const fs::path store = resolve_store_path(args.store);
  const std::vector<Job> added = queue.add(requests, store);
  std::cout << "queued " << job_range(added) << " in " << queue.directory().string()
            << (host ? " for host " + host->name : std::string()) << " (at most "
            << queue.concurrency_limit() << " at once; finished runs go to " << store.string()
            << ")\n";
  if (args.wait) {
    follow(queue, added);
    return;
  }
  start_background_driver(queue.directory());
  std::cout << "they train in the background: `moescope train status` follows them\n";
}

}  // namespace

void add_train_launch_command(CLI::App& train) {
  auto args = std::make_shared<LaunchArguments>();
  CLI::App* command = train.add_subcommand(
      "launch", "Queue moescope-train runs (spec files) and train them, at most --jobs at once");
  auto* specs = command->add_option("--spec", args->specs, "A moescope-train spec file (repeat)")
                    ->check(CLI::ExistingFile);
  auto* plan_dir =
      command
          ->add_option("--plan-dir", args->plan_dir,
                       "Every spec (*.json) in a folder written by `moescope train plan --out-dir`")
          ->check(CLI::ExistingDirectory);
  specs->excludes(plan_dir);
  command->add_option("--jobs", args->jobs, "Runs at once (the queue keeps it; 1 for a new queue)")
      ->check(job_count());
  add_store_option(*command, args->store);
  auto* trainer = command->add_option("--trainer", args->trainer,
                                      "The trainer; default moescope-train beside this moescope");
  command
      ->add_option("--host", args->host,
                   "Train on a registered host (moescope hosts add), with its trainer; --jobs "
                   "defaults to the host's")
      ->excludes(trainer);
  add_queue_option(*command, args->queue);
  command->add_flag("--wait", args->wait,
                    "Follow the runs until they finish (Ctrl-C leaves them to the background)");
  command->callback([args] {
    if (args->specs.empty() && args->plan_dir.empty())
      throw CLI::RequiredError("--spec or --plan-dir");
    run_launch(*args);
  });
}

}  // namespace moescope::cli

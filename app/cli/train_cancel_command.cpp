// moescope train cancel: stops queued or running jobs of the launch queue.
#include <iostream>

#include "moescope/launch/queue_executors.h"
#include "number_options.h"
#include "train_commands.h"

namespace moescope::cli {
namespace {

struct CancelArguments {
  std::vector<int> ids;
  bool all = false;
  std::string queue;
};

void run_cancel(const CancelArguments& args) {
  QueueExecutors executors(resolve_queue_directory(args.queue), false);
  RunQueue& any = executors.queues().front();
  std::vector<int> ids = args.ids;
  if (args.all) {
    for (const Job& job : any.jobs()) {
      if (!is_finished(job.state))
        ids.push_back(job.id);
    }
  }
  for (const int id : ids) {
    // Through the executor that runs it; a queued job of a host no longer registered is only
    // marked cancelled, and a running one is refused (RunQueue::cancel names its executor).
    const std::optional<Job> job = any.job(id);
    RunQueue* queue = job ? executors.queue_of(job->executor) : nullptr;
    const bool cancelled = (queue ? *queue : any).cancel(id);
    std::cout << "job " << id << (cancelled ? " cancelled" : " had already finished") << '\n';
  }
}

}  // namespace

void add_train_cancel_command(CLI::App& train) {
  auto args = std::make_shared<CancelArguments>();
  CLI::App* command = train.add_subcommand(
      "cancel", "Stop queued or running jobs (SIGTERM to the trainer's process group, then KILL)");
  auto* ids = command->add_option("ids", args->ids, "Job ids, as `moescope train status` lists")
                  ->check(whole_number(1));
  auto* all = command->add_flag("--all", args->all, "Every job not yet finished");
  ids->excludes(all);
  add_queue_option(*command, args->queue);
  command->callback([args] {
    if (args->ids.empty() && !args->all)
      throw CLI::RequiredError("job ids or --all");
    run_cancel(*args);
  });
}

}  // namespace moescope::cli

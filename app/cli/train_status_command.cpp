// moescope train status: the launch queue's jobs, how far each has got, and how the finished
// ones ended.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "moescope/io/number_format.h"
#include "moescope/launch/queue_executors.h"
#include "text_table.h"
#include "train_commands.h"

namespace moescope::cli {
namespace {

struct StatusArguments {
  std::string queue;
  bool json = false;
};

nlohmann::ordered_json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json job_json(const Job& job, const JobProgress& progress) {
  return {{"id", job.id},
          {"name", job.name},
          {"state", to_string(job.state)},
          {"executor", job.executor},
          {"spec", job.request.spec_file.string()},
          {"out_dir", job.request.out_dir.string()},
          {"store", job.store.string()},
          {"trainer", job.request.trainer},
          {"queued_at", job.queued_at},
          {"started_at", optional_json(job.started_at)},
          {"finished_at", optional_json(job.finished_at)},
          {"exit_code", job.exit_code ? nlohmann::ordered_json(*job.exit_code) : nullptr},
          {"message", job.message},
          {"run_id", job.run_id},
          {"planned_steps", job.planned_steps},
          {"progress",
           {{"step", progress.step},
            {"tokens", progress.tokens},
            {"fraction", optional_json(progress.fraction)},
            {"loss", optional_json(progress.loss)},
            {"val_loss", optional_json(progress.validation_loss)},
            {"tokens_per_s", optional_json(progress.tokens_per_second)}}}};
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "12 s", "4.2 min", "3.1 h": how long a job has been running, or ran.
std::string duration(const Job& job) {
  if (!job.started_at)
    return "-";
  const double seconds = job.finished_at.value_or(seconds_now()) - *job.started_at;
  if (seconds < 120)
    return std::to_string(static_cast<int>(seconds)) + " s";
  if (seconds < 7200)
    return format_brief(seconds / 60) + " min";
  return format_brief(seconds / 3600) + " h";
}

std::string progress_cell(const Job& job, const JobProgress& progress) {
  if (!job.started_at)
    return "-";
  std::string cell = progress.fraction
                         ? std::to_string(static_cast<int>(100 * *progress.fraction)) + "%"
                         : std::string("?");
  cell += " (step " + std::to_string(progress.step);
  if (job.planned_steps > 0)
    cell += "/" + std::to_string(job.planned_steps);
  return cell + ")";
}

std::string optional_cell(const std::optional<double>& value) {
  return value ? format_brief(*value) : "-";
}

void run_status(const StatusArguments& args) {
  QueueExecutors executors(resolve_queue_directory(args.queue), true);
  // Record what ended since the driver last looked, on every host.
  for (RunQueue& each : executors.queues())
    each.refresh();
  for (const std::string& line : executors.unhandled())
    std::cerr << "moescope train status: " << line << '\n';
  const RunQueue& queue = executors.queues().front();
  const std::vector<Job> jobs = queue.jobs();
  if (args.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Job& job : jobs)
      list.push_back(job_json(job, queue.progress(job)));
    const nlohmann::ordered_json out = {{"queue", queue.directory().string()},
                                        {"concurrency_limit", queue.concurrency_limit()},
                                        {"jobs", list}};
    std::cout << out.dump(2) << '\n';
    return;
  }
  std::cout << "queue " << queue.directory().string() << ": " << jobs.size() << " job"
            << (jobs.size() == 1 ? "" : "s") << ", at most " << queue.concurrency_limit()
            << " at once\n";
  if (jobs.empty())
    return;
  TextTable table({"id", "name", "host", "state", "progress", "loss", "val loss", "time", "run"});
  for (const Job& job : jobs) {
    const JobProgress progress = queue.progress(job);
    table.add_row({std::to_string(job.id), job.name, job.executor,
                   std::string(to_string(job.state)), progress_cell(job, progress),
                   optional_cell(progress.loss), optional_cell(progress.validation_loss),
                   duration(job), job.run_id.empty() ? "-" : job.run_id});
  }
  table.print(std::cout);
  for (const Job& job : jobs) {
    if (!job.message.empty())
      std::cout << "\njob " << job.id << " " << escape_control_characters(job.name) << ": "
                << job.message << '\n';
  }
}

}  // namespace

void add_train_status_command(CLI::App& train) {
  auto args = std::make_shared<StatusArguments>();
  CLI::App* command =
      train.add_subcommand("status", "The launch queue's jobs: state, progress, loss, result");
  add_queue_option(*command, args->queue);
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_status(*args); });
}

}  // namespace moescope::cli

// moescope train: plan runs that fill cells of the grid, launch them through the queue, follow
// them. What they share: the queue's folder, this binary's place, the background driver.
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "commands.h"
#include "moescope/io/number_format.h"
#include "moescope/launch/run_queue.h"
#include "text_table.h"
#include "train_commands.h"

extern char** environ;

namespace moescope::cli {

void add_queue_option(CLI::App& command, std::string& queue) {
  command.add_option("--queue", queue,
                     "Launch queue folder; default $MOESCOPE_QUEUE or "
                     "~/.local/state/moescope/queue");
}

std::filesystem::path resolve_queue_directory(const std::string& queue) {
  return queue.empty() ? RunQueue::default_directory() : std::filesystem::path(queue);
}

std::filesystem::path own_executable() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::canonical("/proc/self/exe", error);
  if (error)
    throw std::runtime_error("cannot find this program's binary (/proc/self/exe): " +
                             error.message());
  return self;
}

void start_background_driver(const std::filesystem::path& queue_directory) {
  const std::filesystem::path self = own_executable();
  const std::string log = (queue_directory / "driver.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_APPEND | O_CREAT, 0644);
  ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // A session of its own: closing the terminal (SIGHUP) or Ctrl-C there does not stop it.
  ::posix_spawnattr_setflags(&attributes, static_cast<short>(POSIX_SPAWN_SETSID));
  std::vector<std::string> words = {self.string(), "train", "drive", "--queue",
                                    queue_directory.string()};
  std::vector<char*> arguments;
  for (std::string& word : words)
    arguments.push_back(word.data());
  arguments.push_back(nullptr);
  pid_t driver = 0;
  const int spawned =
      ::posix_spawn(&driver, self.c_str(), &actions, &attributes, arguments.data(), environ);
  ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot start the queue's driver " + self.string() + ": " +
                             std::strerror(spawned));
  }
}

void print_queue_events(const RunQueue& queue, const QueueUpdate& update, std::ostream& out) {
  auto name = [](const Job& job) {
    return "job " + std::to_string(job.id) + " " + escape_control_characters(job.name);
  };
  for (const int id : update.started) {
    if (const std::optional<Job> job = queue.job(id))
      out << name(*job) << ": started (" << job->request.out_dir.string() << ")\n";
  }
  for (const int id : update.finished) {
    const std::optional<Job> job = queue.job(id);
    if (!job)
      continue;
    out << name(*job) << ": " << to_string(job->state);
    if (job->state == JobState::kDone) {
      const JobProgress progress = queue.progress(*job);
      if (progress.validation_loss)
        out << ", loss " << format_brief(*progress.validation_loss);
      out << " (run " << job->run_id << ")";
    }
    out << '\n';
    if (!job->message.empty())
      out << "  " << job->message << '\n';
  }
  out.flush();
}

void add_train_command(CLI::App& app) {
  CLI::App* train = app.add_subcommand(
      "train", "Plan training runs that fill the grid, launch them, follow them (moescope-train)");
  train->require_subcommand(1);
  add_train_plan_command(*train);
  add_train_launch_command(*train);
  add_train_status_command(*train);
  add_train_cancel_command(*train);
  add_train_drive_command(*train);
}

}  // namespace moescope::cli

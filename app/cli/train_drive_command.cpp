// moescope train drive: keeps a launch queue going until nothing is queued or running. `moescope
// train launch` starts one in the background; a service, or the explorer, may start one too.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "moescope/launch/queue_executors.h"
#include "number_options.h"
#include "train_commands.h"

namespace moescope::cli {
namespace {

struct DriveArguments {
  std::string queue;
  double interval = 1.0;
};

// One driver per queue at a time: drivers started by successive launches wait here in turn, and
// each finds the queue idle or drives it. Waiting, rather than giving up when the lock is taken,
// leaves no moment in which a job was queued after the last driver looked and before it left.
class DriverLock {
 public:
  explicit DriverLock(const std::filesystem::path& queue_directory) {
    const std::filesystem::path file = queue_directory / "driver.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error(file.string() + ": cannot open: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR)
        throw std::runtime_error(file.string() + ": cannot lock: " + std::strerror(errno));
    }
  }
  ~DriverLock() { ::close(fd_); }
  DriverLock(const DriverLock&) = delete;
  DriverLock& operator=(const DriverLock&) = delete;

 private:
  int fd_ = -1;
};

void run_drive(const DriveArguments& args) {
  const std::filesystem::path directory = resolve_queue_directory(args.queue);
  QueueExecutors(directory, false);  // creates the folder, for the lock
  const DriverLock lock(directory);
  const auto interval = std::chrono::duration<double>(args.interval);
  for (bool first = true;; first = false) {
    // Made again at each look: a launch may have added jobs for another host meanwhile.
    QueueExecutors executors(directory, false);
    for (RunQueue& queue : executors.queues())
      print_queue_events(queue, queue.update(), std::cout);
    const bool idle = executors.idle();
    if (first || idle) {
      for (const std::string& line : executors.unhandled())
        std::cerr << "moescope train drive: " << line << '\n';
    }
    if (idle)
      return;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace

void add_train_drive_command(CLI::App& train) {
  auto args = std::make_shared<DriveArguments>();
  CLI::App* command = train.add_subcommand(
      "drive", "Start queued runs as slots free and record finished ones, until the queue is idle");
  add_queue_option(*command, args->queue);
  command->add_option("--interval", args->interval, "Seconds between looks at the queue")
      ->check(finite_number({0.01, 3600}))
      ->capture_default_str();
  command->callback([args] { run_drive(*args); });
}

}  // namespace moescope::cli

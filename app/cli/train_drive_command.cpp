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

#include "moescope/launch/local_executor.h"
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
  LocalExecutor executor;
  RunQueue queue(resolve_queue_directory(args.queue), executor);
  const DriverLock lock(queue.directory());
  const auto interval = std::chrono::duration<double>(args.interval);
  for (;;) {
    print_queue_events(queue, queue.update(), std::cout);
    if (queue_idle(queue))
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

#include "moescope/launch/local_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launch/crash_point.h"
#include "launch/log_tail.h"
#include "launch/spawn_setup.h"
#include "moescope/trainer/train_spec.h"

extern char** environ;

namespace moescope {
namespace {

namespace fs = std::filesystem;

fs::path exit_status_file(const fs::path& out_dir) {
  return out_dir / "trainer.exit";
}

fs::path lock_file(const fs::path& out_dir) {
  return out_dir / ".trainer.lock";
}

// What the job holding the lock records about itself: its handle, then its spec file.
fs::path job_record_file(const fs::path& out_dir) {
  return out_dir / "trainer.job";
}

// Records the job (its handle: the shell's pid, the process group's id; and its spec) for
// running_job(), then runs the trainer in the background and returns: the background shell outlives
// the submitting process, waits for the trainer and records its exit status. As an asynchronous
// list of a non-interactive shell, the trainer starts with SIGINT ignored, which is harmless:
// cancel() sends SIGTERM. Arguments: $1 the exit status file, $2 the job record, $3 the spec, then
// the trainer's command line.
constexpr const char* kSupervisor =
    "exit_file=$1; job_file=$2; spec=$3; shift 3\n"
    "printf '%s\\n%s\\n' \"$$\" \"$spec\" >\"$job_file.tmp\" &&"
    " mv -f \"$job_file.tmp\" \"$job_file\"\n"
    "( \"$@\"; code=$?; printf '%s\\n' \"$code\" >\"$exit_file.tmp\" &&"
    " mv -f \"$exit_file.tmp\" \"$exit_file\" ) &\n";

// How long running_job() waits for a job's shell to record itself: its first command, so a
// second is ample however loaded the machine.
constexpr std::chrono::seconds kJobRecordWait{1};

// The descriptor the job inherits its lock through (0, 1 and 2 are the standard streams).
constexpr int kJobLockDescriptor = 3;

std::string errno_text() {
  return std::strerror(errno);
}

// True while some process holds the job's lock. A lock file that cannot be opened (never
// created, or the folder removed) has no holder.
bool job_alive(const fs::path& out_dir) {
  const int fd = ::open(lock_file(out_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the shared lock taken when nobody held it
  return held;
}

struct JobRecord {
  std::string handle;
  fs::path spec_file;
};

// OUT/trainer.job: the handle on its first line, the spec's path (which may hold newlines) after.
std::optional<JobRecord> read_job_record(const fs::path& out_dir) {
  std::ifstream in(job_record_file(out_dir), std::ios::binary);
  std::string handle;
  if (!std::getline(in, handle))
    return std::nullopt;
  std::ostringstream rest;
  rest << in.rdbuf();
  std::string spec = rest.str();
  if (spec.empty() || spec.back() != '\n')
    return std::nullopt;  // not written by the shell (it is renamed into place whole)
  spec.pop_back();
  return JobRecord{handle, spec};
}

std::optional<int> read_exit_status(const fs::path& out_dir) {
  std::ifstream in(exit_status_file(out_dir));
  int code = 0;
  if (in >> code)
    return code;
  return std::nullopt;
}

std::string trainer_name(const JobRequest& request) {
  return request.trainer.empty() ? "the trainer"
                                 : fs::path(request.trainer.front()).filename().string();
}

std::string with_log_tail(const std::string& what, const JobRequest& request) {
  const fs::path log = trainer_log_file(request.out_dir);
  const std::string tail = read_log_tail(log);
  if (tail.empty())
    return what + " (" + log.string() + " is empty)";
  return what + "; the end of " + log.string() + ":\n" + tail;
}

JobStatus exited(int code, const JobRequest& request) {
  JobStatus status;
  status.exit_code = code;
  if (code == 0 && fs::exists(result_file(request.out_dir))) {
    status.state = JobState::kDone;
    return status;
  }
  status.state = JobState::kFailed;
  std::string what = trainer_name(request);
  if (code == 0)
    what += " exited with status 0 but wrote no " + result_file(request.out_dir).string();
  else if (code > 128)
    what += " was killed by signal " + std::to_string(code - 128);
  else
    what += " exited with status " + std::to_string(code);
  status.message = with_log_tail(what, request);
  return status;
}

pid_t parse_handle(const std::string& handle, const JobRequest& request) {
  try {
    std::size_t used = 0;
    const long value = std::stol(handle, &used);
    if (used == handle.size() && value > 1)
      return static_cast<pid_t>(value);
  } catch (const std::logic_error&) {
  }
  throw ExecutorError(request.out_dir.string() + ": not a local job's handle: '" + handle + "'");
}

// Waits until the job has released its lock, at most `limit`; true when it has.
bool wait_for_end(const fs::path& out_dir, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (job_alive(out_dir)) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The job's lock, taken before the job starts so that it holds it from its first instant.
class JobLock {
 public:
  // `fd`: the lock file, open (open_lock_file()).
  JobLock(const fs::path& out_dir, int fd) {
    // Above the descriptors the job is given, so that dup2 onto kJobLockDescriptor always copies
    // (a dup2 onto itself would keep close-on-exec).
    fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
    ::close(fd);
    if (fd_ < 0)
      throw ExecutorError(out_dir.string() + ": cannot open its lock file: " + errno_text());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw ExecutorError(out_dir.string() + ": a job is running there already");
    }
  }
  ~JobLock() { ::close(fd_); }  // the job keeps the lock through its own copies
  JobLock(const JobLock&) = delete;
  JobLock& operator=(const JobLock&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// The job's lock file, opened (created on first use); -1 with errno set when it cannot be.
int open_lock_file(const fs::path& out_dir) {
  return ::open(lock_file(out_dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

// The handle of a job that had finished before it was submitted, in a run directory where no lock
// can be created (a read-only filesystem): nothing runs, and result.json is in place.
constexpr const char* kFinishedHandle = "finished";

// How long the trainer may take to confirm a finished run (it reads the spec and result.json).
constexpr std::chrono::seconds kFinishedCheckLimit{60};

// This process's environment for a job's trainer, with NVLink multicast off unless it says
// otherwise (kNvlinkMulticastVariable).
std::vector<std::string> trainer_environment() {
  const std::string prefix = std::string(kNvlinkMulticastVariable) + "=";
  std::vector<std::string> variables;
  bool named = false;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    variables.emplace_back(*variable);
    named = named || variables.back().starts_with(prefix);
  }
  if (!named)
    variables.push_back(prefix + "0");
  return variables;
}

// The most of its output kept for a message.
constexpr std::size_t kMaxCheckOutput = 8192;

// Runs the trainer on a run directory that cannot be written but holds result.json, and waits for
// it: moescope-train returns at once there, creating nothing, when the run it finished is this
// spec's, and refuses another spec, naming the keys that differ. Returns the trainer's exit status
// and output (its end); throws ExecutorError when it cannot be run or outlives the limit.
std::pair<int, std::string> confirm_finished(const JobRequest& request) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw ExecutorError(request.out_dir.string() + ": cannot make a pipe: " + errno_text());
  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], STDERR_FILENO);
  ::posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&setup.attributes, 0);
  std::vector<std::string> words = request.trainer;
  words.insert(words.end(),
               {"--spec", request.spec_file.string(), "--out", request.out_dir.string()});
  std::vector<char*> arguments;
  for (std::string& word : words)
    arguments.push_back(word.data());
  arguments.push_back(nullptr);
  pid_t trainer = 0;
  const int spawned = ::posix_spawnp(&trainer, arguments.front(), &setup.actions, &setup.attributes,
                                     arguments.data(), environ);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    throw ExecutorError(request.out_dir.string() + ": cannot start " + words.front() + ": " +
                        std::strerror(spawned));
  }
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + kFinishedCheckLimit;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{pipe_fds[0], POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
      break;
    char buffer[4096];
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got == 0)
      break;  // the trainer (and whatever it started) closed its output
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      break;
    }
    output.append(buffer, static_cast<std::size_t>(got));
    if (output.size() > kMaxCheckOutput)
      output.erase(0, output.size() - kMaxCheckOutput);
  }
  ::close(pipe_fds[0]);
  if (timed_out)
    ::kill(-trainer, SIGKILL);
  int status = 0;
  while (::waitpid(trainer, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw ExecutorError(request.out_dir.string() + ": " + words.front() +
                        " did not confirm the finished run there within " +
                        std::to_string(kFinishedCheckLimit.count()) + " s");
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, output};
}

}  // namespace

std::vector<std::string> LocalExecutorOptions::validate() const {
  std::vector<std::string> problems;
  if (termination_grace.count() < 0)
    problems.push_back("termination_grace must be >= 0 ms, got " +
                       std::to_string(termination_grace.count()));
  if (!fs::path(shell).is_absolute())
    problems.push_back("shell must be an absolute path, got '" + shell + "'");
  return problems;
}

LocalExecutor::LocalExecutor(LocalExecutorOptions options) : options_(std::move(options)) {
  refuse_invalid_options(options_.validate(), "local executor");
}

std::string LocalExecutor::host() const {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
    return "localhost";
  return name;
}

std::string LocalExecutor::submit(const JobRequest& request) {
  const fs::path& out = request.out_dir;
  if (request.trainer.empty())
    throw ExecutorError(out.string() + ": no trainer command to run");
  std::error_code error;
  fs::create_directories(out, error);
  if (error)
    throw ExecutorError(out.string() + ": cannot create the run directory: " + error.message());
  const int lock_fd = open_lock_file(out);
  if (lock_fd < 0) {
    const std::string why = errno_text();
    // A finished run in a folder that cannot be written (a read-only filesystem, or one with
    // nowhere to create the lock): the trainer would only confirm it, so that is all it is asked.
    std::error_code ignored;
    if (fs::exists(result_file(out), ignored)) {
      const auto [code, output] = confirm_finished(request);
      if (code == 0 && fs::exists(result_file(out), ignored))
        return kFinishedHandle;
      throw ExecutorError(out.string() + ": cannot create its lock file (" + why + "), and " +
                          trainer_name(request) + " exited with status " + std::to_string(code) +
                          " on the finished run there" +
                          (output.empty() ? std::string() : ":\n" + output));
    }
    throw ExecutorError(out.string() + ": cannot create its lock file: " + why);
  }
  const JobLock lock(out, lock_fd);
  // A previous attempt's, removed before this one can start: a job holding the lock has written
  // its own record.
  fs::remove(exit_status_file(out), error);
  fs::remove(job_record_file(out), error);
  crash_point("executor.after_lock");

  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string log = trainer_log_file(out).string();
  ::posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_APPEND | O_CREAT, 0644);
  ::posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions, lock.fd(), kJobLockDescriptor);
  // Whatever else this process has open (a GUI's sockets, a store) is not the job's business.
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions, kJobLockDescriptor + 1);
  setup.own_process_group_and_default_signals();

  std::vector<std::string> words = {options_.shell,
                                    "-c",
                                    kSupervisor,
                                    "moescope-job",
                                    exit_status_file(out).string(),
                                    job_record_file(out).string(),
                                    request.spec_file.string()};
  words.insert(words.end(), request.trainer.begin(), request.trainer.end());
  words.insert(words.end(), {"--spec", request.spec_file.string(), "--out", out.string()});
  std::vector<char*> arguments;
  for (std::string& word : words)
    arguments.push_back(word.data());
  arguments.push_back(nullptr);

  std::vector<std::string> variables = trainer_environment();
  std::vector<char*> environment;
  for (std::string& variable : variables)
    environment.push_back(variable.data());
  environment.push_back(nullptr);

  pid_t shell = 0;
  const int spawned = ::posix_spawn(&shell, options_.shell.c_str(), &setup.actions,
                                    &setup.attributes, arguments.data(), environment.data());
  if (spawned != 0) {
    throw ExecutorError(out.string() + ": cannot start " + options_.shell + ": " +
                        std::strerror(spawned));
  }
  crash_point("executor.after_spawn");
  // The shell leaves the trainer in the background and exits at once. Should a SIGCHLD handler
  // of this process (a GUI toolkit's) reap it first, waitpid fails with ECHILD and status stays
  // 0; a shell that failed then shows in poll(), as a job that ended without an exit status.
  int status = 0;
  while (::waitpid(shell, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ExecutorError(with_log_tail(out.string() + ": " + options_.shell + " failed", request));
  return std::to_string(shell);
}

JobStatus LocalExecutor::poll(const JobRequest& request, const std::string& handle) {
  if (handle == kFinishedHandle) {
    JobStatus status;
    status.exit_code = 0;
    status.state = JobState::kDone;
    if (!fs::exists(result_file(request.out_dir))) {
      status.state = JobState::kFailed;
      status.message = result_file(request.out_dir).string() + " has gone";
    }
    return status;
  }
  parse_handle(handle, request);  // refuses another executor's handle
  if (const std::optional<int> code = read_exit_status(request.out_dir))
    return exited(*code, request);
  if (job_alive(request.out_dir))
    return {};
  // It may have recorded its status between the two looks.
  if (const std::optional<int> code = read_exit_status(request.out_dir))
    return exited(*code, request);
  JobStatus status;
  status.state = JobState::kFailed;
  status.message = with_log_tail(
      "the job's processes ended without recording an exit status (killed together?)", request);
  return status;
}

std::optional<std::string> LocalExecutor::running_job(const JobRequest& request) {
  const fs::path& out = request.out_dir;
  const auto deadline = std::chrono::steady_clock::now() + kJobRecordWait;
  while (job_alive(out)) {
    if (const std::optional<JobRecord> record = read_job_record(out)) {
      // Another spec's job (another queue's) is not this request's: submit() will find the
      // directory busy and say so.
      if (record->spec_file != request.spec_file)
        return std::nullopt;
      parse_handle(record->handle, request);
      return record->handle;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw ExecutorError(out.string() + ": a job holds " + lock_file(out).string() +
                          " but has not recorded itself in " + job_record_file(out).string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;  // none runs, or it ended before it recorded itself
}

void LocalExecutor::cancel(const JobRequest& request, const std::string& handle) {
  if (handle == kFinishedHandle)
    return;  // nothing runs
  const pid_t group = parse_handle(handle, request);
  if (!job_alive(request.out_dir))
    return;
  ::kill(-group, SIGTERM);
  if (wait_for_end(request.out_dir, options_.termination_grace))
    return;
  ::kill(-group, SIGKILL);
  if (!wait_for_end(request.out_dir, std::chrono::seconds(5))) {
    throw ExecutorError(request.out_dir.string() + ": the job's processes outlived SIGKILL to " +
                        "process group " + handle + " (one left the group?)");
  }
}

}  // namespace moescope

#include "moescope/launch/ssh_executor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "launch/log_tail.h"
#include "launch/remote_mirror.h"
#include "launch/spec_inputs.h"
#include "launch/ssh_scripts.h"
#include "moescope/io/json_file.h"
#include "moescope/io/utc_time.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ssh's own exit status for a failure of its own (cannot connect, authenticate, or the host key is
// refused), as opposed to the remote command's.
constexpr int kSshFailed = 255;
// Exit statuses of the scripts (ssh_scripts.h) and of the remote shell.
constexpr int kNotFound = 127;
constexpr int kOutlivedKill = 3;

// The most of one file copied back per poll: six files' worth stays under kMaxCommandOutput.
constexpr std::int64_t kChunkBytes = 128 * 1024;
// Rounds of copying after a job's end, enough for 4 MiB of logs before the end is reported.
constexpr int kMaxCopyRounds = 32;
constexpr seconds kShortCall{30};
// Below this much free space under the run directory, a failure is said to be a full disk.
constexpr std::int64_t kDiskFullKib = 1024;

// What poll() copies while the job runs, and also once it has ended. Not checkpoint.pt: it may be
// gigabytes, and a resumed run needs it on the host, not here.
const std::vector<std::string> kLiveFiles = {"metrics.jsonl", "trainer.log"};
const std::vector<std::string> kEndFiles = {"metrics.jsonl", "trainer.log", "trainer.exit",
                                            "spec.json",     "result.json", "run.json"};

// Where poll() notes since when the host has been unreachable (seconds since the epoch).
fs::path unreachable_file(const fs::path& out_dir) {
  return out_dir / ".remote-unreachable";
}

// Held while a poll copies files into the run directory, so that two pollers do not interleave.
class CopyLock {
 public:
  explicit CopyLock(const fs::path& out_dir) {
    fd_ = ::open((out_dir / ".remote-copy.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0)
      ::flock(fd_, LOCK_EX);
  }
  ~CopyLock() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  CopyLock(const CopyLock&) = delete;
  CopyLock& operator=(const CopyLock&) = delete;

 private:
  int fd_ = -1;
};

struct Handle {
  std::string group;  // the job's process group on the host (digits)
  std::string host;
  std::string run_dir;
};

std::string make_handle(const std::string& group, const std::string& host,
                        const std::string& run_dir) {
  return group + "@" + host + ":" + run_dir;
}

Handle parse_handle(const std::string& handle, const std::string& host, const JobRequest& request) {
  const std::size_t at = handle.find('@');
  const std::size_t colon = handle.find(':', at == std::string::npos ? 0 : at);
  if (at != std::string::npos && colon != std::string::npos && at > 0 &&
      handle.find_first_not_of("0123456789") == at && colon + 1 < handle.size()) {
    Handle parsed{handle.substr(0, at), handle.substr(at + 1, colon - at - 1),
                  handle.substr(colon + 1)};
    if (parsed.host == host)
      return parsed;
  }
  throw ExecutorError(request.out_dir.string() + ": not a job handle of ssh host " + host + ": '" +
                      handle + "'");
}

bool is_group(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// A job record's two parts: its first line, and the rest without its final newline (a spec path,
// which may hold newlines of its own).
std::pair<std::string, std::string> split_record(const std::string& text) {
  const std::size_t end = text.find('\n');
  if (end == std::string::npos)
    return {text, {}};
  std::string rest = text.substr(end + 1);
  if (!rest.empty() && rest.back() == '\n')
    rest.pop_back();
  return {text.substr(0, end), rest};
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
    text.pop_back();
  return text;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ExecutorError("cannot read " + file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void append_log_tail(std::string& message, const JobRequest& request) {
  const std::string tail = read_log_tail(trainer_log_file(request.out_dir));
  if (tail.empty())
    message += " (" + trainer_log_file(request.out_dir).string() + " is empty)";
  else
    message += "; the end of " + trainer_log_file(request.out_dir).string() + ":\n" + tail;
}

}  // namespace

std::vector<std::string> SshExecutorOptions::validate() const {
  std::vector<std::string> problems;
  if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789._-") != std::string::npos) {
    problems.push_back("name: letters, digits, '.', '_' and '-' only, got '" + name + "'");
  }
  for (const std::string& problem : target.validate())
    problems.push_back("target " + problem);
  if (control_dir.empty())
    problems.push_back("control_dir: empty");
  if (remote_dir.empty())
    problems.push_back("remote_dir: empty");
  if (trainer.empty() || trainer.front().empty())
    problems.push_back("trainer: no program");
  std::vector<std::string> words = trainer;
  words.insert(words.end(), {remote_dir, data_dir});
  for (const std::string& word : words) {
    if (word.find('\0') != std::string::npos)
      problems.push_back("trainer, remote_dir and data_dir cannot hold a NUL byte");
  }
  if (unreachable_grace.count() < 0)
    problems.push_back("unreachable_grace: must be >= 0 s");
  if (termination_grace.count() < 0)
    problems.push_back("termination_grace: must be >= 0 s");
  return problems;
}

SshExecutor::SshExecutor(SshExecutorOptions options) : options_(std::move(options)) {
  refuse_invalid_options(options_.validate(), "ssh executor");
}

std::string SshExecutor::remote_run_dir(const JobRequest& request) const {
  fs::path out = request.out_dir.lexically_normal();
  if (out.filename().empty())
    out = out.parent_path();
  std::string root = options_.remote_dir;
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  return root + (root == "/" ? "" : "/") + out.filename().string();
}

CommandResult SshExecutor::ssh(const std::vector<std::string>& words, milliseconds timeout,
                               std::string_view input) const {
  std::error_code error;
  if (fs::create_directories(options_.control_dir, error))
    fs::permissions(options_.control_dir, fs::perms::owner_all, error);
  return run_command(ssh_argv(options_.target, options_.control_dir, words), timeout, input);
}

std::string SshExecutor::unreachable(const CommandResult& result) const {
  std::string message =
      "cannot reach host " + options_.name + " (" + options_.target.to_string() + ") over ssh: ";
  if (!result.started)
    return message + result.err + " (install openssh-client)";
  if (result.timed_out)
    return message + "no answer in time";
  const std::string said = trimmed(result.err);
  return message +
         (said.empty() ? "ssh exited with status " + std::to_string(result.exit_code) : said);
}

void SshExecutor::upload(const std::string& folder, const std::string& file,
                         const std::string& content, const JobRequest& request) const {
  const milliseconds timeout = kShortCall + seconds(content.size() >> 20);
  const CommandResult result =
      ssh({"sh", "-c", ssh_scripts::kUpload, "moescope-upload", folder, file}, timeout, content);
  if (result.exit_code == kSshFailed || !result.started || result.timed_out)
    throw ExecutorError(request.out_dir.string() + ": " + unreachable(result));
  if (result.exit_code != 0) {
    throw ExecutorError(request.out_dir.string() + ": cannot write " + file + " on host " +
                        options_.name + ": " + trimmed(result.err));
  }
}

std::string SshExecutor::submit(const JobRequest& request) {
  std::error_code error;
  fs::create_directories(request.out_dir, error);
  if (error) {
    throw ExecutorError(request.out_dir.string() +
                        ": cannot create the run directory: " + error.message());
  }
  fs::remove(unreachable_file(request.out_dir), error);
  const std::string run = remote_run_dir(request);
  const std::string input = run + "/input";
  const std::string remote_spec = input + "/" + request.spec_file.filename().string();
  // The corpus first: a spec on the host is ready to run.
  if (const std::optional<fs::path> corpus = relative_corpus(request.spec_file)) {
    const fs::path local = request.spec_file.parent_path() / *corpus;
    const fs::path remote = fs::path(input) / *corpus;
    upload(remote.parent_path().string(), remote.string(), read_file(local), request);
  }
  upload(input, remote_spec, read_file(request.spec_file), request);

  std::vector<std::string> words = {"sh",
                                    "-c",
                                    ssh_scripts::kLaunch,
                                    "moescope-launch",
                                    run,
                                    request.spec_file.string(),
                                    ssh_scripts::kSupervisor};
  words.insert(words.end(), options_.trainer.begin(), options_.trainer.end());
  words.insert(words.end(), {"--spec", remote_spec, "--out", run});
  if (!options_.data_dir.empty())
    words.insert(words.end(), {"--data", options_.data_dir});
  const CommandResult result = ssh(words, kShortCall + seconds(30));
  const std::string where = request.out_dir.string() + ": ";
  if (result.exit_code == kSshFailed || !result.started || result.timed_out)
    throw ExecutorError(where + unreachable(result));
  if (result.exit_code == kNotFound) {
    throw ExecutorError(where + options_.trainer.front() + " not found on " + options_.name +
                        " (set the host's trainer: moescope hosts add " + options_.name +
                        " ... --trainer PATH)");
  }
  if (result.exit_code != 0) {  // setsid or flock missing there, or the folder not writable
    throw ExecutorError(where + "cannot start the trainer on " + options_.name + ": " +
                        trimmed(result.err));
  }
  // "started PGID", or "running PGID" then the running job's spec path.
  const auto [first_line, spec] = split_record(result.out);
  std::istringstream answer(first_line);
  std::string how;
  std::string group;
  answer >> how >> group;
  if ((how != "started" && how != "running") || !is_group(group)) {
    throw ExecutorError(where + "unexpected answer from " + options_.name + ": '" +
                        trimmed(result.out) + "'");
  }
  // Another job holds the run directory: this request's own (followed), or another spec's.
  if (how == "running" && spec != request.spec_file.string()) {
    throw ExecutorError(where + "a job of another spec (" + spec + ") is running in " + run +
                        " on " + options_.name);
  }
  return make_handle(group, options_.name, run);
}

JobStatus SshExecutor::poll(const JobRequest& request, const std::string& handle) {
  const Handle job = parse_handle(handle, options_.name, request);
  std::error_code error;
  fs::create_directories(request.out_dir, error);
  const CopyLock lock(request.out_dir);
  RemoteMirror mirror(request.out_dir);
  std::optional<RemoteJobReport> report;
  std::string failure;
  for (int round = 0; round < kMaxCopyRounds; ++round) {
    const bool ended = report && report->state != RemoteJobReport::State::kRunning;
    std::vector<std::string> words = {
        "sh", "-c", ssh_scripts::kPoll, "moescope-poll", job.run_dir, std::to_string(kChunkBytes)};
    const std::vector<std::string> files = mirror.poll_arguments(ended ? kEndFiles : kLiveFiles);
    words.insert(words.end(), files.begin(), files.end());
    const CommandResult result = ssh(words, kShortCall);
    if (result.exit_code != 0) {
      failure = unreachable(result);
      break;
    }
    try {
      report = mirror.apply(result.out);
    } catch (const std::runtime_error& garbled) {
      failure = unreachable(result) + "; " + garbled.what();
      break;
    }
    fs::remove(unreachable_file(request.out_dir), error);
    if (report->state == RemoteJobReport::State::kRunning)
      return {};
    if (ended && report->caught_up)
      break;
  }

  JobStatus status;
  status.state = JobState::kFailed;
  if (!failure.empty()) {
    // Unreachable: running still, until the host has been so for the grace period.
    const std::time_t now = std::time(nullptr);
    std::time_t since = now;
    if (std::ifstream in(unreachable_file(request.out_dir)); !(in >> since)) {
      since = now;
      std::ofstream(unreachable_file(request.out_dir)) << now << '\n';
    }
    if (now - since < options_.unreachable_grace.count())
      return {};
    status.message = failure + "; unreachable since " + format_utc(since, "%Y-%m-%d %H:%M:%S UTC") +
                     ". The job may still run there: launching the same spec again follows it, " +
                     "or resumes it from its last checkpoint";
    append_log_tail(status.message, request);
    return status;
  }
  if (!report->caught_up) {
    return {};  // more of the logs to copy at the next poll before the end is reported
  }
  const std::string trainer = fs::path(options_.trainer.front()).filename().string();
  switch (report->state) {
    case RemoteJobReport::State::kMissing:
      status.message = "the run directory " + job.run_dir + " is gone from host " + options_.name;
      return status;
    case RemoteJobReport::State::kExited: {
      const int code = *report->exit_code;
      status.exit_code = code;
      if (code == 0 && fs::exists(result_file(request.out_dir))) {
        status.state = JobState::kDone;
        return status;
      }
      if (code == kNotFound)
        status.message = options_.trainer.front() + " not found on " + options_.name;
      else if (code == 0)
        status.message = trainer + " on " + options_.name + " exited with status 0 but wrote no " +
                         "result.json";
      else if (code > 128)
        status.message = trainer + " on " + options_.name + " was killed by signal " +
                         std::to_string(code - 128);
      else
        status.message =
            trainer + " on " + options_.name + " exited with status " + std::to_string(code);
      break;
    }
    default:
      status.message =
          "the job's processes on " + options_.name + " ended without recording an exit status";
  }
  if (report->free_kib && *report->free_kib < kDiskFullKib) {
    status.message += ": the disk there is full, " + std::to_string(*report->free_kib) +
                      " KiB free under " + job.run_dir;
  } else if (report->state == RemoteJobReport::State::kGone) {
    status.message += " (killed, or the host restarted?)";
  }
  append_log_tail(status.message, request);
  return status;
}

void SshExecutor::cancel(const JobRequest& request, const std::string& handle) {
  const Handle job = parse_handle(handle, options_.name, request);
  const seconds grace = options_.termination_grace;
  const CommandResult result = ssh({"sh", "-c", ssh_scripts::kCancel, "moescope-cancel",
                                    job.run_dir, job.group, std::to_string(grace.count())},
                                   kShortCall + grace);
  if (result.exit_code == kSshFailed || !result.started || result.timed_out)
    throw ExecutorError(request.out_dir.string() + ": cannot cancel: " + unreachable(result));
  if (result.exit_code == kOutlivedKill) {
    throw ExecutorError(request.out_dir.string() + ": the job's processes on " + options_.name +
                        " outlived SIGKILL to process group " + job.group);
  }
  if (result.exit_code != 0) {
    throw ExecutorError(request.out_dir.string() + ": cannot cancel on " + options_.name + ": " +
                        trimmed(result.err));
  }
}

std::optional<std::string> SshExecutor::running_job(const JobRequest& request) {
  const std::string run = remote_run_dir(request);
  const CommandResult result =
      ssh({"sh", "-c", ssh_scripts::kRunningJob, "moescope-running-job", run}, kShortCall);
  if (result.exit_code != 0 || result.out.empty())
    return std::nullopt;
  const auto [group, spec] = split_record(result.out);
  if (!is_group(group)) {
    throw ExecutorError(request.out_dir.string() + ": a job holds " + run + " on " + options_.name +
                        " but has not recorded itself yet");
  }
  if (spec != request.spec_file.string())
    return std::nullopt;  // another spec's job: submit() says so
  return make_handle(group, options_.name, run);
}

}  // namespace moescope

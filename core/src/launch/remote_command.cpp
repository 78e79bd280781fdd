#include "moescope/launch/remote_command.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include "launch/spawn_setup.h"

extern char** environ;

namespace moescope {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long output is still read after the program has exited: a process it left behind (ssh's
// ControlPersist master) may hold the pipes open, and must not keep the caller waiting.
constexpr std::chrono::milliseconds kDrainAfterExit{500};

// A pipe whose ends close with it. The program's stdin is a socket pair instead (`for_input`):
// writing to a pipe whose reader has exited raises SIGPIPE, which would kill this process, while
// send(MSG_NOSIGNAL) on a socket only fails with EPIPE.
class Pipe {
 public:
  explicit Pipe(bool for_input = false) {
    const int made = for_input ? ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_)
                               : ::pipe2(fds_, O_CLOEXEC);
    if (made != 0)
      throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_end(0); }
  void close_write() { close_end(1); }

 private:
  void close_end(int which) {
    if (fds_[which] >= 0)
      ::close(fds_[which]);
    fds_[which] = -1;
  }
  int fds_[2] = {-1, -1};
};

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is there; false at end of file or on an error other than "nothing yet".
bool read_some(int fd, std::string& into) {
  char buffer[16384];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      // Beyond the cap the output is drained and dropped, so that the program never blocks.
      const std::size_t room = kMaxCommandOutput - std::min(into.size(), kMaxCommandOutput);
      into.append(buffer, std::min(room, static_cast<std::size_t>(got)));
      continue;
    }
    if (got < 0 && errno == EINTR)
      continue;
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

int milliseconds_until(Clock::time_point when) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

// Waits for the process without blocking: true once it has exited, `status` set.
bool reaped(pid_t pid, int& status) {
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      return true;
    if (done < 0 && errno == EINTR)
      continue;
    if (done < 0) {
      status = 0;  // reaped by someone else (a toolkit's SIGCHLD handler): its status is lost
      return true;
    }
    return false;
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          std::string_view input) {
  if (argv.empty())
    throw std::invalid_argument("run_command: no program to run");
  CommandResult result;
  Pipe in_pipe(/*for_input=*/true);
  Pipe out_pipe;
  Pipe err_pipe;

  SpawnSetup setup;
  ::posix_spawn_file_actions_adddup2(&setup.actions, in_pipe.read_end(), STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions, out_pipe.write_end(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions, err_pipe.write_end(), STDERR_FILENO);
  // A process group of its own, so that a timeout kills whatever the program started, and a
  // terminal's Ctrl-C reaches this process only. Signal dispositions and mask are reset: what
  // this process ignores (SIGPIPE in a GUI) the program does not.
  setup.own_process_group_and_default_signals();

  std::vector<std::string> words = argv;
  std::vector<char*> arguments;
  for (std::string& word : words)
    arguments.push_back(word.data());
  arguments.push_back(nullptr);
  pid_t child = 0;
  const int spawned = ::posix_spawnp(&child, arguments.front(), &setup.actions, &setup.attributes,
                                     arguments.data(), environ);
  in_pipe.close_read();
  out_pipe.close_write();
  err_pipe.close_write();
  if (spawned != 0) {
    result.started = false;
    result.err = "cannot start " + argv.front() + ": " + std::strerror(spawned);
    return result;
  }

  set_nonblocking(in_pipe.write_end());
  set_nonblocking(out_pipe.read_end());
  set_nonblocking(err_pipe.read_end());
  std::size_t written = 0;
  if (input.empty())
    in_pipe.close_write();
  bool out_open = true;
  bool err_open = true;
  bool exited = false;
  int status = 0;
  const Clock::time_point deadline = Clock::now() + timeout;
  Clock::time_point drain_deadline = Clock::time_point::max();
  while (!exited || out_open || err_open) {
    const Clock::time_point wake = std::min(deadline, drain_deadline);
    if (Clock::now() >= wake)
      break;
    pollfd fds[3];
    nfds_t count = 0;
    if (out_open)
      fds[count++] = {out_pipe.read_end(), POLLIN, 0};
    if (err_open)
      fds[count++] = {err_pipe.read_end(), POLLIN, 0};
    const bool feeding = in_pipe.write_end() >= 0;
    if (feeding)
      fds[count++] = {in_pipe.write_end(), POLLOUT, 0};
    // Woken at least every 50 ms to notice the program's exit while something it left behind
    // still holds its output open.
    const int wait = std::min(milliseconds_until(wake), 50);
    if (::poll(fds, count, wait) < 0 && errno != EINTR)
      break;
    if (out_open)
      out_open = read_some(out_pipe.read_end(), result.out);
    if (err_open)
      err_open = read_some(err_pipe.read_end(), result.err);
    if (feeding) {
      const ssize_t sent =
          ::send(in_pipe.write_end(), input.data() + written, input.size() - written, MSG_NOSIGNAL);
      if (sent > 0)
        written += static_cast<std::size_t>(sent);
      // A program that stops reading (exited, closed its stdin) gets no more.
      const bool refused = sent < 0 && errno != EAGAIN && errno != EINTR;
      if (written == input.size() || refused)
        in_pipe.close_write();
    }
    if (!exited && reaped(child, status)) {
      exited = true;
      drain_deadline = Clock::now() + kDrainAfterExit;
    }
  }
  in_pipe.close_write();
  if (!exited) {
    ::kill(-child, SIGKILL);
    result.timed_out = true;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shell_quote(std::string_view word) {
  if (word.find('\0') != std::string_view::npos)
    throw std::invalid_argument("a shell word cannot hold a NUL byte");
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string shell_command_line(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty())
      line += ' ';
    line += shell_quote(word);
  }
  return line;
}

std::optional<SshTarget> SshTarget::parse(std::string_view text, std::string* problem) {
  // Built piece by piece: GCC 12 warns falsely (-Wrestrict) on "'" + std::string.
  const auto refuse = [&](std::string_view why) -> std::optional<SshTarget> {
    if (problem)
      problem->assign(1, '\'').append(text).append("': ").append(why);
    return std::nullopt;
  };
  SshTarget target;
  std::string_view rest = text;
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    target.user = std::string(rest.substr(0, at));
    rest.remove_prefix(at + 1);
    if (target.user.empty())
      return refuse("no user before '@'");
  }
  // An IPv6 address is written in brackets, as in [::1]:2222.
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return refuse("'[' without ']'");
    target.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return refuse("expected ':PORT' after ']'");
  } else {
    const std::size_t colon = rest.find(':');
    target.host = std::string(rest.substr(0, colon));
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon);
  }
  if (!rest.empty()) {
    const std::string_view digits = rest.substr(1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
      return refuse("the port must be a number in [1, 65535]");
    target.port = std::stoi(std::string(digits));
  }
  const std::vector<std::string> problems = target.validate();
  if (!problems.empty())
    return refuse(problems.front());
  return target;
}

std::string SshTarget::to_string() const {
  std::string text;
  if (!user.empty())
    text.append(user).append(1, '@');
  if (host.find(':') != std::string::npos)
    text.append(1, '[').append(host).append(1, ']');
  else
    text.append(host);
  if (port != 22)
    text.append(1, ':').append(std::to_string(port));
  return text;
}

std::vector<std::string> SshTarget::validate() const {
  std::vector<std::string> problems;
  // What ssh would read as an option, or a second destination, or that the shell of a ProxyCommand
  // (%h) could interpret, is refused: a host name is letters, digits, '.', '-', '_' and ':' (IPv6).
  const auto plain = [](const std::string& text, std::string_view extra) {
    for (const char c : text) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      extra.find(c) != std::string_view::npos;
      if (!ok)
        return false;
    }
    return true;
  };
  if (host.empty())
    problems.push_back("host: empty");
  else if (host.front() == '-')
    problems.push_back("host: must not start with '-', got '" + host + "'");
  else if (!plain(host, ".-_:"))
    problems.push_back("host: only letters, digits, '.', '-', '_' and ':' are allowed, got '" +
                       host + "'");
  if (!user.empty() && (user.front() == '-' || !plain(user, ".-_")))
    problems.push_back(
        "user: only letters, digits, '.', '-' and '_' (not first) are allowed, got '" + user + "'");
  if (port < 1 || port > 65535)
    problems.push_back("port: must be in [1, 65535], got " + std::to_string(port));
  return problems;
}

std::vector<std::string> ssh_options(const SshTarget& target, const fs::path& control_dir) {
  std::vector<std::string> options = {
      "-o", "BatchMode=yes",  // never a prompt: a password or passphrase request fails the call
      "-o", "StrictHostKeyChecking=yes",  // an unknown or changed host key is refused, never added
      "-o", "UpdateHostKeys=no",          // known_hosts is the user's to edit, not ours
      "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
      // A host we train on gets no agent or X11 forwarding: it could use them against us.
      "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ClearAllForwardings=yes",
      // A dead host ends every call within seconds rather than hanging it.
      "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o",
      "LogLevel=ERROR"};
  if (!target.identity.empty()) {
    options.insert(options.end(),
                   {"-o", "IdentitiesOnly=yes", "-o", "IdentityFile=" + target.identity.string()});
  }
  if (!target.known_hosts.empty())
    options.insert(options.end(), {"-o", "UserKnownHostsFile=" + target.known_hosts.string()});
  // One connection reused by every call (polls every second would otherwise each cost a
  // handshake). A socket path is limited to 108 bytes, and ssh adds ".XXXXXXXXXXXXXXXX" while it
  // creates it: with a longer folder, calls go without reuse rather than fail.
  constexpr std::size_t kMaxControlDir = 108 - 1 - 40 - 17 - 1;  // '/', %C (40 hex), suffix, NUL
  if (!control_dir.empty() && control_dir.string().size() <= kMaxControlDir) {
    options.insert(options.end(),
                   {"-o", "ControlMaster=auto", "-o",
                    "ControlPath=" + (control_dir / "%C").string(), "-o", "ControlPersist=60"});
  } else {
    options.insert(options.end(), {"-o", "ControlMaster=no", "-o", "ControlPath=none"});
  }
  return options;
}

std::vector<std::string> ssh_argv(const SshTarget& target, const fs::path& control_dir,
                                  const std::vector<std::string>& remote_words) {
  std::vector<std::string> argv = {"ssh"};
  const std::vector<std::string> options = ssh_options(target, control_dir);
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"-p", std::to_string(target.port)});
  if (!target.user.empty())
    argv.insert(argv.end(), {"-l", target.user});
  // "--" ends ssh's options: the host and the command line are never read as one.
  argv.insert(argv.end(), {"--", target.host, shell_command_line(remote_words)});
  return argv;
}

}  // namespace moescope

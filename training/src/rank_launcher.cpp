#include "moescope/training/rank_launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <stdexcept>

#include "moescope/trainer/train_spec.h"

namespace moescope::training {
namespace {

// A TCP port nothing listens on now, chosen by the kernel. Rank 0 binds it moments later; another
// program could take it in between, which fails the rendezvous with a message, not silently.
int free_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0)
    throw std::runtime_error(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool found =
      ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(socket_fd);
  if (!found)
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

std::filesystem::path rank_log(const std::filesystem::path& out, int rank) {
  return out / ("rank-" + std::to_string(rank) + ".log");
}

// The child's side of a fork: never returns.
[[noreturn]] void exec_rank(const std::vector<std::string>& arguments, int rank, int world,
                            int port, const std::filesystem::path& out, pid_t launcher) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launcher)  // the launcher died before the line above took effect
    ::_exit(1);
  const int log_fd =
      ::open(rank_log(out, rank).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 || ::dup2(log_fd, STDERR_FILENO) < 0)
    ::_exit(1);
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  ::setenv(kLauncherHoldsLock, "1", 1);
  keep_nvlink_multicast_off();
  std::vector<char*> argv;
  std::string program = "/proc/self/exe";
  argv.push_back(program.data());
  std::vector<std::string> copies = arguments;
  for (std::string& argument : copies)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  std::fprintf(stderr, "moescope-train: cannot start rank %d: %s\n", rank, std::strerror(errno));
  ::_exit(127);
}

// The last `count` lines of a rank's log, indented.
std::string log_tail(const std::filesystem::path& file, std::size_t count) {
  std::ifstream in(file, std::ios::binary);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > count)
      lines.pop_front();
  }
  std::string tail;
  for (const std::string& line : lines)
    tail += "  " + line + "\n";
  return tail;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void keep_nvlink_multicast_off() {
  ::setenv(kNvlinkMulticastVariable, "0", /*overwrite=*/0);
}

int launch_local_ranks(const std::vector<std::string>& arguments, int world,
                       const std::filesystem::path& out, std::ostream& log) {
  const int port = free_port();
  const pid_t launcher = ::getpid();
  std::map<pid_t, int> running;  // pid -> rank
  for (int rank = 0; rank < world; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (const auto& [started, unused] : running)
        ::kill(started, SIGKILL);
      throw std::runtime_error(std::string("cannot start a rank: ") + std::strerror(errno));
    }
    if (pid == 0)
      exec_rank(arguments, rank, world, port, out, launcher);
    running[pid] = rank;
  }
  log << "moescope-train: started " << world << " ranks (logs " << rank_log(out, 0).string()
      << " ...)\n";
  int failed_rank = -1;
  int failed_status = 0;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    const auto found = running.find(pid);
    if (found == running.end())
      continue;
    const int rank = found->second;
    running.erase(found);
    const bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (failed && failed_rank < 0) {
      failed_rank = rank;
      failed_status = status;
      // The run cannot go on without this rank: end the others now rather than when their next
      // collective times out.
      for (const auto& [other, unused] : running)
        ::kill(other, SIGKILL);
    }
  }
  if (failed_rank < 0)
    return 0;
  const std::filesystem::path failed_log = rank_log(out, failed_rank);
  log << "moescope-train: rank " << failed_rank << " of " << world << " "
      << describe_status(failed_status) << "; the other ranks were stopped. Its log, "
      << failed_log.string() << ", ends:\n"
      << log_tail(failed_log, 15)
      << "moescope-train: started again, the run resumes from its last checkpoint\n";
  return 1;
}

}  // namespace moescope::training

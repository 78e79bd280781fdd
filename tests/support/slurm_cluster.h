#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "moescope/launch/remote_command.h"
#include "temporary_folder.h"

namespace moescope::testing_support {

// A real single-node Slurm cluster (munged, slurmctld, slurmd) run as ordinary processes from a
// folder of its own: its configuration, state, spool, logs and munge socket. The daemons run in
// the foreground as children of the test, stopped by pid when the cluster is destroyed, and killed
// by the kernel should the test die first (PR_SET_PDEATHSIG), so none outlives a test, failed or
// crashed. Each cluster has its own ports and munge socket: parallel tests never share one.
//
// Commands reach it through SLURM_CONF, which environment() gives and run() sets.
// ../shared/PLATFORM.md records the recipe; needs root (SlurmUser, slurmd starting jobs).
class SlurmCluster {
 public:
  // Why no cluster can be started here: the programs missing, with the Debian packages that
  // bring them; nullopt when all are installed.
  static std::optional<std::string> unavailable() {
    std::string missing;
    for (const char* program :
         {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"}) {
      if (::access(program, X_OK) != 0)
        missing += std::string(missing.empty() ? "" : ", ") + program;
    }
    if (missing.empty() && ::access(kMungeKey, R_OK) != 0)
      missing = kMungeKey;
    if (missing.empty())
      return std::nullopt;
    return "no " + missing +
           ": install the Debian packages slurm-wlm slurmctld slurmd munge (as root)";
  }

  // Starts the daemons in a fresh folder under /tmp (short: a Unix socket's path holds at most
  // 107 bytes) and waits until the node is idle; throws std::runtime_error with the daemons' logs
  // when it does not become so.
  SlurmCluster() : folder_(make_folder()), node_(short_host_name()) {
    try {
      start();
    } catch (...) {
      stop();
      remove_tree(folder_);
      throw;
    }
  }
  ~SlurmCluster() {
    stop();
    remove_tree(folder_);
  }
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  const std::string& node() const { return node_; }
  const std::string& partition() const { return partition_; }
  std::filesystem::path conf() const { return folder_ / "slurm.conf"; }
  std::vector<std::pair<std::string, std::string>> environment() const {
    return {{"SLURM_CONF", conf().string()}};
  }

  // Runs a Slurm command (sinfo, scontrol, ...) against this cluster.
  CommandResult run(const std::vector<std::string>& argv) const {
    std::vector<std::string> words = {"env", "SLURM_CONF=" + conf().string()};
    words.insert(words.end(), argv.begin(), argv.end());
    return run_command(words, std::chrono::seconds(30));
  }

  // The node's state as sinfo shows it ("idle", "alloc", "down*", ...).
  std::string node_state() const {
    std::string state = run({"sinfo", "-h", "-o", "%t"}).out;
    while (!state.empty() && (state.back() == '\n' || state.back() == ' '))
      state.pop_back();
    return state;
  }

  // Waits up to `limit` for `condition`; true once it holds.
  template <typename Condition>
  static bool wait_for(Condition condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  // The daemons' logs (slurmctld's, then slurmd's), for a failing test's message: what Slurm did
  // and why is there and nowhere else.
  std::string logs() const {
    return "slurmctld.log:\n" + read_text(folder_ / "slurmctld.log") + "slurmd.log:\n" +
           read_text(folder_ / "slurmd.log");
  }

  // Stops slurmctld alone, as a controller that crashed: the node and its jobs go on, and every
  // Slurm command fails to reach it. start_controller() starts it again from its saved state.
  void stop_controller() {
    terminate(daemons_.at(1));
    daemons_.erase(daemons_.begin() + 1);
  }
  void start_controller() {
    spawn({"/usr/sbin/slurmctld", "-D", "-f", conf().string()}, folder_ / "slurmctld.out");
    wait_for([&] { return run({"squeue", "-h"}).exit_code == 0; }, std::chrono::seconds(30));
  }

 private:
  static constexpr const char* kMungeKey = "/etc/munge/munge.key";

  static std::filesystem::path make_folder() {
    std::string pattern = "/tmp/slurm-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a folder in /tmp for the Slurm cluster");
    return pattern;
  }

  static std::string short_host_name() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    std::string host = name;
    return host.substr(0, host.find('.'));
  }

  // A TCP port nobody listens on now (the kernel's choice for port 0).
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("no free TCP port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  static std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void write_conf() const {
    const std::filesystem::path& f = folder_;
    std::ofstream conf(this->conf());
    conf << "ClusterName=moescope\n"
         << "SlurmctldHost=" << node_ << "\n"
         << "SlurmUser=root\n"
         << "SlurmctldPort=" << free_port() << "\n"
         << "SlurmdPort=" << free_port() << "\n"
         << "AuthInfo=socket=" << (f / "munge" / "socket").string() << "\n"
         << "StateSaveLocation=" << (f / "state").string() << "\n"
         << "SlurmdSpoolDir=" << (f / "spool").string() << "\n"
         << "SlurmctldPidFile=" << (f / "slurmctld.pid").string() << "\n"
         << "SlurmdPidFile=" << (f / "slurmd.pid").string() << "\n"
         << "SlurmctldLogFile=" << (f / "slurmctld.log").string() << "\n"
         << "SlurmdLogFile=" << (f / "slurmd.log").string() << "\n"
         << "ProctrackType=proctrack/linuxproc\n"
         << "TaskPlugin=task/none\n"
         << "SelectType=select/cons_tres\n"
         // CPUs only: memory is not consumed, so jobs never wait for it.
         << "SelectTypeParameters=CR_CPU\n"
         << "ReturnToService=2\n"
         // A cancelled job's processes get SIGKILL 2 s after SIGTERM, not Slurm's 30 s.
         << "KillWait=2\n"
         << "NodeName=" << node_ << " CPUs=" << std::thread::hardware_concurrency()
         << " RealMemory=500 State=UNKNOWN\n"
         << "PartitionName=" << partition_ << " Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
  }

  // Starts `argv` in the foreground as a child of this process, its output to `log`; the kernel
  // kills it should this process die.
  pid_t spawn(std::vector<std::string> argv, const std::filesystem::path& log) {
    std::vector<char*> arguments;
    for (std::string& word : argv)
      arguments.push_back(word.data());
    arguments.push_back(nullptr);
    const std::string environment = "SLURM_CONF=" + conf().string();
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0)
      throw std::runtime_error("cannot fork for " + argv.front());
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(1);  // the test died before the line above
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, STDIN_FILENO);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::putenv(const_cast<char*>(environment.c_str()));
      ::execv(arguments.front(), arguments.data());
      ::_exit(127);
    }
    daemons_.push_back(child);
    return child;
  }

  void start() {
    const std::filesystem::path& f = folder_;
    for (const char* sub : {"state", "spool", "munge"})
      std::filesystem::create_directories(f / sub);
    // munged refuses a socket folder others can write to.
    std::filesystem::permissions(f / "munge", std::filesystem::perms::owner_all);
    write_conf();
    spawn(
        {"/usr/sbin/munged", "--foreground", "--force", "--socket=" + (f / "munge/socket").string(),
         "--key-file=" + std::string(kMungeKey), "--pid-file=" + (f / "munge/pid").string(),
         "--log-file=" + (f / "munge/log").string(), "--seed-file=" + (f / "munge/seed").string()},
        f / "munged.out");
    if (!wait_for([&] { return std::filesystem::exists(f / "munge/socket"); },
                  std::chrono::seconds(10))) {
      throw std::runtime_error("munged did not create its socket:\n" + read_text(f / "munged.out") +
                               read_text(f / "munge/log"));
    }
    spawn({"/usr/sbin/slurmctld", "-D", "-f", conf().string()}, f / "slurmctld.out");
    spawn({"/usr/sbin/slurmd", "-D", "-f", conf().string()}, f / "slurmd.out");
    if (!wait_for([&] { return node_state() == "idle"; }, std::chrono::seconds(30))) {
      throw std::runtime_error("the Slurm node did not become idle (sinfo: '" + node_state() +
                               "'); slurmctld.log:\n" + read_text(f / "slurmctld.log") +
                               "\nslurmd.log:\n" + read_text(f / "slurmd.log"));
    }
  }

  // Cancels every job (slurmstepd, which runs them, outlives slurmd), then stops the daemons by
  // pid: SIGTERM, and SIGKILL for one still there after 10 s.
  void stop() {
    if (daemons_.size() == 3) {
      run({"scancel", "--full", "--user=root"});
      wait_for(
          [&] {
            return run({"squeue", "-h", "-o", "%i"}).out.empty();
          },
          std::chrono::seconds(15));
    }
    for (auto daemon = daemons_.rbegin(); daemon != daemons_.rend(); ++daemon)
      terminate(*daemon);
    daemons_.clear();
  }

  // SIGTERM, and SIGKILL when still there after 10 s.
  static void terminate(pid_t daemon) {
    ::kill(daemon, SIGTERM);
    int status = 0;
    const bool ended = wait_for([&] { return ::waitpid(daemon, &status, WNOHANG) != 0; },
                                std::chrono::seconds(10));
    if (!ended) {
      ::kill(daemon, SIGKILL);
      ::waitpid(daemon, &status, 0);
    }
  }

  std::filesystem::path folder_;
  std::string node_;
  std::string partition_ = "debug";
  std::vector<pid_t> daemons_;  // munged, slurmctld, slurmd: in the order started (a restarted
                                // slurmctld last)
};

}  // namespace moescope::testing_support

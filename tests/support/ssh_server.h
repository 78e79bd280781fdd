#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "moescope/launch/remote_command.h"

namespace moescope::testing_support {

// A real OpenSSH server on 127.0.0.1, run as an ordinary process from a folder of its own: a
// throwaway host key and user key, its own sshd_config (keys only), and a known_hosts file naming
// it, so that the SSH executor is tested against the daemon it meets in production. It accepts
// the current user with the user key (root too: PermitRootLogin prohibit-password). The daemon is
// stopped by the pid in its pid file, with every session process it started.
//
// Use: `if (auto why = SshServer::missing()) GTEST_SKIP() << *why;` then SshServer server(folder).
class SshServer {
 public:
  static constexpr const char* kSshd = "/usr/sbin/sshd";

  // Why no server can run here (a message naming the Debian packages), or nullopt.
  static std::optional<std::string> missing() {
    for (const char* program : {kSshd, "/usr/bin/ssh", "/usr/bin/ssh-keygen"}) {
      if (::access(program, X_OK) != 0) {
        return std::string(program) +
               " is missing: install the Debian packages openssh-server and openssh-client";
      }
    }
    return std::nullopt;
  }

  // Creates the keys and the configuration in `folder` and starts the daemon; throws
  // std::runtime_error (with the daemon's log) when it does not come up.
  explicit SshServer(const std::filesystem::path& folder) : folder_(folder) {
    std::filesystem::create_directories(folder_);
    make_key(host_key());
    make_key(user_key());
    std::filesystem::copy_file(user_key().string() + ".pub", folder_ / "authorized_keys",
                               std::filesystem::copy_options::overwrite_existing);
    port_ = free_port();
    write_config();
    std::ifstream public_key(host_key().string() + ".pub");
    std::string key_type, key;
    public_key >> key_type >> key;
    std::ofstream(known_hosts()) << "[127.0.0.1]:" << port_ << ' ' << key_type << ' ' << key
                                 << '\n';
    start();
  }
  ~SshServer() { stop(); }
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  int port() const { return port_; }
  std::filesystem::path user_key() const { return folder_ / "user_key"; }
  std::filesystem::path known_hosts() const { return folder_ / "known_hosts"; }
  // How a client reaches the server: the current user at 127.0.0.1:port with the user key.
  SshTarget target() const {
    SshTarget target;
    target.user = user_name();
    target.host = "127.0.0.1";
    target.port = port_;
    target.identity = user_key();
    target.known_hosts = known_hosts();
    return target;
  }

  // Starts the daemon (again, after stop()) on the same port, and waits until it accepts.
  void start() {
    std::filesystem::remove(pid_file());
    if (::geteuid() == 0)
      std::filesystem::create_directories("/run/sshd");  // its privilege-separation folder
    const CommandResult started = run_command(
        {kSshd, "-f", config().string(), "-E", log().string()}, std::chrono::seconds(20));
    if (started.exit_code != 0)
      throw std::runtime_error("sshd did not start: " + started.err + read(log()));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!daemon_pid() || !accepts()) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("sshd did not come up on port " + std::to_string(port_) + ": " +
                                 read(log()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Kills the daemon and every session process it started (SIGKILL), as a crashed or cut-off
  // host would: established connections break too. Processes that a session left running on
  // their own (setsid, reparented) are not the daemon's and survive, like jobs on a real host.
  void stop() {
    const std::optional<pid_t> pid = daemon_pid();
    if (!pid)
      return;
    std::set<pid_t> doomed = {*pid};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [child, parent] : parents()) {
        if (doomed.count(parent) && doomed.insert(child).second)
          grew = true;
      }
    }
    for (const pid_t victim : doomed)
      ::kill(victim, SIGKILL);
    std::filesystem::remove(pid_file());
    // Until the kernel has closed the listening socket, a restart on the port would fail.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (accepts() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

 private:
  std::filesystem::path host_key() const { return folder_ / "host_key"; }
  std::filesystem::path config() const { return folder_ / "sshd_config"; }
  std::filesystem::path pid_file() const { return folder_ / "sshd.pid"; }
  std::filesystem::path log() const { return folder_ / "sshd.log"; }

  static std::string read(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::string user_name() {
    const CommandResult who = run_command({"id", "-un"}, std::chrono::seconds(5));
    std::string name = who.out;
    while (!name.empty() && name.back() == '\n')
      name.pop_back();
    return name;
  }

  static void make_key(const std::filesystem::path& file) {
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + ".pub");
    const CommandResult made =
        run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file.string()},
                    std::chrono::seconds(20));
    if (made.exit_code != 0)
      throw std::runtime_error("ssh-keygen failed: " + made.err);
  }

  // A port nobody listens on now: the kernel's choice for a socket bound to port 0.
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
  }

  bool accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    const bool connected =
        ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
  }

  std::optional<pid_t> daemon_pid() const {
    std::ifstream in(pid_file());
    pid_t pid = 0;
    if (in >> pid && pid > 1)
      return pid;
    return std::nullopt;
  }

  // Every process's parent, from /proc.
  static std::vector<std::pair<pid_t, pid_t>> parents() {
    std::vector<std::pair<pid_t, pid_t>> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos)
        continue;
      std::ifstream status(entry.path() / "status");
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("PPid:", 0) == 0) {
          found.emplace_back(std::stoi(name), std::stoi(line.substr(5)));
          break;
        }
      }
    }
    return found;
  }

  void write_config() const {
    std::ofstream out(config());
    out << "Port " << port_ << "\n"
        << "ListenAddress 127.0.0.1\n"
        << "HostKey " << host_key().string() << "\n"
        << "AuthorizedKeysFile " << (folder_ / "authorized_keys").string() << "\n"
        << "PidFile " << pid_file().string() << "\n"
        << "PasswordAuthentication no\n"
        << "KbdInteractiveAuthentication no\n"
        << "PubkeyAuthentication yes\n"
        << "PermitRootLogin prohibit-password\n"
        << "StrictModes no\n"  // the temporary folder's permissions are the test runner's
        << "UsePAM no\n"
        << "MaxSessions 64\n"
        << "MaxStartups 64\n"
        << "LogLevel VERBOSE\n";
  }

  std::filesystem::path folder_;
  int port_ = 0;
};

}  // namespace moescope::testing_support

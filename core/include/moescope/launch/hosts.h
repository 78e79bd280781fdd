#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/launch/executor.h"
#include "moescope/launch/remote_command.h"

namespace moescope {

// The host registry cannot be read or written, or a host is invalid; the message names the file,
// the host and the field.
class HostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class HostKind { kSsh, kSlurm };
std::string_view to_string(HostKind kind);  // "ssh", "slurm"

// A place where runs train, as `moescope hosts add` records it.
struct Host {
  std::string name;  // letters, digits, '.', '_' and '-': the executor kind "ssh:NAME"/"slurm:NAME"
  HostKind kind = HostKind::kSsh;
  SshTarget ssh;  // kSsh: the host
  // kSlurm: sbatch's -p, -A, --gres, -t (empty: the cluster's default), and the login node over
  // SSH (nullopt: this machine is one).
  std::string partition;
  std::string account;
  std::string gres;
  std::string time;
  std::optional<SshTarget> via;
  // The folder of the run directories there (SshExecutorOptions, SlurmExecutorOptions); for
  // kSsh relative to the home folder there, for kSlurm empty means a shared filesystem.
  std::string remote_dir;
  std::string trainer = "moescope-train";  // the trainer's path there
  std::string data_dir;                    // its --data there; empty: its default
  int jobs = 1;                            // runs at once there: `train launch --host` default

  // One message per invalid field, each naming it.
  std::vector<std::string> validate() const;
  bool operator==(const Host&) const = default;
};

// The host as the registry holds it: {"name", "kind", "ssh" or the Slurm fields, "remote_dir",
// "trainer", "data_dir", "jobs"}.
nlohmann::ordered_json to_json(const Host& host);

// The kind an executor for the host reports, and the queue records with its jobs: "ssh:NAME".
std::string executor_kind(const Host& host);
// The host name in an executor kind "ssh:NAME" or "slurm:NAME"; nullopt for "local" and others.
std::optional<std::string> host_of_executor_kind(std::string_view kind);

// $MOESCOPE_HOSTS_FILE if set, else $XDG_CONFIG_HOME/moescope/hosts.json, else
// ~/.config/moescope/hosts.json. Empty variables, and a relative XDG_CONFIG_HOME, count as unset;
// throws HostError when neither MOESCOPE_HOSTS_FILE nor HOME is set.
std::filesystem::path default_hosts_file();

// Reads the registry, {"hosts": [...]}, with the project's JSON limits; no file is no hosts.
// Throws HostError listing every problem: unknown or mistyped keys, invalid fields, names used
// twice.
std::vector<Host> read_hosts(const std::filesystem::path& file);
// Writes the registry atomically (temporary file, rename), creating its folder. Throws HostError
// when a host is invalid or the file cannot be written.
void write_hosts(const std::filesystem::path& file, const std::vector<Host>& hosts);
std::optional<Host> find_host(const std::vector<Host>& hosts, std::string_view name);

// Where ssh keeps the connections it reuses: $XDG_RUNTIME_DIR/moescope-ssh, else
// /tmp/moescope-ssh-UID (short: a socket's path is limited to 108 bytes); created 0700 if missing.
std::filesystem::path default_control_dir();

// The executor that runs jobs on the host: SshExecutor or SlurmExecutor. Throws HostError when
// the host is invalid.
std::unique_ptr<Executor> make_executor(const Host& host, const std::filesystem::path& control_dir);

}  // namespace moescope

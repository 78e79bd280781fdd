// moescope hosts: the registry of remote hosts that `moescope train launch --host` trains on (SSH
// hosts and Slurm clusters): add, list, remove, and check one by connecting to it.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "moescope/io/number_format.h"
#include "moescope/launch/hosts.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

struct AddArguments {
  std::string name;
  std::string ssh;
  std::string identity;
  std::string known_hosts;
  bool slurm = false;
  std::string partition;
  std::string account;
  std::string gres;
  std::string time;
  std::string via;
  std::string remote_dir;
  std::string trainer = "moescope-train";
  std::string data_dir;
  int jobs = 1;
};

// Where runs live on an SSH host unless --remote-dir says otherwise: under its home folder.
constexpr const char* kDefaultSshRemoteDir = "moescope-runs";

SshTarget parse_target(const std::string& option, const std::string& text) {
  std::string problem;
  const std::optional<SshTarget> target = SshTarget::parse(text, &problem);
  if (!target)
    throw CLI::ValidationError(option, "expected [USER@]HOST[:PORT]: " + problem);
  return *target;
}

fs::path absolute_file(const std::string& file) {
  return file.empty() ? fs::path() : fs::absolute(file).lexically_normal();
}

std::string describe(const Host& host) {
  if (host.kind == HostKind::kSsh)
    return "ssh " + host.ssh.to_string();
  std::string text = "slurm";
  if (!host.partition.empty())
    text += " partition " + host.partition;
  if (host.via)
    text += " via " + host.via->to_string();
  return text;
}

void run_add(const AddArguments& args) {
  Host host;
  host.name = args.name;
  if (args.slurm) {
    host.kind = HostKind::kSlurm;
    host.partition = args.partition;
    host.account = args.account;
    host.gres = args.gres;
    host.time = args.time;
    if (!args.via.empty())
      host.via = parse_target("--via", args.via);
  } else {
    host.ssh = parse_target("--ssh", args.ssh);
    host.ssh.identity = absolute_file(args.identity);
    host.ssh.known_hosts = absolute_file(args.known_hosts);
  }
  host.remote_dir = args.remote_dir.empty() && !args.slurm ? kDefaultSshRemoteDir : args.remote_dir;
  host.trainer = args.trainer;
  host.data_dir = args.data_dir;
  host.jobs = args.jobs;
  const std::vector<std::string> problems = host.validate();
  if (!problems.empty())
    throw CLI::ValidationError("host " + args.name, problems.front());
  const fs::path file = default_hosts_file();
  std::vector<Host> hosts = read_hosts(file);
  if (find_host(hosts, host.name)) {
    throw CLI::ValidationError(host.name, "a host of this name exists in " + file.string() +
                                              " (moescope hosts remove " + host.name + " first)");
  }
  hosts.push_back(host);
  write_hosts(file, hosts);
  std::cout << "added host " << host.name << " (" << describe(host) << ") to " << file.string()
            << "; `moescope hosts check " << host.name << "` tries it\n";
}

void run_list(bool json) {
  const fs::path file = default_hosts_file();
  const std::vector<Host> hosts = read_hosts(file);
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Host& host : hosts)
      list.push_back(to_json(host));
    std::cout << nlohmann::ordered_json{{"file", file.string()}, {"hosts", list}}.dump(2) << '\n';
    return;
  }
  std::cout << file.string() << ": " << hosts.size() << " host" << (hosts.size() == 1 ? "" : "s")
            << '\n';
  if (hosts.empty())
    return;
  TextTable table({"name", "where", "remote dir", "trainer", "jobs"});
  for (const Host& host : hosts) {
    table.add_row({host.name, describe(host), host.remote_dir.empty() ? "-" : host.remote_dir,
                   host.trainer, std::to_string(host.jobs)});
  }
  table.print(std::cout);
}

void run_remove(const std::string& name) {
  const fs::path file = default_hosts_file();
  std::vector<Host> hosts = read_hosts(file);
  const auto kept = std::remove_if(hosts.begin(), hosts.end(),
                                   [&](const Host& host) { return host.name == name; });
  if (kept == hosts.end())
    throw std::runtime_error("no host '" + name + "' in " + file.string() +
                             " (moescope hosts list)");
  hosts.erase(kept, hosts.end());
  write_hosts(file, hosts);
  std::cout << "removed host " << name << " from " << file.string() << '\n';
}

// Run on the host (or the Slurm login node): what `hosts check` reports, one fact per line. $1 the
// trainer, $2 the run folder (empty: none), $3 "slurm" for a cluster, $4 its partition. The
// folder is not created: its free space is that of its nearest existing parent.
constexpr const char* kCheckScript =
    "trainer=$1; dir=$2\n"
    "if found=$(command -v \"$trainer\" 2>/dev/null); then\n"
    "  echo \"trainer $found\"\n"
    "  \"$trainer\" --version 2>&1 | head -n 5 | sed 's/^/version /'\n"
    "else echo 'trainer-missing'; fi\n"
    "if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -L 2>&1 | sed 's/^/gpu /'\n"
    "else echo 'gpu-none'; fi\n"
    "if [ -n \"$dir\" ]; then\n"
    "  probe=$dir\n"
    "  while [ ! -d \"$probe\" ] && [ \"$probe\" != . ] && [ \"$probe\" != / ]; do\n"
    "    probe=$(dirname -- \"$probe\")\n"
    "  done\n"
    "  df -Pk -- \"$probe\" 2>/dev/null | awk 'NR == 2 { print \"disk \" $4 }'\n"
    "fi\n"
    "for tool in setsid flock; do\n"
    "  command -v \"$tool\" >/dev/null 2>&1 || echo \"missing-tool $tool\"\n"
    "done\n"
    "if [ \"$3\" = slurm ]; then\n"
    "  command -v sbatch >/dev/null 2>&1 || echo 'missing-tool sbatch'\n"
    "  if [ -n \"$4\" ]; then sinfo -h -p \"$4\" -o %a/%t 2>&1 | sed 's/^/partition /'\n"
    "  else sinfo -h -o %a/%t 2>&1 | sed 's/^/partition /'; fi\n"
    "fi\n";

std::string free_space(std::int64_t kib) {
  const double gib = static_cast<double>(kib) / (1024.0 * 1024.0);
  return gib >= 1 ? format_brief(gib) + " GiB" : std::to_string(kib / 1024) + " MiB";
}

// Connects, and prints what it found; returns false when the host cannot train runs.
bool run_check(const std::string& name) {
  const fs::path file = default_hosts_file();
  const std::optional<Host> host = find_host(read_hosts(file), name);
  if (!host)
    throw std::runtime_error("no host '" + name + "' in " + file.string() +
                             " (moescope hosts list)");
  std::cout << "host " << host->name << " (" << describe(*host) << ")\n";
  const bool slurm = host->kind == HostKind::kSlurm;
  const std::vector<std::string> words = {"sh",
                                          "-c",
                                          kCheckScript,
                                          "moescope-check",
                                          host->trainer,
                                          host->remote_dir,
                                          slurm ? "slurm" : "ssh",
                                          host->partition};
  const std::optional<SshTarget> over = slurm ? host->via : std::optional<SshTarget>(host->ssh);
  const CommandResult result =
      run_command(over ? ssh_argv(*over, default_control_dir(), words) : words, seconds(60));
  if (result.exit_code != 0) {
    std::cout << "  unreachable: "
              << (result.timed_out     ? "no answer within 60 s"
                  : result.err.empty() ? "ssh failed"
                                       : result.err);
    if (result.err.empty() || result.err.back() != '\n')
      std::cout << '\n';
    std::cout << "host " << host->name << " cannot be used\n";
    return false;
  }
  if (over)
    std::cout << "  connection: ok (keys, known host)\n";
  bool usable = true;
  bool partition_up = false;
  bool partition_seen = false;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (key == "trainer") {
      std::cout << "  trainer: " << value << '\n';
    } else if (key == "version") {
      std::cout << "    " << value << '\n';
    } else if (key == "trainer-missing") {
      // On a cluster the nodes run the trainer; the login node may lack it.
      std::cout << "  trainer: " << host->trainer << " not found"
                << (slurm ? " on the login node (the nodes may have it)" : "") << '\n';
      usable = usable && slurm;
    } else if (key == "gpu") {
      std::cout << "  gpu: " << value << '\n';
    } else if (key == "gpu-none") {
      std::cout << "  gpu: none (no nvidia-smi)\n";
    } else if (key == "disk") {
      std::cout << "  disk: " << free_space(std::stoll(value)) << " free under " << host->remote_dir
                << '\n';
    } else if (key == "missing-tool") {
      std::cout << "  missing: " << value << '\n';
      usable = false;
    } else if (key == "partition") {
      // AVAILABILITY/STATE per group of nodes, e.g. up/idle, up/down*, inact/idle.
      const std::string state = value.substr(value.find('/') + 1);
      const bool serves = value.rfind("up/", 0) == 0 && state.rfind("down", 0) != 0 &&
                          state.rfind("drain", 0) != 0 && state.rfind("fail", 0) != 0;
      partition_up = partition_up || serves;
      partition_seen = true;
      std::cout << "  partition " << (host->partition.empty() ? "(default)" : host->partition)
                << ": " << value << '\n';
    }
  }
  if (slurm && !partition_seen)
    std::cout << "  partition " << host->partition << ": not found by sinfo\n";
  else if (slurm && !partition_up)
    std::cout << "  partition: no node up to run jobs\n";
  usable = usable && (!slurm || partition_up);
  std::cout << "host " << host->name << (usable ? " is usable" : " cannot be used") << '\n';
  return usable;
}

void add_add_command(CLI::App& hosts) {
  auto args = std::make_shared<AddArguments>();
  CLI::App* command = hosts.add_subcommand(
      "add", "Register an SSH host (--ssh) or a Slurm cluster (--slurm) to train on");
  command->add_option("name", args->name, "The host's name: letters, digits, '.', '_', '-'")
      ->required();
  auto* ssh = command->add_option("--ssh", args->ssh, "[USER@]HOST[:PORT] of an SSH host");
  auto* slurm = command->add_flag("--slurm", args->slurm, "A Slurm cluster (sbatch)");
  ssh->excludes(slurm);
  auto* identity =
      command->add_option("--identity", args->identity, "The private key for --ssh (ssh -i)")
          ->check(CLI::ExistingFile);
  auto* known = command
                    ->add_option("--known-hosts", args->known_hosts,
                                 "known_hosts file holding the host's key; default ~/.ssh's")
                    ->check(CLI::ExistingFile);
  std::vector<CLI::Option*> slurm_options = {
      command->add_option("--partition", args->partition, "sbatch -p"),
      command->add_option("--account", args->account, "sbatch -A"),
      command->add_option("--gres", args->gres, "sbatch --gres, e.g. gpu:1"),
      command->add_option("--time", args->time, "sbatch -t, e.g. 04:00:00"),
      command->add_option("--via", args->via,
                          "[USER@]HOST[:PORT] of the login node, when this machine is not one")};
  for (CLI::Option* option : {identity, known})
    option->needs(ssh);
  for (CLI::Option* option : slurm_options)
    option->needs(slurm);
  command->add_option("--remote-dir", args->remote_dir,
                      std::string("Folder of the run directories there; default ") +
                          kDefaultSshRemoteDir +
                          " in the SSH host's home, for Slurm a filesystem shared with this one");
  command->add_option("--trainer", args->trainer, "moescope-train's path there")
      ->capture_default_str();
  command->add_option("--data-dir", args->data_dir, "The trainer's --data folder there");
  command->add_option("--jobs", args->jobs, "Runs at once there")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  command->callback([args] {
    if (args->ssh.empty() && !args->slurm)
      throw CLI::RequiredError("--ssh or --slurm");
    run_add(*args);
  });
}

}  // namespace

void add_hosts_command(CLI::App& app) {
  CLI::App* hosts = app.add_subcommand(
      "hosts", "Remote hosts to train on: SSH hosts and Slurm clusters (train launch --host)");
  hosts->require_subcommand(1);
  add_add_command(*hosts);

  auto json = std::make_shared<bool>(false);
  CLI::App* list = hosts->add_subcommand("list", "The registered hosts");
  list->add_flag("--json", *json, "Print JSON");
  list->callback([json] { run_list(*json); });

  auto remove_name = std::make_shared<std::string>();
  CLI::App* remove = hosts->add_subcommand("remove", "Forget a host");
  remove->add_option("name", *remove_name, "The host's name")->required();
  remove->callback([remove_name] { run_remove(*remove_name); });

  auto check_name = std::make_shared<std::string>();
  CLI::App* check = hosts->add_subcommand(
      "check", "Connect to a host: its trainer and version, GPU, free disk, Slurm partition");
  check->add_option("name", *check_name, "The host's name")->required();
  check->callback([check_name] {
    if (!run_check(*check_name))
      throw std::runtime_error("host " + *check_name + " is not usable");
  });
}

}  // namespace moescope::cli

// moescope hosts: the registry of remote hosts that `moescope train launch --host` trains on (SSH
// hosts and Slurm clusters): add, list, remove, and check one by connecting to it.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "moescope/launch/host_benchmark.h"
#include "moescope/launch/host_check.h"
#include "moescope/launch/hosts.h"
#include "number_options.h"
#include "text_table.h"
#include "train_commands.h"

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

// The name `hosts check --benchmark` and `train plan --host` give this machine; no registered host
// may take it.
constexpr const char* kLocalHost = "local";

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
  if (host.name == kLocalHost)
    throw CLI::ValidationError("host " + host.name,
                               "\"local\" names this machine (train plan --host local)");
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

struct CheckArguments {
  std::string name;
  bool benchmark = false;
  std::string trainer;   // local only: default moescope-train beside moescope
  std::string data_dir;  // local only
};

// Runs the trainer's benchmark on the host (or this machine) and saves the table where `train
// plan --host` finds it.
void run_benchmark(const CheckArguments& args, const std::optional<Host>& host) {
  std::cout << "benchmarking " << (host ? "host " + args.name : std::string("this machine"))
            << " (moescope-train --benchmark; minutes)\n"
            << std::flush;
  const ThroughputTable table =
      host
          ? benchmark_host(*host, default_control_dir())
          : benchmark_local(args.trainer.empty() ? own_executable().parent_path() / "moescope-train"
                                                 : fs::path(args.trainer),
                            args.data_dir);
  const fs::path file = throughput_table_file(args.name, default_hosts_file());
  write_throughput_table(file, table);
  std::cout << "throughput of " << table.rows.size() << " configuration"
            << (table.rows.size() == 1 ? "" : "s") << " on " << table.device << " saved to "
            << file.string() << "; `moescope train plan --host " << args.name
            << "` states wall times from it\n";
}

// Connects, and prints what it found; returns false when the host cannot train runs.
bool run_check(const std::string& name) {
  const fs::path file = default_hosts_file();
  const std::optional<Host> host = find_host(read_hosts(file), name);
  if (!host)
    throw std::runtime_error("no host '" + name + "' in " + file.string() +
                             " (moescope hosts list)");
  std::cout << "host " << host->name << " (" << describe(*host) << ")\n";
  const HostCheck check = check_host(*host, default_control_dir());
  if (!check.reachable) {
    std::cout << "  unreachable: " << check.unreachable_reason;
    if (check.unreachable_reason.empty() || check.unreachable_reason.back() != '\n')
      std::cout << '\n';
  }
  for (const std::string& fact : check.facts)
    std::cout << "  " << fact << '\n';
  std::cout << "host " << host->name << (check.usable ? " is usable" : " cannot be used") << '\n';
  return check.usable;
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

  auto check_args = std::make_shared<CheckArguments>();
  CLI::App* check = hosts->add_subcommand(
      "check",
      "Connect to a host: its trainer and version, GPU, free disk, Slurm partition; "
      "--benchmark measures its throughput for `train plan --host`");
  check
      ->add_option("name", check_args->name,
                   "The host's name; \"local\" is this machine (with --benchmark)")
      ->required();
  auto* benchmark = check->add_flag(
      "--benchmark", check_args->benchmark,
      "Then run `moescope-train --benchmark` there and save the throughput table beside the "
      "registry (throughput/NAME.json)");
  check
      ->add_option("--trainer", check_args->trainer,
                   "local: moescope-train's path; default beside moescope")
      ->needs(benchmark);
  check->add_option("--data-dir", check_args->data_dir, "local: the trainer's --data folder")
      ->needs(benchmark);
  check->callback([check_args] {
    const CheckArguments& args = *check_args;
    if (args.name == kLocalHost) {
      if (!args.benchmark)
        throw CLI::ValidationError("local", "this machine is checked with --benchmark only");
      return run_benchmark(args, std::nullopt);
    }
    if ((!args.trainer.empty() || !args.data_dir.empty()))
      throw CLI::ValidationError("--trainer/--data-dir",
                                 "for \"local\" only: a registered host has its own");
    if (!run_check(args.name))
      throw std::runtime_error("host " + args.name + " is not usable");
    if (args.benchmark)
      run_benchmark(args, find_host(read_hosts(default_hosts_file()), args.name));
  });
}

}  // namespace moescope::cli

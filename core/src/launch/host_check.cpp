#include "moescope/launch/host_check.h"

#include <sstream>
#include <string>

#include "moescope/io/number_format.h"
#include "moescope/launch/remote_command.h"

namespace moescope {
namespace {

// Run on the host (or the Slurm login node), one fact per line. $1 the
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

}  // namespace

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

HostCheck check_host(const Host& host, const std::filesystem::path& control_dir,
                     std::chrono::seconds timeout) {
  if (const std::vector<std::string> problems = host.validate(); !problems.empty())
    throw HostError("host " + host.name + ": " + problems.front());
  HostCheck check;
  const bool slurm = host.kind == HostKind::kSlurm;
  const std::vector<std::string> words = {"sh",
                                          "-c",
                                          kCheckScript,
                                          "moescope-check",
                                          host.trainer,
                                          host.remote_dir,
                                          slurm ? "slurm" : "ssh",
                                          host.partition};
  const std::optional<SshTarget> over = slurm ? host.via : std::optional<SshTarget>(host.ssh);
  const CommandResult result =
      run_command(over ? ssh_argv(*over, control_dir, words) : words, timeout);
  if (result.exit_code != 0) {
    check.unreachable_reason = result.timed_out
                                   ? "no answer within " + std::to_string(timeout.count()) + " s"
                                   : (result.err.empty() ? std::string("ssh failed") : result.err);
    return check;
  }
  check.reachable = true;
  if (over)
    check.facts.push_back("connection: ok (keys, known host)");
  bool usable = true;
  bool partition_up = false;
  bool partition_seen = false;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (key == "trainer") {
      check.facts.push_back("trainer: " + value);
    } else if (key == "version") {
      if (check.trainer_version.empty())
        check.trainer_version = value;
      check.facts.push_back("  " + value);
    } else if (key == "trainer-missing") {
      // On a cluster the nodes run the trainer; the login node may lack it.
      check.facts.push_back("trainer: " + host.trainer + " not found" +
                            (slurm ? " on the login node (the nodes may have it)" : ""));
      usable = usable && slurm;
    } else if (key == "gpu") {
      check.facts.push_back("gpu: " + value);
    } else if (key == "gpu-none") {
      check.facts.push_back("gpu: none (no nvidia-smi)");
    } else if (key == "disk") {
      check.facts.push_back("disk: " + free_space(std::stoll(value)) + " free under " +
                            host.remote_dir);
    } else if (key == "missing-tool") {
      check.facts.push_back("missing: " + value);
      usable = false;
    } else if (key == "partition") {
      // AVAILABILITY/STATE per group of nodes, e.g. up/idle, up/down*, inact/idle.
      const std::string state = value.substr(value.find('/') + 1);
      const bool serves = value.rfind("up/", 0) == 0 && state.rfind("down", 0) != 0 &&
                          state.rfind("drain", 0) != 0 && state.rfind("fail", 0) != 0;
      partition_up = partition_up || serves;
      partition_seen = true;
      check.facts.push_back("partition " +
                            (host.partition.empty() ? std::string("(default)") : host.partition) +
                            ": " + value);
    }
  }
  if (slurm && !partition_seen)
    check.facts.push_back("partition " + host.partition + ": not found by sinfo");
  else if (slurm && !partition_up)
    check.facts.push_back("partition: no node up to run jobs");
  check.usable = usable && (!slurm || partition_up);
  return check;
}

}  // namespace moescope

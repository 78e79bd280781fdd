#include "moescope/launch/host_benchmark.h"

#include <optional>
#include <vector>

#include "moescope/io/diagnostic.h"
#include "moescope/launch/remote_command.h"

namespace moescope {
namespace {

// Runs the trainer's benchmark into a temporary file and prints the file, so that the table
// returns over the same stream as any output; the trainer's own words go to standard error.
// $1 the trainer, $2 its data folder or "".
constexpr const char* kBenchmarkScript = R"sh(
table=$(mktemp) || exit 1
if [ -n "$2" ]; then "$1" --benchmark --out "$table" --data "$2" >&2
else "$1" --benchmark --out "$table" >&2; fi
status=$?
[ "$status" -eq 0 ] && cat "$table"
rm -f "$table"
exit "$status"
)sh";

std::vector<std::string> script_words(const std::string& trainer, const std::string& data_dir) {
  return {"sh", "-c", kBenchmarkScript, "moescope-benchmark", trainer, data_dir};
}

// The last lines of what the trainer said, for a message.
std::string tail(const std::string& text) {
  constexpr std::size_t kKept = 2000;
  return text.size() <= kKept ? text : "..." + text.substr(text.size() - kKept);
}

ThroughputTable table_from(const CommandResult& result, const std::string& where,
                           std::chrono::seconds timeout) {
  if (!result.started || result.timed_out || result.exit_code != 0) {
    throw HostError("the benchmark on " + where +
                    (result.timed_out
                         ? " ran past " + std::to_string(timeout.count()) + " s"
                         : " failed (exit status " + std::to_string(result.exit_code) + ")") +
                    (result.err.empty() ? std::string() : ":\n" + tail(result.err)));
  }
  try {
    return parse_throughput_table(result.out, "the benchmark output of " + where);
  } catch (const InputError& error) {
    throw HostError(error.what());
  }
}

}  // namespace

ThroughputTable benchmark_host(const Host& host, const std::filesystem::path& control_dir,
                               std::chrono::seconds timeout) {
  if (const std::vector<std::string> problems = host.validate(); !problems.empty())
    throw HostError("host " + host.name + ": " + problems.front());
  std::vector<std::string> words = script_words(host.trainer, host.data_dir);
  std::optional<SshTarget> over = host.ssh;
  if (host.kind == HostKind::kSlurm) {
    std::vector<std::string> srun = {"srun", "--ntasks=1"};
    for (const auto& [option, value] : {std::pair{"--partition=", host.partition},
                                        {"--account=", host.account},
                                        {"--gres=", host.gres},
                                        {"--time=", host.time}}) {
      if (!value.empty())
        srun.push_back(option + value);
    }
    words.insert(words.begin(), srun.begin(), srun.end());
    over = host.via;
  }
  const CommandResult result =
      run_command(over ? ssh_argv(*over, control_dir, words) : words, timeout);
  return table_from(result, "host " + host.name, timeout);
}

ThroughputTable benchmark_local(const std::filesystem::path& trainer, const std::string& data_dir,
                                std::chrono::seconds timeout) {
  return table_from(run_command(script_words(trainer.string(), data_dir), timeout), "this machine",
                    timeout);
}

}  // namespace moescope

// moescope-train: trains one run of the embedded trainer (training/README.md). Exit status 0 when
// the run has finished, 1 when it is refused or fails (the message names the spec key or the
// file), 2 for bad usage.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/model/accounting.h"
#include "moescope/trainer/throughput_table.h"
#include "moescope/training/corpus.h"
#include "moescope/training/distributed.h"
#include "moescope/training/rank_launcher.h"
#include "moescope/training/run_directory.h"
#include "moescope/training/throughput_benchmark.h"
#include "moescope/training/trainer.h"
#include "moescope/version.h"

namespace {

using namespace moescope;
using namespace moescope::training;

constexpr const char* kUsage =
    "usage: moescope-train --spec RUN.json --out DIR [--data DIR] [--corpus-root DIR]\n"
    "                      [--peak-flops X]\n"
    "       moescope-train --spec RUN.json --check [--corpus-root DIR]\n"
    "       moescope-train --benchmark [--out FILE] [--models LIST] [--steps N]\n"
    "                      [--device DEV] [--peak-flops X] [--profile DIR]\n"
    "       moescope-train --version\n"
    "\n"
    "  --spec FILE         the run's spec (keys: training/README.md)\n"
    "  --out DIR           the run directory: metrics.jsonl, checkpoint.pt, result.json,\n"
    "                      run.json; started again with the same spec, the run resumes from\n"
    "                      its checkpoint; a spec of several ranks (ranks or gpus) starts one\n"
    "                      process per rank, each logging to DIR/rank-N.log\n"
    "  --data DIR          corpus token cache (default $MOESCOPE_DATA_DIR, else\n"
    "                      $XDG_CACHE_HOME/moescope, else ~/.cache/moescope)\n"
    "  --corpus-root DIR   a spec's corpus file may lie anywhere in DIR (default: the spec's\n"
    "                      folder only)\n"
    "  --peak-flops X      FLOP/s to report MFU against on CUDA, instead of the measured bf16\n"
    "                      peak\n"
    "  --check             check the spec, device and memory, print the plan as JSON, and exit\n"
    "  --benchmark         measure this machine's training throughput on the small models a\n"
    "                      grid is made of (or --models d128-L2-H2-E8-K1-c512-b64-m64,...),\n"
    "                      --steps N timed steps each (default 20) on --device (default cuda);\n"
    "                      --out FILE writes the table `moescope train plan` estimates wall\n"
    "                      times from; --profile DIR writes a Kineto trace of 5 steps per model\n"
    "  --version           print the version and the LibTorch and CUDA it was built with\n";

struct Arguments {
  std::string spec;
  std::string out;
  std::string data;
  std::string corpus_root;
  std::optional<double> peak_flops;
  bool check = false;
  bool benchmark = false;
  std::vector<std::string> models;
  int steps = 20;
  std::string device = "cuda";
  std::string profile;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    items.push_back(text.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return items;
}

// Empty when the command line is unusable; the caller prints the usage.
std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--check" || flag == "--benchmark") {
      (flag == "--check" ? arguments.check : arguments.benchmark) = true;
      continue;
    }
    if (i + 1 >= argc)
      return std::nullopt;
    const std::string value = argv[++i];
    if (flag == "--spec") {
      arguments.spec = value;
    } else if (flag == "--out") {
      arguments.out = value;
    } else if (flag == "--data") {
      arguments.data = value;
    } else if (flag == "--corpus-root") {
      arguments.corpus_root = value;
    } else if (flag == "--models") {
      arguments.models = split_list(value);
    } else if (flag == "--steps") {
      char* end = nullptr;
      const long steps = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || steps < 1 || steps > 100000)
        return std::nullopt;
      arguments.steps = static_cast<int>(steps);
    } else if (flag == "--device") {
      arguments.device = value;
    } else if (flag == "--profile") {
      arguments.profile = value;
    } else if (flag == "--peak-flops") {
      char* end = nullptr;
      arguments.peak_flops = std::strtod(value.c_str(), &end);
      if (*end != '\0' || !(*arguments.peak_flops > 0))
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (arguments.benchmark)
    return arguments.check || !arguments.spec.empty() ? std::nullopt : std::optional(arguments);
  if (arguments.spec.empty() || (arguments.out.empty() && !arguments.check))
    return std::nullopt;
  return arguments;
}

void print_plan(const TrainSpec& spec, const Placement& placement) {
  const moescope::ParameterCount count = moescope::count_parameters(spec.architecture);
  const nlohmann::json plan = {
      {"N", count.total},
      {"N_active", count.active},
      {"S", moescope::sparsity(spec.architecture)},
      {"steps", spec.steps},
      {"tokens", spec.trained_tokens()},
      {"flops", moescope::flops_per_token_eq9(spec.architecture) * spec.trained_tokens()},
      {"device", placement.device},
      {"precision", placement.precision},
      {"fused_attention", placement.fused_attention},
      {"memory_bytes", placement.memory.total()},
      {"available_bytes", placement.available_memory},
  };
  std::cout << plan.dump(2) << '\n';
}

// A run of several ranks on this node, started here: the launcher holds the run directory (its
// lock, and the spec checked against a restart's) and starts the ranks, which find their places in
// the environment it gives them. Runs over several nodes are started by srun (the Slurm executor).
int launch_ranks(const TrainSpec& spec, const std::filesystem::path& out, int argc, char** argv) {
  if (spec.nodes > 1) {
    throw SpecError({{"nodes", "nodes=" + std::to_string(spec.nodes) +
                                   ": a run over several nodes is started by srun (moescope "
                                   "train's Slurm executor), which gives each rank its place"}});
  }
  const std::string canonical_spec = to_json(spec);
  if (RunDirectory::finished_run(out, canonical_spec)) {
    std::cerr << "moescope-train: " << RunDirectory::result_file_in(out).string()
              << " exists: the run has finished\n";
    return 0;
  }
  place_run(spec);  // refuses a device or memory problem before any rank starts
  const RunDirectory directory(out);
  directory.claim(canonical_spec);
  return launch_local_ranks(std::vector<std::string>(argv + 1, argv + argc), spec.world_size(),
                            out);
}

int run_benchmark(const Arguments& arguments) {
  BenchmarkOptions options;
  if (!arguments.models.empty()) {
    options.models.clear();
    for (const std::string& label : arguments.models) {
      const std::optional<BenchmarkModel> model = parse_benchmark_model(label);
      if (!model) {
        std::cerr << "moescope-train: --models: \"" << label
                  << "\" is not a valid model label (e.g. d128-L2-H2-E8-K1-c512-b64-m64)\n";
        return 2;
      }
      options.models.push_back(*model);
    }
  }
  options.timed_steps = arguments.steps;
  options.device = arguments.device;
  options.peak_flops = arguments.peak_flops;
  if (!arguments.profile.empty())
    options.profile_folder = arguments.profile;
  options.log = &std::cerr;
  const ThroughputTable table = run_throughput_benchmark(options);
  std::cout << "| model | tokens/s | FLOP/s (Eq. 9) | MFU (6 N_a) |\n|---|---|---|---|\n";
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const ThroughputRow& row = table.rows[i];
    char line[160];
    std::snprintf(line, sizeof line, "| %s | %.0f | %.3g | %.1f %% |\n",
                  options.models[i].label().c_str(), row.tokens_per_s, row.flops_per_s,
                  100 * row.mfu);
    std::cout << line;
  }
  std::cout << "device " << table.device << ", measured peak " << table.peak_flops << " FLOP/s\n";
  if (!arguments.out.empty())
    write_throughput_table(arguments.out, table);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    // Two lines: the version (what `moescope hosts check` compares), then the build.
    std::cout << "moescope-train " << kVersion << '\n' << build_description() << '\n';
    return 0;
  }
  const std::optional<Arguments> arguments = parse_arguments(argc, argv);
  if (!arguments) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    if (arguments->benchmark)
      return run_benchmark(*arguments);
    const TrainSpec spec = read_train_spec(arguments->spec, arguments->corpus_root);
    if (arguments->check) {
      print_plan(spec, place_run(spec));
      return 0;
    }
    if (spec.world_size() > 1 && !rank_place_from_environment(spec.world_size()))
      return launch_ranks(spec, arguments->out, argc, argv);
    TrainOptions options;
    options.out = arguments->out;
    options.data_folder =
        arguments->data.empty() ? default_data_folder() : std::filesystem::path(arguments->data);
    options.peak_flops = arguments->peak_flops;
    train(spec, options);
  } catch (const SpecError& error) {
    std::cerr << "moescope-train: " << arguments->spec << ": refused:\n" << describe(error) << '\n';
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "moescope-train: " << error.what() << '\n';
    return 1;
  }
  return 0;
}

// moescope-train: trains one run of the embedded trainer (training/README.md). Exit status 0 when
// the run has finished, 1 when it is refused or fails (the message names the spec key or the
// file), 2 for bad usage.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "moescope/model/accounting.h"
#include "moescope/training/corpus.h"
#include "moescope/training/trainer.h"
#include "moescope/version.h"

namespace {

using namespace moescope;
using namespace moescope::training;

constexpr const char* kUsage =
    "usage: moescope-train --spec RUN.json --out DIR [--data DIR] [--corpus-root DIR]\n"
    "                      [--peak-flops X]\n"
    "       moescope-train --spec RUN.json --check [--corpus-root DIR]\n"
    "       moescope-train --version\n"
    "\n"
    "  --spec FILE       the run's spec (keys: training/README.md)\n"
    "  --out DIR         the run directory: metrics.jsonl, checkpoint.pt, result.json, run.json;\n"
    "                    started again with the same spec, the run resumes from its checkpoint\n"
    "  --data DIR        corpus token cache (default $MOESCOPE_DATA_DIR, else\n"
    "                    $XDG_CACHE_HOME/moescope, else ~/.cache/moescope)\n"
    "  --corpus-root DIR a spec's corpus file may lie anywhere in DIR (default: the spec's\n"
    "                    folder only)\n"
    "  --peak-flops X    FLOP/s to report MFU against on CUDA, instead of the measured bf16 peak\n"
    "  --check           check the spec, device and memory, print the plan as JSON, and exit\n";

struct Arguments {
  std::string spec;
  std::string out;
  std::string data;
  std::string corpus_root;
  std::optional<double> peak_flops;
  bool check = false;
};

// Empty when the command line is unusable; the caller prints the usage.
std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--check") {
      arguments.check = true;
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
    } else if (flag == "--peak-flops") {
      char* end = nullptr;
      arguments.peak_flops = std::strtod(value.c_str(), &end);
      if (*end != '\0' || !(*arguments.peak_flops > 0))
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
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
    const TrainSpec spec = read_train_spec(arguments->spec, arguments->corpus_root);
    if (arguments->check) {
      print_plan(spec, place_run(spec));
      return 0;
    }
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

// moescope synth: writes the synthetic IsoFLOP grid drawn from the paper's Table 3 law.
#include <iostream>
#include <limits>

#include "commands.h"
#include "moescope/io/run_table.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "number_options.h"

namespace moescope::cli {
namespace {

struct SynthArguments {
  std::string out;
  SyntheticGridOptions options;
};

void run_synth(const SynthArguments& args) {
  const std::vector<Run> runs = generate_synthetic_grid(args.options);
  write_runs(args.out, runs);
  std::cout << "wrote " << runs.size() << " synthetic runs (Table 3 law, noise sigma "
            << args.options.noise_sigma << ", seed " << args.options.seed << ") to " << args.out
            << '\n';
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto args = std::make_shared<SynthArguments>();
  CLI::App* command = app.add_subcommand(
      "synth", "Generate a synthetic IsoFLOP grid from the paper's Eq. 6 law (Table 3)");
  command->add_option("--out", args->out, "Output file, .csv or .json")->required();
  command->add_option("--budgets", args->options.budgets, "Compute budgets C in FLOPs")
      ->delimiter(',')
      ->check(finite_number({kMinSyntheticBudget, std::numeric_limits<double>::infinity()}))
      ->capture_default_str();
  command->add_option("--sparsities", args->options.sparsities, "Sparsities S")
      ->delimiter(',')
      ->check(finite_number(kFraction))
      ->capture_default_str();
  command->add_option("--sizes", args->options.sizes_per_curve, "Models per IsoFLOP curve")
      ->check(whole_number(3, kMaxSyntheticSizesPerCurve))
      ->capture_default_str();
  command
      ->add_option("--span", args->options.size_span, "Each curve spans N_a*/span .. N_a* x span")
      ->check(finite_number({1, kMaxSyntheticSizeSpan, true, false}))
      ->capture_default_str();
  command->add_option("--noise", args->options.noise_sigma, "Relative noise on the loss")
      ->check(finite_number({0, kMaxSyntheticNoise, false, true}))
      ->capture_default_str();
  command->add_option("--seed", args->options.seed, "Seed of the noise")
      ->check(seed_number())
      ->capture_default_str();
  command->callback([args] { run_synth(*args); });
}

}  // namespace moescope::cli

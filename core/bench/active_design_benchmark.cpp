// Active design (`moescope train plan --next K`) against a fixed grid, in simulation. Losses come
// from a known law, Eq. 6 with Table 3's coefficients except lambda = 0.5 (Table 3's lambda < 0
// makes the loss at a fixed N fall all the way to the sparsest level at these small sizes, so S*
// would have no interval to shrink), times exp(sigma z) with sigma = 0.005. Each seed starts from
// a coarse IsoFLOP grid at C = 1e16 (S = 0.5, 0.75, 0.875 x N near 4e6, 8e6, 1.6e7, 3.2e7: 12
// runs of the planner's family), then adds K runs either chosen by propose_next_runs or spread
// evenly in ln N over the grid's range at each sparsity (round robin over the sparsities, the way
// a user would extend the grid), draws their losses, refits, and records the width of the 95 %
// bootstrap interval of S* at N_ref = 1.2e7. The surfaces have fixed degrees (2, 2, 1), since
// 12 points allow the degree search only 3 coefficients, and 100 replicates.
//
// Prints a markdown table: runs added x strategy -> mean and median width over the seeds, and the
// time per proposal. Exits 1 when active design is not narrower on average at every K > 0.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "moescope/model/sparsity_law.h"
#include "moescope/numerics/numpy_legacy_normal.h"
#include "moescope/plan/active_design.h"
#include "moescope/plan/design_simulation.h"

namespace {

using namespace moescope;

using namespace design_simulation;

constexpr int kSeeds = 32;
constexpr int kRound = 5;

double width(const std::vector<Run>& runs) {
  return s_star_width(runs);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (const double value : values)
    sum += value;
  return sum / static_cast<double>(values.size());
}

// Per count of added runs, over the seeds: the widths after each strategy, and the width the
// one-shot design expected.
struct Widths {
  std::vector<std::vector<double>> active, rounds, fixed, expected;
  std::vector<double> seconds_per_proposal;
};

// Proposes `count` runs to add to `runs` and draws their losses.
std::vector<Run> add_designed(std::vector<Run> runs, int count, double size_margin,
                              double size_tolerance, numerics::NumpyLegacyNormal& noise,
                              ActiveDesign* design_out = nullptr) {
  ActiveDesignOptions options;
  options.budgets = {kBudget};
  options.proposals = count;
  options.reference_size = kReferenceSize;
  options.size_margin = size_margin;
  options.size_tolerance = size_tolerance;
  options.surface = surface();
  options.planner = planner();
  const ActiveDesign design = propose_next_runs(runs, options);
  for (const DesignProposal& proposal : design.proposals)
    runs.push_back(draw(proposal.run, noise));
  if (design_out)
    *design_out = design;
  return runs;
}

Widths simulate(const std::vector<int>& added, double size_margin, double size_tolerance) {
  Widths widths;
  for (auto* rows : {&widths.active, &widths.rounds, &widths.fixed, &widths.expected})
    rows->resize(added.size());
  widths.seconds_per_proposal.assign(added.size(), 0);
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::vector<Run> grid = coarse_grid(static_cast<std::uint32_t>(1000 + seed));
    for (std::size_t k = 0; k < added.size(); ++k) {
      const int count = added[k];
      if (count == 0) {
        widths.fixed[k].push_back(width(grid));
        continue;
      }
      // Each strategy's new runs draw the same noise stream.
      const auto noise = [seed] {
        return numerics::NumpyLegacyNormal(static_cast<std::uint32_t>(5000 + seed));
      };
      numerics::NumpyLegacyNormal active_noise = noise(), rounds_noise = noise(),
                                  fixed_noise = noise();
      ActiveDesign design;
      const auto start = std::chrono::steady_clock::now();
      const std::vector<Run> with_active =
          add_designed(grid, count, size_margin, size_tolerance, active_noise, &design);
      const auto stop = std::chrono::steady_clock::now();
      widths.seconds_per_proposal[k] +=
          std::chrono::duration<double>(stop - start).count() / count / kSeeds;
      widths.active[k].push_back(width(with_active));
      widths.expected[k].push_back(design.components.front().expected_width);
      // In rounds of kRound, each proposed from the runs of the rounds before, as a user who
      // trains a few runs and asks again would.
      std::vector<Run> with_rounds = grid;
      for (int done = 0; done < count; done += kRound)
        with_rounds = add_designed(with_rounds, std::min(kRound, count - done), size_margin,
                                   size_tolerance, rounds_noise);
      widths.rounds[k].push_back(width(with_rounds));
      std::vector<Run> with_fixed = grid;
      for (const PlannedRun& run : fixed_grid(count, grid))
        with_fixed.push_back(draw(run, fixed_noise));
      widths.fixed[k].push_back(width(with_fixed));
    }
  }
  return widths;
}

// The table; true when active design, in one go, is narrower on average at every count of added
// runs.
bool print_table(const std::vector<int>& added, const Widths& widths) {
  std::printf(
      "| runs added | strategy | mean width | median width | expected by the design | "
      "time per proposal |\n");
  std::printf("|---:|---|---:|---:|---:|---:|\n");
  bool narrower = true;
  for (std::size_t k = 0; k < added.size(); ++k) {
    const std::string runs =
        std::to_string(added[k]) + " (" + std::to_string(12 + added[k]) + " runs)";
    const std::vector<double>& fixed = widths.fixed[k];
    if (added[k] == 0) {
      std::printf("| %s | coarse grid | %.4f | %.4f | | |\n", runs.c_str(), mean(fixed),
                  median(fixed));
      continue;
    }
    const std::vector<double>& active = widths.active[k];
    std::printf("| %s | active | %.4f | %.4f | %.4f | %.2f ms |\n", runs.c_str(), mean(active),
                median(active), mean(widths.expected[k]), 1e3 * widths.seconds_per_proposal[k]);
    if (added[k] > kRound)
      std::printf("| %s | active, rounds of %d | %.4f | %.4f | | |\n", runs.c_str(), kRound,
                  mean(widths.rounds[k]), median(widths.rounds[k]));
    std::printf("| %s | fixed grid | %.4f | %.4f | | |\n", runs.c_str(), mean(fixed),
                median(fixed));
    narrower = narrower && mean(active) < mean(fixed);
  }
  return narrower;
}

}  // namespace

int main() {
  const std::vector<int> added = {0, 5, 10, 20};
  const ActiveDesignOptions defaults;
  std::printf(
      "Width of the 95 %% bootstrap interval of S* at C=%g, N_ref=%g, over %d seeds; "
      "default size margin %g and size tolerance %g\n\n",
      kBudget, kReferenceSize, kSeeds, defaults.size_margin, defaults.size_tolerance);
  const bool narrower =
      print_table(added, simulate(added, defaults.size_margin, defaults.size_tolerance));
  // Why not a margin of 2 or GapOptions' tolerance of 0.25: the same seeds with each.
  for (const auto& [margin, tolerance] :
       {std::pair{2.0, defaults.size_tolerance}, std::pair{defaults.size_margin, 0.25}}) {
    std::printf("\nSize margin %g, size tolerance %g\n\n", margin, tolerance);
    print_table(added, simulate(added, margin, tolerance));
  }
  return narrower ? 0 : 1;
}

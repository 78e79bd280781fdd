#include "moescope/plan/design_simulation.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "moescope/fit/isoflop_surface.h"

namespace moescope::design_simulation {

const std::vector<double>& grid_sparsities() {
  static const std::vector<double> sparsities = {0.5, 0.75, 0.875};
  return sparsities;
}

const std::vector<double>& grid_sizes() {
  static const std::vector<double> sizes = {4e6, 8e6, 1.6e7, 3.2e7};
  return sizes;
}

SparsityLaw generating_law() {
  SparsityLaw law = SparsityLaw::table3();
  law.lambda = 0.5;
  return law;
}

PlannerOptions planner() {
  PlannerOptions options;
  options.head_size = 32;
  options.relative_tolerance = 0.3;
  return options;
}

SurfaceFitOptions surface() {
  SurfaceFitOptions options;
  options.degrees = SurfaceDegrees{2, 2, 1};
  return options;
}

Run draw(const PlannedRun& planned, numerics::NumpyLegacyNormal& normal) {
  Run run;
  run.total_params = planned.total_params;
  run.active_params = planned.active_params;
  run.sparsity = planned.cell.sparsity;
  run.compute = planned.cell.compute;
  run.tokens = planned.tokens;
  run.loss = generating_law().loss(planned.total_params, planned.tokens, planned.cell.sparsity) *
             std::exp(kNoise * normal());
  return run;
}

std::vector<Run> coarse_grid(std::uint32_t seed) {
  numerics::NumpyLegacyNormal normal(seed);
  std::vector<Run> runs;
  for (const double sparsity : grid_sparsities()) {
    for (const double size : grid_sizes())
      runs.push_back(draw(plan_run({kBudget, size, sparsity}, planner()), normal));
  }
  return runs;
}

std::vector<PlannedRun> fixed_grid(int count, const std::vector<Run>& grid) {
  const std::vector<double>& sparsities = grid_sparsities();
  const double lo = std::log(grid_sizes().front());
  const double hi = std::log(grid_sizes().back());
  const int levels = static_cast<int>(sparsities.size());
  std::vector<PlannedRun> runs;
  for (int s = 0; s < levels; ++s) {
    const double sparsity = sparsities[static_cast<std::size_t>(s)];
    std::vector<PlannedRun> shapes =
        family_runs(kBudget, sparsity, std::exp(lo) / 2, std::exp(hi) * 2, planner());
    std::erase_if(shapes, [&](const PlannedRun& shape) {
      return std::any_of(grid.begin(), grid.end(), [&](const Run& run) {
        return *run.sparsity == sparsity && *run.total_params == shape.total_params;
      });
    });
    const int share = count / levels + (s < count % levels ? 1 : 0);
    for (int i = 0; i < share && !shapes.empty(); ++i) {
      const double target = lo + (hi - lo) * (i + 0.5) / share;
      const auto nearest = std::min_element(shapes.begin(), shapes.end(),
                                            [&](const PlannedRun& a, const PlannedRun& b) {
                                              return std::abs(std::log(a.total_params) - target) <
                                                     std::abs(std::log(b.total_params) - target);
                                            });
      runs.push_back(*nearest);
      shapes.erase(nearest);
    }
  }
  return runs;
}

double s_star_width(const std::vector<Run>& runs) {
  const SurfaceFit fit =
      fit_isoflop_surface(surface_points(runs, SizeAxis::kTotal).points, surface());
  const std::optional<Interval> interval = optimal_sparsity(fit, kReferenceSize).sparsity_interval;
  return interval ? interval->hi - interval->lo : std::nan("");
}

}  // namespace moescope::design_simulation

#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "moescope/fit/budget_binning.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/synthetic/synthetic_grid.h"

// Points for the IsoFLOP fitters' tests: the default synthetic grid by budget, and exact parabolas.
namespace moescope::testing_support {

// The sparsity levels of the default synthetic grid.
inline const std::vector<double> kGridSparsities = {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98};

// The default synthetic grid, with losses of log-normal noise `noise_sigma`, grouped by budget.
inline std::vector<BudgetGroup> synthetic_budgets(double noise_sigma) {
  SyntheticGridOptions options;
  options.noise_sigma = noise_sigma;
  const SurfaceData data = surface_points(generate_synthetic_grid(options));
  return group_by_budget(data.points);
}

inline std::vector<SurfacePoint> synthetic_budget_points(double noise_sigma,
                                                         std::size_t budget_index) {
  return synthetic_budgets(noise_sigma)[budget_index].points;
}

// Dense points at `budget` with L = curvature (ln N - vertex)^2 + floor.
inline std::vector<SurfacePoint> parabola_points(const std::vector<double>& log_sizes,
                                                 double curvature, double vertex, double floor,
                                                 double budget = 1e20) {
  std::vector<SurfacePoint> points;
  for (const double x : log_sizes) {
    const double size = std::exp(x);
    points.push_back(
        {size, size, 0.0, curvature * (x - vertex) * (x - vertex) + floor, budget, points.size()});
  }
  return points;
}

}  // namespace moescope::testing_support

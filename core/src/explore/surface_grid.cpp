#include "moescope/explore/surface_grid.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "explorer_cache.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_optimum.h"

namespace moescope {
namespace {

// An IsoFLOP sweep trains sizes this factor either side of the optimum (as the default data does).
constexpr double kSweepSpan = 8.0;

// The sizes worth showing at this budget: from the smallest to the largest compute-optimal size
// across sparsity, widened by kSweepSpan, and wide enough for the runs shown with it. The whole
// data range would stretch the loss axis over models no sweep at this budget would train.
SizeRange budget_range(const ExplorerData& data, const ExplorerCache& cache,
                       const ExplorerState& state, const ActiveParameterModel& model,
                       bool total_axis) {
  SizeRange range = total_axis ? cache.total_range : cache.active_range;
  try {
    const LawSizeOptimum dense = optimal_size(data.law.abnar, state.budget, 0.0, model);
    const LawSizeOptimum sparse =
        optimal_size(data.law.abnar, state.budget, state.max_sparsity, model);
    const double first = total_axis ? dense.total_params : sparse.active_params;
    const double second = total_axis ? sparse.total_params : dense.active_params;
    range = {std::min(first, second) / kSweepSpan, std::max(first, second) * kSweepSpan};
  } catch (const FitRefused&) {
    return range;  // no optimum at this budget: show what the data spans
  }
  if (const std::optional<double> budget = nearest_data_budget(cache, state.budget)) {
    for (const Run& run : data.runs) {
      const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
      if (!run_at_budget(run, *budget) || !size)
        continue;
      range.lo = std::min(range.lo, *size);
      range.hi = std::max(range.hi, *size);
    }
  }
  return range;
}

}  // namespace

SurfaceGrid build_surface_grid(const ExplorerData& data, const ExplorerCache& cache,
                               const ExplorerState& state, SizeAxis axis, int size_steps,
                               int sparsity_steps) {
  if (size_steps < 2 || sparsity_steps < 2)
    throw std::invalid_argument("a surface grid needs at least 2 steps along each axis");
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  const SparsityLaw& law = data.law.abnar;
  const bool total_axis = axis == SizeAxis::kTotal;
  const SizeRange range = budget_range(data, cache, state, model, total_axis);
  const std::vector<double> sizes = log_axis(range.lo, range.hi, size_steps);
  SurfaceGrid grid;
  grid.axis = axis;
  grid.y = sparsity_axis(state.max_sparsity, sparsity_steps);
  for (const double size : sizes)
    grid.x.push_back(std::log10(size));
  grid.z.reserve(sizes.size() * grid.y.size());
  for (const double sparsity : grid.y) {
    for (const double size : sizes) {
      // At fixed N_a the tokens are fixed too; only N moves with S.
      const double total = total_axis ? size : model.total(size, sparsity);
      const double active = total_axis ? model.active(size, sparsity) : size;
      grid.z.push_back(law.loss(total, state.budget / (6.0 * active), sparsity));
    }
  }
  const auto [lowest, highest] = std::minmax_element(grid.z.begin(), grid.z.end());
  grid.z_min = *lowest;
  grid.z_max = *highest;

  // The ridge is S*(N) at fixed N (Eq. 4). On the total axis each column of the grid is the loss
  // at one N across sparsity, which brackets S*. On the active axis the same curve is drawn where
  // it lies, at N_a(N, S*): the N grid is the active range mapped to N at the dense end, which the
  // ridge's N_a then spans, and each N gets a column of its own.
  if (total_axis) {
    std::vector<double> column(grid.y.size());
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      for (std::size_t j = 0; j < grid.y.size(); ++j)
        column[j] = grid.loss_at(i, j);
      const LawSparsityOptimum best =
          refine_optimal_sparsity(law, state.budget, sizes[i], model, grid.y, column);
      grid.ridge.push_back({grid.x[i], best.sparsity, best.loss});
    }
  } else {
    const std::vector<double> totals =
        log_axis(model.total(range.lo, 0.0),
                 model.total(range.hi, 0.0) / (1.0 - state.max_sparsity), size_steps);
    for (const double total : totals) {
      const LawSparsityOptimum best =
          refine_optimal_sparsity(law, state.budget, total, model, grid.y,
                                  losses_over_sparsity(law, state.budget, total, grid.y, model));
      if (best.active_params < range.lo || best.active_params > range.hi)
        continue;
      grid.ridge.push_back({std::log10(best.active_params), best.sparsity, best.loss});
    }
  }

  if (const std::optional<double> budget = nearest_data_budget(cache, state.budget)) {
    for (std::size_t i = 0; i < data.runs.size(); ++i) {
      const Run& run = data.runs[i];
      const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
      if (!run_at_budget(run, *budget) || !size || !run.sparsity)
        continue;
      grid.runs.push_back({std::log10(*size), *run.sparsity, *run.loss, i});
    }
  }
  return grid;
}

SurfaceGrid surface_grid(const ExplorerData& data, const ExplorerState& state, SizeAxis axis,
                         int size_steps, int sparsity_steps) {
  return build_surface_grid(data, make_cache(data), state, axis, size_steps, sparsity_steps);
}

}  // namespace moescope

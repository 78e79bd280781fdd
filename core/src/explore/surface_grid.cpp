#include "moescope/explore/surface_grid.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "explorer_cache.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/io/number_format.h"

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
    const LawSizeOptimum dense = optimal_size(*cache.law, state.budget, 0.0, model);
    const LawSizeOptimum sparse = optimal_size(*cache.law, state.budget, state.max_sparsity, model);
    const double first = total_axis ? dense.total_params : sparse.active_params;
    const double second = total_axis ? sparse.total_params : dense.active_params;
    range = {std::min(first, second) / kSweepSpan, std::max(first, second) * kSweepSpan};
  } catch (const FitRefused&) {
    return range;  // no optimum at this budget: show what the data spans
  }
  if (const std::optional<double> budget = nearest_data_budget(cache, data.binning, state.budget)) {
    for (const Run& run : data.runs) {
      const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
      if (!run_at_budget(data, run, *budget) || !size)
        continue;
      range.lo = std::min(range.lo, *size);
      range.hi = std::max(range.hi, *size);
    }
  }
  return range;
}

// The law's loss at each node of (sizes on `axis`, sparsities), at `budget`, row by row; on the
// active axis N follows from N_a and S through the model family.
std::vector<double> law_losses(const SparsityLaw& law, double budget, bool total_axis,
                               const std::vector<double>& sizes,
                               const std::vector<double>& sparsities,
                               const ActiveParameterModel& model) {
  std::vector<double> z;
  z.reserve(sizes.size() * sparsities.size());
  for (const double sparsity : sparsities) {
    for (const double size : sizes) {
      // At fixed N_a the tokens are fixed too; only N moves with S.
      const double total = total_axis ? size : model.total(size, sparsity);
      const double active = total_axis ? model.active(size, sparsity) : size;
      z.push_back(law.loss(total, budget / (6.0 * active), sparsity));
    }
  }
  return z;
}

// The law's optimum ridge S*(N) at `budget` over the grid's sizes; `z` is the law's loss at the
// grid's nodes. On the total axis each column of the grid is the loss at one N across sparsity,
// which brackets S*. On the active axis the same curve is drawn where it lies, at N_a(N, S*): the
// N grid is the active range mapped to N at the dense end, which the ridge's N_a then spans, and
// each N gets a column of its own.
std::vector<SurfaceGrid::RidgePoint> law_ridge(const SparsityLaw& law, double budget,
                                               bool total_axis, const std::vector<double>& sizes,
                                               const std::vector<double>& sparsities,
                                               const std::vector<double>& z, double max_sparsity,
                                               const ActiveParameterModel& model) {
  std::vector<SurfaceGrid::RidgePoint> ridge;
  if (total_axis) {
    std::vector<double> column(sparsities.size());
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      for (std::size_t j = 0; j < sparsities.size(); ++j)
        column[j] = z[j * sizes.size() + i];
      const LawSparsityOptimum best =
          refine_optimal_sparsity(law, budget, sizes[i], model, sparsities, column);
      ridge.push_back({std::log10(sizes[i]), best.sparsity, best.loss});
    }
    return ridge;
  }
  const double lo = sizes.front(), hi = sizes.back();
  const std::vector<double> totals =
      log_axis(model.total(lo, 0.0), model.total(hi, 0.0) / (1.0 - max_sparsity),
               static_cast<int>(sizes.size()));
  for (const double total : totals) {
    const LawSparsityOptimum best =
        refine_optimal_sparsity(law, budget, total, model, sparsities,
                                losses_over_sparsity(law, budget, total, sparsities, model));
    if (best.active_params < lo || best.active_params > hi)
      continue;
    ridge.push_back({std::log10(best.active_params), best.sparsity, best.loss});
  }
  return ridge;
}

void set_range(const std::vector<double>& z, double& z_min, double& z_max) {
  const auto [lowest, highest] = std::minmax_element(z.begin(), z.end());
  z_min = *lowest;
  z_max = *highest;
}

// The runs of `data_budget` on `axis`, for picking; without a budget, the runs
// without C.
std::vector<SurfaceGrid::RunPoint> runs_at(const ExplorerData& data,
                                           std::optional<double> data_budget, bool total_axis) {
  std::vector<SurfaceGrid::RunPoint> runs;
  for (std::size_t i = 0; i < data.runs.size(); ++i) {
    const Run& run = data.runs[i];
    const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
    const bool of_budget = data_budget ? run_at_budget(data, run, *data_budget)
                                       : run.status == RunStatus::kDone && !run.compute && run.loss;
    if (!of_budget || !size || !run.sparsity)
      continue;
    runs.push_back({std::log10(*size), *run.sparsity, *run.loss, i});
  }
  return runs;
}

// The Eq. 8 surface of data.surfaces[index] over its data's range: sizes from the smallest to the
// largest of its runs (on the fit's axis), sparsities from 0 to the largest of its runs, the
// state's max_sparsity if lower. Not extrapolated: the fit says nothing beyond its runs.
SurfaceGrid isoflop_surface_grid(const ExplorerData& data, const ExplorerCache& cache,
                                 std::size_t index, const ExplorerState& state, SizeAxis asked_axis,
                                 int size_steps, int sparsity_steps) {
  const SurfaceFit& fit = data.surfaces[index];
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  const bool total_axis = fit.axis == SizeAxis::kTotal;
  const double top_sparsity = std::min(fit.sparsity_max, state.max_sparsity);

  SurfaceGrid grid;
  grid.source = SurfaceSource::kIsoflopSurface;
  grid.surface_index = index;
  grid.budget = fit.budget.value_or(state.budget);
  grid.axis = fit.axis;
  grid.label = "Eq. 8 IsoFLOP surface " +
               (fit.budget ? "at C = " + format_brief(*fit.budget)
                           : std::string("of the runs without C (one token count)")) +
               ", fitted to " + std::to_string(fit.points) + " runs";
  if (fit.single_sparsity_level()) {
    grid.message = "This budget's runs have one sparsity level, " +
                   sparsity_label(fit.sparsity_min) +
                   ": its Eq. 8 surface is loss against size alone, with nothing to show along "
                   "the sparsity axis. Loss against size is in 2b.";
    grid.runs = runs_at(data, fit.budget, total_axis);
    return grid;
  }
  if (asked_axis != fit.axis)
    grid.label +=
        total_axis ? ", over N (the fit's size axis)" : ", over N_a (the fit's size axis)";
  const std::vector<double> sizes =
      log_axis(std::exp(fit.log_size_min), std::exp(fit.log_size_max), size_steps);
  grid.y = sparsity_axis(top_sparsity, sparsity_steps);
  for (const double size : sizes)
    grid.x.push_back(std::log10(size));
  grid.z.reserve(sizes.size() * grid.y.size());
  for (const double sparsity : grid.y) {
    for (const double size : sizes)
      grid.z.push_back(fit.loss(size, sparsity));
  }
  set_range(grid.z, grid.z_min, grid.z_max);

  // S*(size) as the surface's own read-out finds it, over the same sparsities as the grid. The
  // replicates' intervals are not drawn; a fit without them is searched the same way, in a
  // hundredth of the time.
  SurfaceFit searched;
  searched.axis = fit.axis;
  searched.polynomial = fit.polynomial;
  searched.log_size_min = fit.log_size_min;
  searched.log_size_max = fit.log_size_max;
  searched.sparsity_max = top_sparsity;
  searched.budget = fit.budget;
  if (top_sparsity > 0) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const SparsityOptimum best = optimal_sparsity(searched, sizes[i]);
      grid.ridge.push_back({grid.x[i], best.sparsity, best.loss});
    }
  }

  grid.runs = runs_at(data, fit.budget, total_axis);
  // The law's surface over the same nodes, where the law is Eq. 6 (a law of Chinchilla's form
  // says nothing of sparsity, and none is drawn without a budget: the law needs D).
  if (!law_over_sparsity(data) || !fit.budget)
    return grid;
  const double budget = *fit.budget;
  SurfaceGrid::Layer law;
  law.label = "Eq. 6 law at C = " + format_brief(budget);
  law.z = law_losses(*cache.law, budget, total_axis, sizes, grid.y, model);
  set_range(law.z, law.z_min, law.z_max);
  if (top_sparsity > 0) {
    law.ridge =
        law_ridge(*cache.law, budget, total_axis, sizes, grid.y, law.z, top_sparsity, model);
  }
  grid.law_overlay = std::move(law);
  return grid;
}

SurfaceGrid law_grid(const ExplorerData& data, const ExplorerCache& cache,
                     const ExplorerState& state, SizeAxis axis, int size_steps,
                     int sparsity_steps) {
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  const bool total_axis = axis == SizeAxis::kTotal;
  SurfaceGrid grid;
  grid.source = SurfaceSource::kLaw;
  grid.budget = state.budget;
  grid.axis = axis;
  grid.label = "No surface at " + budget_label(state.budget);
  if (!law_over_sparsity(data)) {
    grid.message =
        (data.law ? "The law is " + law_name(data) + ", which says nothing of other sparsities"
                  : "No law (" + data.law_refused + ")") +
        ", and no Eq. 8 surface was fitted at " + budget_label(state.budget) +
        ". The surfaces are drawn at the data's budgets.";
    if (const std::optional<double> budget = nearest_data_budget(cache, data.binning, state.budget))
      grid.runs = runs_at(data, *budget, total_axis);
    return grid;
  }
  const SparsityLaw& law = *cache.law;
  const SizeRange range = budget_range(data, cache, state, model, total_axis);
  const std::vector<double> sizes = log_axis(range.lo, range.hi, size_steps);
  grid.y = sparsity_axis(state.max_sparsity, sparsity_steps);
  for (const double size : sizes)
    grid.x.push_back(std::log10(size));
  grid.z = law_losses(law, state.budget, total_axis, sizes, grid.y, model);
  set_range(grid.z, grid.z_min, grid.z_max);
  grid.ridge =
      law_ridge(law, state.budget, total_axis, sizes, grid.y, grid.z, state.max_sparsity, model);

  grid.label = "Eq. 6 law at C = " + format_brief(state.budget);
  if (const std::optional<double> budget = nearest_data_budget(cache, data.binning, state.budget)) {
    grid.runs = runs_at(data, *budget, total_axis);
    grid.label += ", no Eq. 8 surface fitted at this budget";
  } else {
    grid.label += ", no runs at this budget";
  }
  grid.label += budget_extrapolation_note(data, state.budget);
  return grid;
}

}  // namespace

SurfaceGrid build_surface_grid(const ExplorerData& data, ExplorerCache& cache,
                               const ExplorerState& state, SizeAxis axis, int size_steps,
                               int sparsity_steps) {
  if (size_steps < 2 || sparsity_steps < 2)
    throw std::invalid_argument("a surface grid needs at least 2 steps along each axis");
  if (one_sparsity_level(cache)) {
    SurfaceGrid grid;
    grid.budget = state.budget;
    grid.axis = axis;
    grid.label = "No 3-D surface";
    grid.message = one_level_message(
        cache,
        "the 3-D view's sparsity axis has nothing to show, and no sparsity is recommended. Loss "
        "against size per budget is in 2b, the compute-optimal size against the budget in "
        "'N* vs C' and 'D* vs C'.");
    return grid;
  }
  const std::optional<std::size_t> surface = surface_at_budget(data, state.budget);
  if (!surface)
    return law_grid(data, cache, state, axis, size_steps, sparsity_steps);
  // Within a fitted budget the surface is the same at every step of the slider.
  const ExplorerCache::SurfaceGridKey key{*surface, axis, size_steps, sparsity_steps,
                                          state.max_sparsity};
  auto found = cache.surface_grids.find(key);
  if (found == cache.surface_grids.end()) {
    found = cache.surface_grids
                .emplace(key, isoflop_surface_grid(data, cache, *surface, state, axis, size_steps,
                                                   sparsity_steps))
                .first;
  }
  return found->second;
}

SurfaceGrid surface_grid(const ExplorerData& data, const ExplorerState& state, SizeAxis axis,
                         int size_steps, int sparsity_steps) {
  ExplorerCache cache = make_cache(data);
  return build_surface_grid(data, cache, state, axis, size_steps, sparsity_steps);
}

}  // namespace moescope

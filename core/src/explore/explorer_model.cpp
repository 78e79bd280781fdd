#include "moescope/explore/explorer_model.h"

#include <algorithm>
#include <cmath>

#include "explorer_cache.h"
#include "moescope/fit/isoflop_surface.h"

namespace moescope {
namespace {

constexpr double kBudgetTolerance = 0.02;  // group_by_budget's default
constexpr double kSparsityTolerance = 1e-6;

bool within_tolerance(double value, double reference) {
  return std::abs(value / reference - 1.0) <= kBudgetTolerance;
}

}  // namespace

ExplorerCache make_cache(const ExplorerData& data) {
  ExplorerCache cache;
  const SurfaceData points = surface_points(data.runs);
  for (const BudgetGroup& group : group_by_budget(points.points, kBudgetTolerance)) {
    if (group.budget)
      cache.data_budgets.push_back(*group.budget);
  }
  std::vector<double> sparsities;
  double total_lo = INFINITY, total_hi = 0, active_lo = INFINITY, active_hi = 0;
  for (const SurfacePoint& point : points.points) {
    sparsities.push_back(point.sparsity);
    total_lo = std::min(total_lo, point.total_params);
    total_hi = std::max(total_hi, point.total_params);
    active_lo = std::min(active_lo, point.active_params);
    active_hi = std::max(active_hi, point.active_params);
  }
  std::sort(sparsities.begin(), sparsities.end());
  for (const double sparsity : sparsities) {
    if (cache.data_sparsities.empty() ||
        sparsity - cache.data_sparsities.back() > kSparsityTolerance)
      cache.data_sparsities.push_back(sparsity);
  }
  if (total_hi > total_lo) {
    cache.total_range = {total_lo, total_hi};
    cache.active_range = {active_lo, active_hi};
  }
  for (const FittedLaw& replicate : data.replicates)
    cache.replicates.push_back(replicate.abnar);
  return cache;
}

std::optional<double> nearest_data_budget(const ExplorerCache& cache, double budget) {
  std::optional<double> nearest;
  for (const double candidate : cache.data_budgets) {
    if (within_tolerance(budget, candidate) &&
        (!nearest ||
         std::abs(std::log(candidate / budget)) < std::abs(std::log(*nearest / budget))))
      nearest = candidate;
  }
  return nearest;
}

bool run_at_budget(const Run& run, double data_budget) {
  return run.status == RunStatus::kDone && run.compute && run.loss &&
         within_tolerance(*run.compute, data_budget);
}

ExplorerModel::ExplorerModel(const ExplorerData& data)
    : data_(&data), cache_(std::make_unique<ExplorerCache>(make_cache(data))) {}
ExplorerModel::~ExplorerModel() = default;
ExplorerModel::ExplorerModel(ExplorerModel&&) noexcept = default;
ExplorerModel& ExplorerModel::operator=(ExplorerModel&&) noexcept = default;

const std::vector<double>& ExplorerModel::data_budgets() const {
  return cache_->data_budgets;
}

ReadOut ExplorerModel::read_out(const ExplorerState& state) const {
  return moescope::read_out(*data_, state);
}

Figure ExplorerModel::figure(FigureId id, const ExplorerState& state) const {
  return build_figure(id, *data_, *cache_, state);
}

SurfaceGrid ExplorerModel::surface_grid(const ExplorerState& state, SizeAxis axis, int size_steps,
                                        int sparsity_steps) const {
  return build_surface_grid(*data_, *cache_, state, axis, size_steps, sparsity_steps);
}

}  // namespace moescope

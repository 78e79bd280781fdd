// surface_points() and group_by_budget() of isoflop_surface.h: the input side of the IsoFLOP
// fitters, shared by the surfaces and the 2-D curves.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fit/median.h"
#include "fit/run_requirements.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/number_format.h"

namespace moescope {

SurfaceData surface_points(const std::vector<Run>& runs) {
  SurfaceData data;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const std::string missing = missing_for_fit(run, BudgetNeed::kNone);
    if (!missing.empty()) {
      data.left_out.push_back(left_out_line(run, missing));
      continue;
    }
    data.points.push_back(
        {*run.total_params, *run.active_params, *run.sparsity, *run.loss, run.compute, i});
  }
  return data;
}

std::vector<BudgetGroup> group_by_budget(const std::vector<SurfacePoint>& points,
                                         double tolerance) {
  if (!(tolerance >= 0 && std::isfinite(tolerance)))
    throw std::invalid_argument("group_by_budget: tolerance must be finite and >= 0");
  std::vector<SurfacePoint> with_budget;
  BudgetGroup without_budget;
  for (const SurfacePoint& point : points) {
    if (!point.compute) {
      without_budget.points.push_back(point);
      continue;
    }
    if (!(std::isfinite(*point.compute) && *point.compute > 0)) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "point of run #" + std::to_string(point.run_index) +
                           ": C = " + format_number(*point.compute) + " is not a budget");
    }
    with_budget.push_back(point);
  }
  std::stable_sort(
      with_budget.begin(), with_budget.end(),
      [](const SurfacePoint& x, const SurfacePoint& y) { return *x.compute < *y.compute; });
  std::vector<BudgetGroup> groups;
  double group_start = 0;
  for (const SurfacePoint& point : with_budget) {
    if (groups.empty() || *point.compute > group_start * (1.0 + tolerance)) {
      groups.emplace_back();
      group_start = *point.compute;
    }
    groups.back().points.push_back(point);
  }
  for (BudgetGroup& group : groups) {
    std::vector<double> budgets;
    for (const SurfacePoint& point : group.points)
      budgets.push_back(*point.compute);
    group.budget = median(std::move(budgets));
  }
  if (!without_budget.points.empty())
    groups.push_back(std::move(without_budget));
  return groups;
}

}  // namespace moescope

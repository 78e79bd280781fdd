// surface_points() and group_by_budget() of isoflop_surface.h: the input side of the IsoFLOP
// fitters, shared by the surfaces and the 2-D curves.

#include <cmath>

#include "fit/run_requirements.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/io/number_format.h"

namespace moescope {

SurfaceData surface_points(const std::vector<Run>& runs, SizeAxis axis) {
  SurfaceData data;
  const ActiveParamsNeed active =
      axis == SizeAxis::kActive ? ActiveParamsNeed::kRequired : ActiveParamsNeed::kOptional;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    std::string missing = missing_for_fit(run, BudgetNeed::kNone, active);
    if (!missing.empty()) {
      // Say why N_a is wanted: data from routed-LM papers give N and S only, and the N axis
      // would take them.
      if (missing == "no N_active")
        missing += " (the N_active axis needs it; the N axis does not)";
      data.left_out.push_back(left_out_line(run, missing));
      continue;
    }
    data.points.push_back({*run.total_params, run.active_params.value_or(std::nan("")),
                           *run.sparsity, *run.loss, run.compute, i});
  }
  std::vector<std::size_t> used;
  for (const SurfacePoint& point : data.points)
    used.push_back(point.run_index);
  data.loss_unit = one_loss_unit(runs, used);
  return data;
}

std::vector<BudgetGroup> group_by_budget(const std::vector<SurfacePoint>& points,
                                         const BudgetBinning& binning) {
  const std::vector<std::string> problems = binning.validate();
  if (!problems.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, problems.front());
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
  std::vector<double> compute;
  for (const SurfacePoint& point : with_budget)
    compute.push_back(*point.compute);
  std::vector<BudgetGroup> groups;
  for (const BudgetBin& bin : bin_budgets(compute, binning)) {
    BudgetGroup group;
    group.budget = bin.budget;
    for (const std::size_t member : bin.members)
      group.points.push_back(with_budget[member]);
    groups.push_back(std::move(group));
  }
  if (!without_budget.points.empty())
    groups.push_back(std::move(without_budget));
  return groups;
}

}  // namespace moescope

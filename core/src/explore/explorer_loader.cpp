#include "moescope/explore/explorer_loader.h"

#include "moescope/fit/fit_refused.h"
#include "moescope/number_format.h"

namespace moescope {

ExplorerLoadOptions ExplorerLoadOptions::quick() {
  ExplorerLoadOptions options;
  options.law.grid_override = {
      {"log_a", {0, 10}},      {"log_b", {0, 10}},      {"log_c", {0, 10}},
      {"log_d", {0, 10}},      {"alpha", {0.25, 0.75}}, {"beta", {0.25, 0.75}},
      {"gamma", {0.25, 0.75}}, {"lambda", {-0.5, 0.5}}, {"delta", {-0.5, 0.5}}};
  options.law.bootstrap = 20;
  return options;
}

ExplorerLoad load_explorer_data(std::vector<Run> runs, const ExplorerLoadOptions& options,
                                const FitControl& control) {
  ExplorerLoad load;
  RunLawFit fitted =
      fit_law_to_runs(runs, RunFilter::parse(options.holdout_rule), options.law, control);
  load.notes = fitted.data.left_out;
  load.data.law = fitted.summary.law;
  load.data.replicates = std::move(fitted.summary.replicates);
  load.data.holdout = std::move(fitted.holdout);
  for (const BudgetGroup& group : group_by_budget(surface_points(runs).points)) {
    try {
      load.data.surfaces.push_back(fit_isoflop_surface(group.points, options.surface));
    } catch (const FitRefused& refused) {
      load.notes.push_back(
          "no surface at C=" + (group.budget ? format_number(*group.budget) : std::string("none")) +
          ": " + refused.what());
    }
  }
  load.data.runs = std::move(runs);
  return load;
}

}  // namespace moescope

#include "moescope/fit/scaling_points.h"

#include "fit/run_requirements.h"

namespace moescope {

ScalingData scaling_points(const std::vector<Run>& runs) {
  ScalingData data;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const std::string missing = missing_for_fit(run, BudgetNeed::kTokensAndCompute);
    if (!missing.empty()) {
      data.left_out.push_back(left_out_line(run, missing));
      continue;
    }
    data.points.push_back({*run.total_params, *run.active_params, *run.tokens, *run.sparsity,
                           *run.compute, *run.loss, i});
  }
  std::vector<std::size_t> used;
  for (const ScalingPoint& point : data.points)
    used.push_back(point.run_index);
  data.loss_unit = one_loss_unit(runs, used);
  return data;
}

}  // namespace moescope

#include "moescope/fit/scaling_points.h"

#include <cmath>

namespace moescope {
namespace {

// The first quantity a run lacks, or empty when it has them all.
std::string missing_quantity(const Run& run) {
  if (run.status != RunStatus::kDone)
    return std::string("status is ") + std::string(to_string(run.status));
  if (!run.loss)
    return "no loss";
  if (!run.total_params)
    return "no N";
  if (!run.active_params)
    return "no N_active";
  if (!run.tokens)
    return "no D";
  if (!run.sparsity)
    return "no S";
  if (!run.compute)
    return "no C";
  return {};
}

}  // namespace

ScalingData scaling_points(const std::vector<Run>& runs) {
  ScalingData data;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const std::string missing = missing_quantity(run);
    if (!missing.empty()) {
      data.left_out.push_back("run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")") +
                              ": " + missing);
      continue;
    }
    data.points.push_back({*run.total_params, *run.active_params, *run.tokens, *run.sparsity,
                           *run.compute, *run.loss, i});
  }
  return data;
}

}  // namespace moescope

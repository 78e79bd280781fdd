#include "moescope/fit/law_fit_runs.h"

namespace moescope {

RunLawFit fit_law_to_runs(const std::vector<Run>& runs, const RunFilter& holdout,
                          const LawFitOptions& options, const FitControl& control) {
  RunLawFit result;
  result.data = scaling_points(runs);
  for (const ScalingPoint& point : result.data.points) {
    result.holdout.push_back(holdout.matches(runs[point.run_index]));
  }
  result.summary = fit_law(result.data.points, result.holdout, options, control);
  return result;
}

}  // namespace moescope

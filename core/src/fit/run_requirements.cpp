#include "fit/run_requirements.h"

namespace moescope {

std::string missing_for_fit(const Run& run, BudgetNeed need, ActiveParamsNeed active) {
  if (run.status != RunStatus::kDone)
    return "status is " + std::string(to_string(run.status));
  if (!run.loss)
    return "no loss";
  if (!run.total_params)
    return "no N";
  if (!run.active_params && active == ActiveParamsNeed::kRequired)
    return "no N_active";
  if (!run.sparsity)
    return "no S";
  if (need == BudgetNeed::kTokensAndCompute) {
    if (!run.tokens)
      return "no D";
    if (!run.compute)
      return "no C";
  }
  return {};
}

std::string left_out_line(const Run& run, const std::string& reason) {
  return "run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")") + ": " + reason;
}

}  // namespace moescope

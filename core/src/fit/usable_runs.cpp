#include "moescope/fit/usable_runs.h"

#include <algorithm>

#include "fit/run_requirements.h"

namespace moescope {
namespace {

std::string missing(const Run& run, FitInput input) {
  switch (input) {
    case FitInput::kLaw:
      return missing_for_fit(run, BudgetNeed::kTokensAndCompute, ActiveParamsNeed::kRequired);
    case FitInput::kCurves:
    case FitInput::kSurfaceOnNa:
      return missing_for_fit(run, BudgetNeed::kNone, ActiveParamsNeed::kRequired);
    case FitInput::kSurfaceOnN:
      break;
  }
  return missing_for_fit(run, BudgetNeed::kNone, ActiveParamsNeed::kOptional);
}

}  // namespace

LossUnit fitted_loss_unit(const std::vector<Run>& runs) {
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (missing(runs[i], FitInput::kSurfaceOnN).empty())
      usable.push_back(i);
  }
  return one_loss_unit(runs, usable);
}

std::vector<LeftOutReason> left_out_reasons(const std::vector<Run>& runs, FitInput input) {
  std::vector<LeftOutReason> reasons;
  for (const Run& run : runs) {
    const std::string reason = missing(run, input);
    if (reason.empty())
      continue;
    const auto found = std::find_if(reasons.begin(), reasons.end(),
                                    [&](const LeftOutReason& r) { return r.reason == reason; });
    if (found == reasons.end())
      reasons.push_back({reason, 1});
    else
      ++found->runs;
  }
  std::stable_sort(reasons.begin(), reasons.end(),
                   [](const LeftOutReason& x, const LeftOutReason& y) { return x.runs > y.runs; });
  return reasons;
}

std::string no_usable_runs_message(const std::vector<Run>& runs, FitInput input) {
  if (runs.empty())
    return "no runs";
  const std::vector<LeftOutReason> reasons = left_out_reasons(runs, input);
  std::size_t left_out = 0;
  for (const LeftOutReason& reason : reasons)
    left_out += reason.runs;
  if (left_out < runs.size())
    return {};
  std::string message =
      runs.size() == 1 ? "the one run cannot be fitted: "
                       : "none of the " + std::to_string(runs.size()) + " runs can be fitted: ";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    // "no loss" -> "245 have no loss"; "status is planned" -> "3 have status planned".
    std::string reason = reasons[i].reason;
    if (reason.starts_with("status is "))
      reason = "status " + reason.substr(10);
    message += (i == 0 ? "" : ", ") + std::to_string(reasons[i].runs) +
               (reasons[i].runs == 1 ? " has " : " have ") + reason;
  }
  return message;
}

}  // namespace moescope

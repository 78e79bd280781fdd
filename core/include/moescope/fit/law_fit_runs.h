#pragma once

#include <string>
#include <vector>

#include "moescope/fit/law_fit.h"
#include "moescope/run.h"
#include "moescope/run_filter.h"

namespace moescope {

// The paper's hold-out rule (Appendix E), the default of every command and view that fits Eq. 6.
inline constexpr const char* kDefaultHoldoutRule = "S==0.98";

// A law fitted to runs rather than to points: which runs could be used, which were held out, and
// the fit. `moescope fit law`, `moescope optimum` and the explorer all fit through this, so the
// same runs and options give them the same law.
struct RunLawFit {
  ScalingData data;           // the points fitted or held out, and the runs left out with reasons
  std::vector<bool> holdout;  // per data.points entry, true = matched the hold-out rule
  LawFitSummary summary;
};

// Throws FitRefused as fit_law() does.
RunLawFit fit_law_to_runs(const std::vector<Run>& runs, const RunFilter& holdout,
                          const LawFitOptions& options, const FitControl& control = {});

}  // namespace moescope

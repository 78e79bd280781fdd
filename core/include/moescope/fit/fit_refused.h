#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace moescope {

// Why a fit gave no answer. A fit that cannot be trusted refuses; it never returns garbage.
enum class RefusalReason {
  kTooFewPoints,       // fewer points than the model has parameters (or than k-fold needs)
  kNonFiniteData,      // NaN or infinite input, or a non-positive value where a log is taken
  kSingularDesign,     // the design matrix is rank-deficient (e.g. one sparsity level only)
  kNotIdentified,      // the data cannot tell the model's parameters apart (e.g. one N, one loss)
  kNoInteriorMinimum,  // the fitted curve has its minimum at or beyond the data's edge
  kNoConvergence,      // no start of the optimiser converged
  kCancelled,          // the caller cancelled it
  kInvalidOptions,     // an Options field failed its validity check
  kMixedLossUnits,     // the runs' losses are in more than one unit (loss_units.h converts)
};

std::string_view to_string(RefusalReason reason);

class FitRefused : public std::runtime_error {
 public:
  FitRefused(RefusalReason reason, const std::string& detail)
      : std::runtime_error(std::string(to_string(reason)) + ": " + detail), reason_(reason) {}
  RefusalReason reason() const { return reason_; }

 private:
  RefusalReason reason_;
};

}  // namespace moescope

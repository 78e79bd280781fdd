#include "moescope/fit/fit_refused.h"

namespace moescope {

std::string_view to_string(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kTooFewPoints:
      return "too few points";
    case RefusalReason::kNonFiniteData:
      return "non-finite data";
    case RefusalReason::kSingularDesign:
      return "singular design";
    case RefusalReason::kNotIdentified:
      return "not identified";
    case RefusalReason::kNoInteriorMinimum:
      return "no interior minimum";
    case RefusalReason::kNoConvergence:
      return "no convergence";
    case RefusalReason::kCancelled:
      return "cancelled";
    case RefusalReason::kInvalidOptions:
      return "invalid options";
    case RefusalReason::kMixedLossUnits:
      return "mixed loss units";
  }
  return "refused";
}

}  // namespace moescope

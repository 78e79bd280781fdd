#pragma once

#include <cmath>

namespace moescope {

// The paper's sparsity variable Sh = -ln(1 - S) (Appendix B), and back. log1p and expm1 keep
// digits at small S, where 1 - S rounds.
inline double log_sparsity(double sparsity) {
  return -std::log1p(-sparsity);
}
inline double sparsity_from_log(double log_sparsity) {
  return -std::expm1(-log_sparsity);
}

}  // namespace moescope

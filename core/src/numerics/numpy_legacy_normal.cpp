#include "moescope/numerics/numpy_legacy_normal.h"

#include <cmath>

namespace moescope::numerics {

double NumpyLegacyNormal::uniform() {
  const std::uint32_t high = static_cast<std::uint32_t>(bits_()) >> 5;  // 27 bits
  const std::uint32_t low = static_cast<std::uint32_t>(bits_()) >> 6;   // 26 bits
  return (static_cast<double>(high) * 67108864.0 + static_cast<double>(low)) / 9007199254740992.0;
}

double NumpyLegacyNormal::operator()() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double x1 = 0, x2 = 0, r2 = 0;
  do {
    x1 = 2.0 * uniform() - 1.0;
    x2 = 2.0 * uniform() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double scale = std::sqrt(-2.0 * std::log(r2) / r2);
  spare_ = scale * x1;
  has_spare_ = true;
  return scale * x2;
}

}  // namespace moescope::numerics

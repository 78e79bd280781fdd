#pragma once

#include <limits>
#include <string>

namespace moescope {

// Finite numbers between two bounds; an infinite bound is no bound. What a numeric option of the
// command line and a number field of a file (FIT.json) accept, described in their refusals.
struct NumberRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool open_low = false;  // low itself is outside
  bool open_high = false;

  bool contains(double value) const;  // false for NaN and infinities
  // "a finite number > 0", "a finite number in [0, 1)".
  std::string description() const;
};

inline constexpr NumberRange kPositive{0, std::numeric_limits<double>::infinity(), true, false};
inline constexpr NumberRange kNonNegative{0, std::numeric_limits<double>::infinity()};
inline constexpr NumberRange kFraction{0, 1, false, true};  // [0, 1): sparsities, warm-up

}  // namespace moescope

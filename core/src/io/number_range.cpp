#include "moescope/io/number_range.h"

#include <cmath>

#include "moescope/io/number_format.h"

namespace moescope {

bool NumberRange::contains(double value) const {
  return std::isfinite(value) && (open_low ? value > low : value >= low) &&
         (open_high ? value < high : value <= high);
}

std::string NumberRange::description() const {
  const bool has_low = std::isfinite(low);
  const bool has_high = std::isfinite(high);
  std::string text = "a finite number";
  if (has_low && has_high) {
    return text + " in " + (open_low ? "(" : "[") + format_number(low) + ", " +
           format_number(high) + (open_high ? ")" : "]");
  }
  if (has_low)
    return text + (open_low ? " > " : " >= ") + format_number(low);
  if (has_high)
    return text + (open_high ? " < " : " <= ") + format_number(high);
  return text;
}

}  // namespace moescope

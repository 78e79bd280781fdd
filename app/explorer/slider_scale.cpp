#include "slider_scale.h"

#include <algorithm>
#include <cmath>

namespace moescope::explorer {

double LogSliderScale::valueAt(int position) const {
  return lowest * std::pow(highest / lowest, static_cast<double>(position) / steps);
}

int LogSliderScale::positionOf(double value) const {
  const double fraction = std::log(value / lowest) / std::log(highest / lowest);
  return std::clamp(static_cast<int>(std::lround(fraction * steps)), 0, steps);
}

}  // namespace moescope::explorer

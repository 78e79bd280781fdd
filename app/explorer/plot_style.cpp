#include "plot_style.h"

#include <cmath>

namespace moescope::explorer::plot_style {

QColor toQColor(const Rgb& rgb, double alpha) {
  return QColor::fromRgbF(static_cast<float>(rgb.r), static_cast<float>(rgb.g),
                          static_cast<float>(rgb.b), static_cast<float>(alpha));
}

Rgb rampColour(const ColourRamp& ramp, double position) {
  const double scaled = std::clamp(position, 0.0, 1.0) * static_cast<double>(ramp.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(scaled));
  const std::size_t above = std::min(below + 1, ramp.size() - 1);
  const double fraction = scaled - static_cast<double>(below);
  const Rgb& from = ramp[below];
  const Rgb& to = ramp[above];
  return {from.r + fraction * (to.r - from.r), from.g + fraction * (to.g - from.g),
          from.b + fraction * (to.b - from.b)};
}

double niceStep(double rough, StepRounding rounding) {
  const double decade = std::pow(10.0, std::floor(std::log10(rough)));
  if (rounding == StepRounding::kUp) {
    for (const double multiple : {1.0, 2.0, 5.0}) {
      if (multiple * decade >= rough * (1.0 - 1e-9))
        return multiple * decade;
    }
    return 10.0 * decade;
  }
  double best = decade;
  for (const double multiple : {2.0, 5.0, 10.0}) {
    if (std::fabs(std::log(multiple * decade / rough)) < std::fabs(std::log(best / rough)))
      best = multiple * decade;
  }
  return best;
}

std::vector<double> ticksWithin(double lo, double hi, double step) {
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  for (double multiple = first; multiple <= last + 0.5; multiple += 1.0) {
    const double value = multiple * step;
    ticks.push_back(value == 0.0 ? 0.0 : value);
  }
  return ticks;
}

Range widenedToTicks(const Range& range, double step) {
  Range widened;
  widened.lo = std::floor(range.lo / step + 1e-9) * step;
  widened.hi = std::ceil(range.hi / step - 1e-9) * step;
  return widened;
}

}  // namespace moescope::explorer::plot_style

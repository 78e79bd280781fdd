#pragma once

#include <cmath>
#include <cstddef>

namespace moescope::numerics {

// The minimum of a smooth function of one variable on a closed interval, for the read-outs of
// fitted IsoFLOP polynomials (degree <= 8 along one axis, so at most a few local minima).
struct IntervalMinimum {
  double x = 0;
  double value = 0;
  // The minimum sits at an end of the interval (within 1e-6 of its width): the function still
  // falls towards that end, so the true minimum may lie beyond it.
  bool at_lower_end = false;
  bool at_upper_end = false;
};

// A grid finds the basin of the global minimum (a local search alone could settle in the wrong
// one of two minima); golden-section search (J. Kiefer, "Sequential minimax search for a
// maximum", Proc. AMS 4, 502-506 (1953)) then narrows it to ~1e-10 of the interval.
template <typename Function>
IntervalMinimum minimise_on_interval(const Function& function, double lower, double upper) {
  constexpr int kGridIntervals = 128;
  constexpr double kEdgeTolerance = 1e-6;
  constexpr double kSearchTolerance = 1e-10;
  const double width = upper - lower;
  const double step = width / kGridIntervals;
  int best = 0;
  double best_value = function(lower);
  for (int i = 1; i <= kGridIntervals; ++i) {
    const double value = function(lower + step * i);
    if (value < best_value) {
      best_value = value;
      best = i;
    }
  }
  double a = best == 0 ? lower : lower + step * (best - 1);
  double b = best == kGridIntervals ? upper : lower + step * (best + 1);
  const double inverse_golden = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = b - inverse_golden * (b - a);
  double d = a + inverse_golden * (b - a);
  double fc = function(c);
  double fd = function(d);
  while (b - a > kSearchTolerance * width) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - inverse_golden * (b - a);
      fc = function(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + inverse_golden * (b - a);
      fd = function(d);
    }
  }
  IntervalMinimum minimum;
  minimum.x = (a + b) / 2.0;
  minimum.value = function(minimum.x);
  // The grid value may beat the bracket's interior when the minimum is an end point.
  if (best_value < minimum.value) {
    minimum.x = lower + step * best;
    minimum.value = best_value;
  }
  minimum.at_lower_end = minimum.x - lower <= kEdgeTolerance * width;
  minimum.at_upper_end = upper - minimum.x <= kEdgeTolerance * width;
  // An end is reported exactly (S* = 0, not 1e-12), so callers can compare with it.
  if (minimum.at_lower_end || minimum.at_upper_end) {
    minimum.x = minimum.at_lower_end ? lower : upper;
    minimum.value = function(minimum.x);
  }
  return minimum;
}

}  // namespace moescope::numerics

#pragma once

#include <vector>

namespace moescope {

// A confidence interval; by convention the central 95 % of bootstrap replicates.
struct Interval {
  double lo = 0;
  double hi = 0;
  bool contains(double value) const { return lo <= value && value <= hi; }
  bool operator==(const Interval&) const = default;
};

// The central `level` fraction of `samples` (percentile method, linear interpolation between
// order statistics). Non-finite samples are dropped; throws std::invalid_argument if none is left
// or level is outside (0, 1).
Interval percentile_interval(std::vector<double> samples, double level = 0.95);

}  // namespace moescope

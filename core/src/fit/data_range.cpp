#include "moescope/fit/data_range.h"

#include <algorithm>

namespace moescope {
namespace {

Interval span(const std::vector<ScalingPoint>& points, double ScalingPoint::*member) {
  const auto [lo, hi] = std::minmax_element(
      points.begin(), points.end(),
      [member](const ScalingPoint& x, const ScalingPoint& y) { return x.*member < y.*member; });
  return {(*lo).*member, (*hi).*member};
}

// More than the factor beyond [lo, hi] on a ratio scale.
bool beyond(double value, const Interval& range) {
  return value * kExtrapolationFactor < range.lo || value > range.hi * kExtrapolationFactor;
}

}  // namespace

std::optional<DataRange> data_range(const std::vector<ScalingPoint>& points) {
  if (points.empty())
    return std::nullopt;
  return DataRange{span(points, &ScalingPoint::compute), span(points, &ScalingPoint::total_params),
                   span(points, &ScalingPoint::sparsity)};
}

Extrapolation extrapolation(const DataRange& range, double budget, double total_params,
                            double sparsity) {
  Extrapolation result;
  if (beyond(budget, range.budget))
    result.budget = Excursion{budget, range.budget};
  if (beyond(total_params, range.total_params))
    result.total_params = Excursion{total_params, range.total_params};
  // On the dense fraction: a sparser model has the smaller 1 - S.
  const Interval dense_fraction{1.0 - range.sparsity.hi, 1.0 - range.sparsity.lo};
  if (beyond(1.0 - sparsity, dense_fraction))
    result.sparsity = Excursion{sparsity, range.sparsity};
  return result;
}

}  // namespace moescope

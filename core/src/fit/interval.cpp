#include "moescope/fit/interval.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moescope {
namespace {

// Quantile q of sorted values, interpolating linearly between neighbours (R's type 7).
double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const auto above = std::min(below + 1, sorted.size() - 1);
  const double weight = position - static_cast<double>(below);
  return sorted[below] * (1.0 - weight) + sorted[above] * weight;
}

}  // namespace

Interval percentile_interval(std::vector<double> samples, double level) {
  if (!(level > 0.0 && level < 1.0)) {
    throw std::invalid_argument("percentile_interval: level must lie in (0, 1)");
  }
  samples.erase(std::remove_if(samples.begin(), samples.end(),
                               [](double value) { return !std::isfinite(value); }),
                samples.end());
  if (samples.empty())
    throw std::invalid_argument("percentile_interval: no finite samples");
  std::sort(samples.begin(), samples.end());
  const double tail = (1.0 - level) / 2.0;
  return {quantile(samples, tail), quantile(samples, 1.0 - tail)};
}

}  // namespace moescope

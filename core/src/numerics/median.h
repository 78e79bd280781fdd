#pragma once

#include <algorithm>
#include <vector>

namespace moescope::numerics {

// The median of a non-empty list: the mean of the middle two for an even count, so that a budget
// group's nominal C does not depend on the order of its runs. (The lists are short: a sort.)
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
}

}  // namespace moescope::numerics

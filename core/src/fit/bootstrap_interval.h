#pragma once

#include <optional>
#include <vector>

#include "moescope/fit/interval.h"

namespace moescope {

// The central 95 % of a read-out over bootstrap replicates; empty when no replicate gave one
// (every replicate dropped, or the bootstrap turned off).
inline std::optional<Interval> bootstrap_interval(std::vector<double> replicate_values) {
  if (replicate_values.empty())
    return std::nullopt;
  return percentile_interval(std::move(replicate_values));
}

}  // namespace moescope

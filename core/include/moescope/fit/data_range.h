#pragma once

#include <optional>
#include <vector>

#include "moescope/fit/interval.h"
#include "moescope/fit/scaling_points.h"

namespace moescope {

// The region of budgets, sizes and sparsities that the runs behind a fit cover, so that a
// read-out beyond it can say so: a law fitted from 1e18 to 1e21 FLOPs and read at 1e25 is
// extrapolated four decades, whatever its bootstrap interval says.
struct DataRange {
  Interval budget;        // C, FLOPs
  Interval total_params;  // N
  Interval sparsity;      // S
  bool operator==(const DataRange&) const = default;
};

// The range of every point given, fitted and held out alike (a held-out run is a measurement
// there). nullopt for no points.
std::optional<DataRange> data_range(const std::vector<ScalingPoint>& points);

// A read-out is extrapolated where it lies more than this factor beyond the data's range in C,
// in N, or in the dense fraction 1 - S (S = 0.99 is twice as sparse as the data's 0.98: a
// factor 2 in 1 - S). One factor for all three keeps the rule easy to state; a factor 2 is about
// the spacing of the budgets and sizes of an IsoFLOP grid, so a read-out one grid step beyond the
// data is not yet flagged.
inline constexpr double kExtrapolationFactor = 2.0;

// One quantity outside the data's range.
struct Excursion {
  double value = 0;
  Interval range;  // the data's
};

struct Extrapolation {
  std::optional<Excursion> budget;
  std::optional<Excursion> total_params;
  std::optional<Excursion> sparsity;
  bool any() const { return budget || total_params || sparsity; }
};

// Which of the read-out's quantities lie beyond `range` by more than kExtrapolationFactor.
Extrapolation extrapolation(const DataRange& range, double budget, double total_params,
                            double sparsity);

}  // namespace moescope

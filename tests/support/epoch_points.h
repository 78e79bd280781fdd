#pragma once

// Epoch AI's digitised Chinchilla points (../shared/external/chinchilla-epoch), read the way
// their notebook reads them, for every test and benchmark that checks a fit against their
// published one. Header-only: the benchmarks in core/bench include it too.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <vector>

#include "moescope/fit/scaling_points.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"

namespace moescope::testing_support {

inline const std::filesystem::path kEpochData =
    std::filesystem::path(MOESCOPE_EXTERNAL_DIR) / "chinchilla-epoch" / "svg_extracted_data.csv";

// The 240 of 245 points their notebook fits: the 5 highest losses dropped; D = C / (6 N).
inline std::vector<ScalingPoint> epoch_points() {
  ReadOptions read;
  read.mapping = ColumnMapping::parse("N=Model Size,C=Training FLOP,loss=loss");
  read.ignore_unknown_columns = true;  // x, y, color, hex_color: where the point was drawn
  std::vector<ScalingPoint> points = scaling_points(read_runs(kEpochData, read).runs).points;
  std::vector<double> losses;
  for (const ScalingPoint& point : points)
    losses.push_back(point.loss);
  std::sort(losses.begin(), losses.end(), std::greater<>());
  const double fifth_largest = losses.at(4);
  std::erase_if(points, [&](const ScalingPoint& point) { return !(point.loss < fifth_largest); });
  return points;
}

}  // namespace moescope::testing_support

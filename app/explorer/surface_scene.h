#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

// What the 3-D IsoFLOP view draws, in plain C++ so that the explorer's model can fill it without
// knowing about Qt or VTK.
struct SurfaceScene {
  std::vector<double> x_values;              // log10 of model size, ascending
  std::vector<double> y_values;              // sparsity, ascending
  std::vector<double> z;                     // loss, row-major: z[iy * x_values.size() + ix]
  std::vector<std::array<double, 3>> ridge;  // (x, y, z) along the compute-optimal ridge
  struct MeasuredPoint {
    double x, y, z;
    std::size_t run_index;  // what pointPicked reports, so the caller can find the run
  };
  std::vector<MeasuredPoint> points;
  std::string x_label, y_label, z_label;
};

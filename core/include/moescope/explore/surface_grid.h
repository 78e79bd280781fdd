#pragma once

#include <cstddef>
#include <vector>

#include "moescope/explore/explorer_data.h"

namespace moescope {

// The 3-D IsoFLOP view: the law's loss over (log10 size, S) at the state's budget.
struct SurfaceGrid {
  SizeAxis axis = SizeAxis::kTotal;
  std::vector<double> x;  // log10 N (or N_a), increasing, size_steps values
  std::vector<double> y;  // S, increasing from 0 to max_sparsity, sparsity_steps values
  // Loss at (x[i], y[j]) is z[j * x.size() + i]: one row per sparsity.
  std::vector<double> z;
  double z_min = 0, z_max = 0;  // for the colour bar

  // The optimum ridge: for each N of the grid's range (on the active axis, the N whose N_a at S*
  // is the grid's), S*(N) as optimal_sparsity finds it (to about 1e-8 in -ln(1 - S)) and the loss
  // there. x as the grid's x.
  struct RidgePoint {
    double x = 0, sparsity = 0, loss = 0;
  };
  std::vector<RidgePoint> ridge;

  // The measured runs of the data budget nearest the state's (within 2 %), for picking.
  struct RunPoint {
    double x = 0, y = 0, z = 0;
    std::size_t run_index = 0;  // into ExplorerData::runs
  };
  std::vector<RunPoint> runs;

  double loss_at(std::size_t i, std::size_t j) const { return z[j * x.size() + i]; }
};

// The size range is the runs' (N or N_a), or 1e7 .. 1e11 without runs. Throws
// std::invalid_argument for fewer than 2 steps along either axis.
SurfaceGrid surface_grid(const ExplorerData& data, const ExplorerState& state, SizeAxis axis,
                         int size_steps, int sparsity_steps);

}  // namespace moescope

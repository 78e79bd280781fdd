#pragma once

#include <string>

namespace moescope {

// A point of the (compute, size, sparsity) grid that a run should fill: one model of N total
// parameters and sparsity S, trained on budget C.
struct Cell {
  double compute = 0;       // C, training FLOPs
  double total_params = 0;  // N, the target; a planned architecture comes within a tolerance
  double sparsity = 0;      // S = (E - K) / E, realised exactly
  bool operator==(const Cell&) const = default;
};

// "C=3e19 N=1.31e9 S=0.875", the way messages and tables name a cell.
std::string describe(const Cell& cell);

}  // namespace moescope

#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "moescope/fit/law_fit.h"

namespace moescope::law_fit_detail {

// The initialisation grid: every combination of the values along each coordinate, enumerated
// in coordinate order with the last coordinate varying fastest. Starts are generated on demand,
// so the 437 400 starts of Table 2 take no memory.
class StartGrid {
 public:
  // `overrides` must name coordinates of `form` (LawFitOptions::validate checks).
  StartGrid(LawForm form, InitGrid grid,
            const std::vector<std::pair<std::string, std::vector<double>>>& overrides);
  // The product of `axes` (one non-empty list per coordinate), for user-defined laws
  // (law/defined_law_fit.h).
  explicit StartGrid(std::vector<std::vector<double>> axes);

  std::size_t size() const { return size_; }
  // Writes start `index` (< size()) as coordinates.
  void start(std::size_t index, double* coordinates) const;

 private:
  std::vector<std::vector<double>> axes_;  // one per coordinate
  std::size_t size_ = 1;
};

// Whether the grid has values for every coordinate of the form (Epoch's has none for the
// sparsity terms of Eq. 6).
bool grid_fits_form(InitGrid grid, LawForm form);

}  // namespace moescope::law_fit_detail

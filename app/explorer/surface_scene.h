#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace moescope::explorer {

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
    bool operator==(const MeasuredPoint&) const = default;
  };
  std::vector<MeasuredPoint> points;
  // Runs proposed to train next (active design) at this budget, ringed and numbered: (x, y) as
  // the measured points', z the loss the fit predicts there, rank from 1 in the design's order.
  struct ProposedPoint {
    double x, y, z;
    int rank;
    bool operator==(const ProposedPoint&) const = default;
  };
  std::vector<ProposedPoint> proposed;
  std::string x_label, y_label, z_label;
  // What the surface is ("Eq. 8 IsoFLOP surface at C = 1e20, fitted to 49 runs", "Eq. 6 law at
  // C = 1.5e20, no runs at this budget"), painted over the view and its exports.
  std::string title;

  // Why there is no surface (empty z), painted in the middle of the view: "The data has one
  // sparsity level, S = 0: ...". Empty otherwise.
  std::string message;

  // A second surface over the same nodes, for comparison (the law's, at a fitted budget), drawn
  // as a wireframe with its own ridge when the view shows it (SurfaceView::setOverlayShown). Empty
  // when there is none.
  std::vector<double> overlay_z;                     // as z
  std::vector<std::array<double, 3>> overlay_ridge;  // as ridge
  std::string overlay_label;                         // "Eq. 6 law at C = 1e20"

  bool operator==(const SurfaceScene&) const = default;
};

}  // namespace moescope::explorer

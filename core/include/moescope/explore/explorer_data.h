#pragma once

#include <optional>
#include <vector>

#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_fit.h"
#include "moescope/run.h"

namespace moescope {

// What the desktop explorer shows, as plain values: no Qt, no VTK. The explorer owns an
// ExplorerData (loaded runs and fits) and an ExplorerState (its sliders), and renders what the
// functions of this directory compute from them.

struct ExplorerData {
  std::vector<Run> runs;
  // Eq. 6 (form kAbnar) fitted to scaling_points(runs), and its bootstrap refits.
  FittedLaw law;
  std::vector<FittedLaw> replicates;
  // One entry per point of scaling_points(runs), true = held out of the law's fit (Figure 6);
  // empty when nothing was held out.
  std::vector<bool> holdout;
  // IsoFLOP surface fits (Eq. 8), one per budget; may be empty.
  std::vector<SurfaceFit> surfaces;
};

struct ExplorerState {
  double budget = 1e20;  // C in FLOPs
  // The memory bound of Section 2.2 on N; none by default.
  std::optional<double> max_total_params;
  double max_sparsity = 0.98;
  double slice_total_params = 1e9;  // the N of Figure 2a
  double slice_sparsity = 0.5;      // the S marked in Figures 2b and 2c
  // Replicate optima cost about twenty times the point values (one optimum search per bootstrap
  // refit), too much for a redraw while a slider moves. The explorer sets this false during a
  // drag and true once the slider settles. When false, neither the read-out nor the figures
  // carry intervals (bands); point values do not depend on it.
  bool replicate_intervals = true;
};

}  // namespace moescope

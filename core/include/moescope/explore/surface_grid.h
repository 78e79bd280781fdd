#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"

namespace moescope {

// What the 3-D view's surface is.
enum class SurfaceSource {
  // A data budget's IsoFLOP surface (Eq. 8), fitted to that budget's runs, drawn over its data's
  // range only: the paper's Figure 1, an account of the runs independent of the law.
  kIsoflopSurface,
  // The parametric law (Eq. 6) at the state's budget: between budgets, where no runs were trained,
  // or at a budget whose surface could not be fitted.
  kLaw,
};

// The 3-D IsoFLOP view: a loss surface over (log10 size, S), with its optimum ridge and the runs
// of its budget. At a fitted budget (the state's budget in a SurfaceFit's, as ExplorerData::binning
// groups budgets: within 2 % by default, or in its bin) it is that budget's Eq. 8 surface, and the
// law at the same nodes comes with it as a second layer, for comparison; elsewhere it is the law at
// the state's budget.
struct SurfaceGrid {
  SurfaceSource source = SurfaceSource::kLaw;
  // Into ExplorerData::surfaces, for kIsoflopSurface.
  std::optional<std::size_t> surface_index;
  // The budget the surface is drawn at: the SurfaceFit's (its runs' median C, or its bin's
  // centre) or the state's.
  double budget = 0;
  // What it is, for the reader: "Eq. 8 IsoFLOP surface at C = 1e20 (49 runs)", "Eq. 6 law at
  // C = 1.5e20, no runs at this budget"; ", extrapolated (...)" where the law is drawn more than
  // kExtrapolationFactor beyond the data's budgets.
  std::string label;
  // Why there is no surface, where x, y and z are empty: the data has one sparsity level (the
  // view's sparsity axis has nothing to show), or there is no law between the fitted budgets.
  std::string message;

  // The size variable of x: a surface is drawn over its own fit's axis, whatever was asked for.
  SizeAxis axis = SizeAxis::kTotal;
  std::vector<double> x;  // log10 N (or N_a), increasing, size_steps values
  // S, increasing from 0, sparsity_steps values: to the state's max_sparsity for the law, to the
  // largest sparsity of the surface's runs (or the state's max_sparsity if lower) for a surface.
  std::vector<double> y;
  // Loss at (x[i], y[j]) is z[j * x.size() + i]: one row per sparsity.
  std::vector<double> z;
  double z_min = 0, z_max = 0;  // for the colour bar

  // The optimum ridge: for each N of the grid's range, S*(N) and the loss there. For a surface,
  // as optimal_sparsity(SurfaceFit, size) finds it at each x of the grid (S*(N_a) on the active
  // axis). For the law, as optimal_sparsity finds it (to about 1e-8 in -ln(1 - S)); on the active
  // axis, the N whose N_a at S* is the grid's. x as the grid's x.
  struct RidgePoint {
    double x = 0, sparsity = 0, loss = 0;
  };
  std::vector<RidgePoint> ridge;

  // A second surface over the same nodes, drawn over the first for comparison.
  struct Layer {
    std::string label;      // "Eq. 6 law at C = 1e20"
    std::vector<double> z;  // as SurfaceGrid::z, at the same x and y
    double z_min = 0, z_max = 0;
    std::vector<RidgePoint> ridge;  // its own optimum ridge, over the grid's sizes
  };
  // At a fitted budget: the law at the surface's budget, at the grid's nodes (N_a from the model
  // family, as for the law's own grid). Empty when the grid is the law.
  std::optional<Layer> law_overlay;

  // The measured runs of the data budget the state's falls in, for picking.
  struct RunPoint {
    double x = 0, y = 0, z = 0;
    std::size_t run_index = 0;  // into ExplorerData::runs
  };
  std::vector<RunPoint> runs;

  double loss_at(std::size_t i, std::size_t j) const { return z[j * x.size() + i]; }
};

// The surface fit at `budget`: the one whose budget `budget` falls in (ExplorerData::binning's
// same_budget; the nearest such), if any.
std::optional<std::size_t> surface_at_budget(const ExplorerData& data, double budget);

// At a fitted budget, that budget's Eq. 8 surface over its data's range (axis then is the fit's);
// elsewhere the law over the sizes worth showing at the state's budget (the runs' range, or
// 1e7 .. 1e11 without runs). Data without C has one surface, shown at every budget. No grid,
// with a message saying why, on data of one sparsity level, at a budget whose runs have one
// level, and between budgets where the law is refused or of Chinchilla's form (it says nothing of
// sparsity); the law overlay needs an Eq. 6 law. Throws std::invalid_argument for fewer than 2
// steps along either axis.
SurfaceGrid surface_grid(const ExplorerData& data, const ExplorerState& state, SizeAxis axis,
                         int size_steps, int sparsity_steps);

}  // namespace moescope

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"

namespace moescope {

// 2-D IsoFLOP curves (the paper's Appendix D.4; Hoffmann et al.'s Approach 2): for every
// (budget, sparsity) a parabola in ln(size), its vertex as the compute-optimal size, and a power
// law N*(C) = k C^a across budgets. A check on the surfaces that does not rely on Eq. 8.

struct CurveFitOptions {
  // The size variable; default N. Fit twice for N* and N_a*.
  SizeAxis axis = SizeAxis::kTotal;
  // Fewest points a curve needs, >= 3; default 4 (three points fit a parabola exactly, with no
  // check at all).
  int min_points = 4;
  // Resamples of each curve's points with replacement for the intervals; default 100, 0 turns the
  // bootstrap off.
  int bootstrap_replicates = 100;
  // Seed of the resamples: fits are the same for a given seed on every platform.
  std::uint64_t seed = 20250301;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// One fitted curve: L = a x^2 + b x + c with x = ln(size in parameters), no centring.
struct IsoFlopCurve {
  std::optional<double> budget;  // the group's median C; empty for points without C
  double sparsity = 0;
  SizeAxis axis = SizeAxis::kTotal;
  std::size_t points = 0;
  double a = 0, b = 0, c = 0;
  double log_size_min = 0, log_size_max = 0;  // the data's range of x
  double optimal_size = 0;                    // exp(-b / 2a)
  double optimal_loss = 0;                    // L at the vertex
  // Central 95 % over the replicates that have an interior minimum; empty when none has.
  std::optional<Interval> size_interval;
  std::optional<Interval> loss_interval;
  // The vertex size of bootstrap replicate r, empty when that replicate's parabola had no
  // minimum inside its resample's range or fewer than three distinct sizes. Replicate r of every
  // curve feeds replicate r of the power law.
  std::vector<std::optional<double>> replicate_optimal_sizes;
  std::size_t replicates_dropped = 0;
};

// A curve that gave no answer, and why.
struct RefusedCurve {
  std::optional<double> budget;
  double sparsity = 0;
  std::size_t points = 0;
  RefusalReason reason = RefusalReason::kTooFewPoints;
  std::string detail;
};

struct IsoFlopCurves {
  std::vector<IsoFlopCurve> curves;  // by budget, then sparsity
  std::vector<RefusedCurve> refused;
};

// Fits one curve to points of one budget and one sparsity. Refuses (throws FitRefused):
//   kInvalidOptions     options.validate() found a problem;
//   kNonFiniteData      a size or loss not finite and positive, S outside [0, 1);
//   kTooFewPoints       fewer than options.min_points points;
//   kSingularDesign     fewer than three distinct sizes;
//   kNoInteriorMinimum  a <= 0 (no minimum), or the vertex outside (log_size_min, log_size_max).
// Throws std::invalid_argument when the points hold several sparsity levels.
IsoFlopCurve fit_isoflop_curve(const std::vector<SurfacePoint>& points,
                               const CurveFitOptions& options = {});

// Groups the points by budget (group_by_budget) and by sparsity (levels within 1e-9 are one) and
// fits every group. A group that is refused is recorded in `refused` and the others go on.
// Throws FitRefused(kInvalidOptions) for bad options and (kNonFiniteData) for a C that is not a
// budget.
IsoFlopCurves fit_isoflop_curves(const std::vector<SurfacePoint>& points,
                                 const CurveFitOptions& options = {});

// N*(C) = coefficient x C^exponent across the budgets of one sparsity.
struct PowerLawFit {
  double coefficient = 0;
  double exponent = 0;
  std::size_t budgets = 0;
  // Central 95 % of the exponent refitted on each bootstrap replicate's vertices; a replicate is
  // used only where every budget's curve has its vertex (a replicate missing a budget would fit a
  // different set of budgets).
  std::optional<Interval> exponent_interval;
  std::size_t replicates_used = 0;
};

// Least squares of ln N* on ln C over the curves with a budget at `sparsity` (within 1e-9).
// Throws FitRefused(kTooFewPoints) for fewer than two curves, (kSingularDesign) when they all
// share one budget.
PowerLawFit fit_optimal_size_power_law(const IsoFlopCurves& curves, double sparsity);

}  // namespace moescope

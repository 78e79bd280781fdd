#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/run/run.h"

namespace moescope {

// 2-D IsoFLOP curves (the paper's Appendix D.4; Hoffmann et al.'s Approach 2): for every
// (budget, sparsity) the loss-minimising size N* and token count D*, and power laws
// N*(C) = k C^a and D*(C) = k' C^b across budgets. A check on the surfaces that does not rely on
// Eq. 8. Two ways to find a curve's minimum:

enum class CurveMethod {
  // A least-squares parabola in x = ln(size) over all the curve's points and its vertex (Hoffmann
  // et al. 2022, Approach 2, as the paper's Appendix D.4 uses it). Intervals: the points resampled
  // with replacement. The power laws: unweighted least squares of ln N* on ln C.
  kParabola,
  // Porian et al., "Resolving Discrepancies in Compute-Optimal Scaling of Language Models"
  // (NeurIPS 2024; their analysis.py, interp_flop and fit_compute_optimal_power_laws):
  //  - several runs of one size: the lowest loss (their learning-rate and seed repeats); sizes
  //    within 0.1 % of each other count as one (digitised data holds near-duplicates);
  //  - ln(loss) Akima-interpolated against ln(size) (akima_interpolation.h), evaluated on a grid
  //    of (sizes - 1) x grid_points_per_interval points spaced evenly in ln(size) from the
  //    smallest size to the largest, and the grid point of least loss taken;
  //  - bootstrap_replicates replicates (their 1,000) that add Gaussian noise of sd `loss_noise`
  //    nats to every loss (seed-to-seed noise; the points are not resampled) and find the grid
  //    minimum again; a replicate whose minimum is the grid's first or last point is dropped,
  //    and a curve that keeps fewer than half (rounded down) is refused;
  //  - the optimum is the median of the kept replicates' minima, and its spread
  //    sigma = max(sd of their ln, floor) x (replicates / kept), with
  //    floor = min_sd_factor x grid_points_per_interval x (the grid's step in ln size);
  //  - D* by the same steps with the loss against ln(D), on its own noise draws;
  //  - the power laws by least squares weighted by 1 / sigma^2 through the medians, and their
  //    intervals from the same weighted fit through replicate k's minima of every budget
  //    (k-th kept replicate of each, over as many replicates as every budget kept).
  // With bootstrap_replicates = 0 the optimum is the minimum of the noise-free interpolant on
  // the grid, it must lie strictly inside, and the power laws are unweighted.
  kAkima,
};

struct CurveFitOptions {
  // How a curve's minimum is found; default the parabola.
  CurveMethod method = CurveMethod::kParabola;
  // The size variable; default N. Fit twice for N* and N_a*.
  SizeAxis axis = SizeAxis::kTotal;
  // Fewest points a curve needs, >= 3; default 4 (three points fit a parabola exactly, with no
  // check at all). Porian et al. use 3.
  int min_points = 4;
  // Replicates for the intervals (kParabola: resamples of the points with replacement; kAkima:
  // noise draws); default 100, 0 turns them off. Porian et al. use 1,000.
  int bootstrap_replicates = 100;
  // Seed of the replicates: fits are the same for a given seed on every platform. kAkima seeds
  // NumPy's legacy generator with seed + i (modulo 2^32) for the i-th sparsity level of the data
  // in increasing S (numpy_legacy_normal.h); it takes seeds below 2^32 only.
  std::uint64_t seed = 20250301;
  // Which runs make one curve's budget (budget_binning.h); default runs within 2 % of one C.
  // Data whose C varies continuously needs bins per decade.
  BudgetBinning binning;

  // kAkima only. The sd of the noise added to each loss, in nats, >= 0; default 0.002, Porian et
  // al.'s value for RefinedWeb (0.01 for OpenWebText2), from their seed-variance runs. Their code
  // meant a schedule rising with the loss but, comparing ln(loss) with thresholds of 3 and 7,
  // applies the low value to every loss below e^3 = 20 nats; so a constant here.
  double loss_noise = 0.002;
  // kAkima only. Grid points per gap between data sizes, >= 2; default 25 (Porian et al.).
  int grid_points_per_interval = 25;
  // kAkima only. Floor on the spread sigma of ln N*, in units of the data's mean spacing in
  // ln(size) (nearly: grid_points_per_interval grid steps), >= 0; default 0.33 (Porian et al.).
  double min_sd_factor = 0.33;

  // Porian et al.'s settings: kAkima, 1,000 replicates, noise 0.002 nats, 25 grid points per
  // gap, floor 0.33, three points at least, and their seed 42. Their published exponents and
  // intervals of the first experiment of each of their analyses come out of it to the digits
  // they print, the others' (which saw a stream already in use) within 0.001
  // (tests/isoflop_curves_test.cpp).
  static CurveFitOptions porian2024();

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// A point of an IsoFLOP curve: a surface point and, when known, the tokens D its run trained on.
// Without D a point's D is C / (6 N_a), the paper's accounting (and what import derives); without
// C or N_a (NaN in SurfacePoint: routed-LM data gives N and S alone) the curve has no D*.
struct CurvePoint {
  SurfacePoint point;
  std::optional<double> tokens;
};

// The surface points of `runs` (surface_points()) with the D of each point's run.
std::vector<CurvePoint> curve_points(const SurfaceData& data, const std::vector<Run>& runs);

// One fitted curve.
struct IsoFlopCurve {
  std::optional<double>
      budget;  // the group's budget (budget_binning.h); empty for points without C
  double sparsity = 0;
  SizeAxis axis = SizeAxis::kTotal;
  CurveMethod method = CurveMethod::kParabola;
  std::size_t points = 0;
  // Distinct sizes among the points (within 0.1 %); fewer than `points` where runs repeat a size
  // (other learning rates or seeds, or several experiments mixed up).
  std::size_t distinct_sizes = 0;
  // kParabola: L = a x^2 + b x + c with x = ln(size in parameters), no centring; 0 for kAkima.
  double a = 0, b = 0, c = 0;
  double log_size_min = 0, log_size_max = 0;  // the data's range of x
  double optimal_size = 0;                    // N* (or N_a*)
  double optimal_loss = 0;                    // L at N*
  // D*: the loss's minimum against ln D by the same method; empty when no point has a D (no D
  // and no C).
  std::optional<double> optimal_tokens;
  // Central 95 % over the replicates that have an interior minimum; empty when none has.
  std::optional<Interval> size_interval;
  std::optional<Interval> loss_interval;
  std::optional<Interval> tokens_interval;
  // kAkima with replicates: Porian et al.'s sigma of ln N* and ln D*, whose 1/sigma^2 weight the
  // power laws. Empty otherwise.
  std::optional<double> log_size_sd;
  std::optional<double> log_tokens_sd;
  // The minimum of replicate r, empty when that replicate had none inside its range (kParabola:
  // also fewer than three distinct sizes in its resample). kParabola: N* and D* of replicate r
  // come from the same resample, and replicate r of every curve feeds replicate r of the power
  // law. kAkima: N* and D* come from separate noise draws, as in Porian et al.
  std::vector<std::optional<double>> replicate_optimal_sizes;
  std::vector<std::optional<double>> replicate_optimal_tokens;
  std::size_t replicates_dropped = 0;  // replicates without N*
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
  CurveMethod method = CurveMethod::kParabola;
  std::vector<IsoFlopCurve> curves;  // by budget, then sparsity
  std::vector<RefusedCurve> refused;
};

// Fits one curve to points of one budget and one sparsity. Refuses (throws FitRefused):
//   kInvalidOptions     options.validate() found a problem;
//   kNonFiniteData      N, N_a (absent, NaN, is allowed on the N axis), D or the loss not
//                       finite and positive, S outside [0, 1);
//   kTooFewPoints       fewer than options.min_points points;
//   kSingularDesign     fewer than three distinct sizes (or D);
//   kNoInteriorMinimum  kParabola: a <= 0 (no minimum), or the vertex outside the data's range;
//                       kAkima: more than half the replicates (without replicates: the
//                       interpolant itself) have their minimum at the grid's first or last point.
// The same tests apply to the loss against D. Throws std::invalid_argument when the points hold
// several sparsity levels.
IsoFlopCurve fit_isoflop_curve(const std::vector<CurvePoint>& points,
                               const CurveFitOptions& options = {});
IsoFlopCurve fit_isoflop_curve(const std::vector<SurfacePoint>& points,
                               const CurveFitOptions& options = {});

// Groups the points by budget (group_by_budget with options.binning) and by sparsity (levels within
// 1e-9 are one) and fits every group. A group that is refused is recorded in `refused` and the
// others go on. Throws FitRefused(kInvalidOptions) for bad options and (kNonFiniteData) for a C
// that is not a budget.
IsoFlopCurves fit_isoflop_curves(const std::vector<CurvePoint>& points,
                                 const CurveFitOptions& options = {});
IsoFlopCurves fit_isoflop_curves(const std::vector<SurfacePoint>& points,
                                 const CurveFitOptions& options = {});

// optimum = coefficient x C^exponent across the budgets of one sparsity.
struct PowerLawFit {
  double coefficient = 0;
  double exponent = 0;
  std::size_t budgets = 0;
  // Least squares weighted by 1/sigma^2 (kAkima with replicates), else unweighted.
  bool weighted = false;
  // Central 95 % of the exponent refitted on each replicate's optima (see CurveMethod for how
  // replicates are matched across budgets); kParabola uses a replicate only where every budget's
  // curve has its optimum (a replicate missing a budget would fit a different set of budgets).
  std::optional<Interval> exponent_interval;
  std::size_t replicates_used = 0;
};

// Least squares of ln N* (ln D*) on ln C over the curves with a budget at `sparsity` (within
// 1e-9). Throws FitRefused(kTooFewPoints) for fewer than two curves, (kSingularDesign) when they
// all share one budget.
PowerLawFit fit_optimal_size_power_law(const IsoFlopCurves& curves, double sparsity);
PowerLawFit fit_optimal_tokens_power_law(const IsoFlopCurves& curves, double sparsity);

}  // namespace moescope

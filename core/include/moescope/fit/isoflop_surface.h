#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/budget_binning.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/run/run.h"

namespace moescope {

// IsoFLOP surfaces (the paper's Section 2, Eq. 8 and Appendix B): for one training budget C, the
// loss as a polynomial in log model size and log sparsity, fitted by least squares, and what it
// says about the optimal size at a sparsity and the optimal sparsity at a size.

// ---- Input ---------------------------------------------------------------------------------

// Which model size the surface is a function of.
enum class SizeAxis {
  kTotal,   // N, total parameters
  kActive,  // N_a, active parameters
};

// One finished run as the IsoFLOP fitters see it. Unlike ScalingPoint it needs no D, and C is
// optional: data without a C column is one surface.
struct SurfacePoint {
  double total_params = 0;  // N
  // N_a, or NaN where the run gives none: routed-LM papers publish N, S and the loss without the
  // architecture that N_a follows from, and a surface on the N axis does not need it. (A NaN
  // rather than std::optional: the 2-D curves read N_a as a number for D = C / (6 N_a) and
  // refuse a NaN as they refuse any non-finite value.)
  double active_params = 0;
  double sparsity = 0;            // S
  double loss = 0;                // L
  std::optional<double> compute;  // C
  std::size_t run_index = 0;      // position of the run it came from

  bool has_active_params() const { return !std::isnan(active_params); }
};

struct SurfaceData {
  std::vector<SurfacePoint> points;
  // One line per run left out: "run rXXXX (name): no loss".
  std::vector<std::string> left_out;
  // The unit of every point's loss: a fit's points share one.
  LossUnit loss_unit = kDefaultLossUnit;
};

// Takes every run with status done, N, S and a loss; N_a where the run has it, and C where it
// has it. A run without N_a is left out only for `axis` kActive; for kTotal it comes in with
// active_params NaN. The default asks for N_a, so that the points serve either axis (the 2-D
// curves and the explorer fit both). Values pass through as they are: the fitters refuse
// non-finite ones with a reason naming the run. Throws FitRefused(kMixedLossUnits) where the
// points' losses are in more than one unit.
SurfaceData surface_points(const std::vector<Run>& runs, SizeAxis axis = SizeAxis::kActive);

// The points of one training budget.
struct BudgetGroup {
  std::optional<double> budget;  // the median C of the group; empty for the points without C
  std::vector<SurfacePoint> points;
};

// Splits points by budget as `binning` says (default: runs within 2 % of one C; see
// budget_binning.h), in increasing budget; a group's budget is the binning's (its median C, or
// its bin's centre). Points without C form one more group, last. Throws
// FitRefused(kNonFiniteData) for a C that is not finite and positive, (kInvalidOptions) for
// settings BudgetBinning::validate() refuses.
std::vector<BudgetGroup> group_by_budget(const std::vector<SurfacePoint>& points,
                                         const BudgetBinning& binning = {});

// ---- The surface ---------------------------------------------------------------------------

// The degrees (alpha_1, alpha_2, alpha_3) of Eq. 8. The paper's search found (2, 2, 2).
struct SurfaceDegrees {
  int size = 2;         // alpha_1, terms N^i
  int sparsity = 2;     // alpha_2, terms S^i
  int interaction = 2;  // alpha_3, terms (N S)^i

  int parameters() const { return size + sparsity + interaction + 1; }
  bool operator==(const SurfaceDegrees&) const = default;
};

// Eq. 8 in the paper's own variables, with no centring or scaling:
//   L = sum_i a_i Nh^i + sum_i b_i Sh^i + sum_i c_i (Nh Sh)^i + d,
//   Nh = ln(size in parameters),  Sh = -ln(1 - S).
// (Centring Nh would change the model, not only its conditioning: (Nh - m)^2 Sh^2 brings in an
// Nh Sh^2 term that Eq. 8 lacks.)
struct SurfacePolynomial {
  SurfaceDegrees degrees;
  // a_1..a_alpha1, b_1..b_alpha2, c_1..c_alpha3, d: degrees.parameters() values.
  std::vector<double> coefficients;

  // Names of `coefficients` in order: "N^1".."N^a1", "S^1".., "NS^1".., "const".
  std::vector<std::string> coefficient_names() const;
  // The loss at Nh = log_size, Sh = log_sparsity.
  double evaluate(double log_size, double log_sparsity) const;
  // The loss at a size (N or N_a, as the fit's axis) in parameters and a sparsity S in [0, 1).
  double loss(double size, double sparsity) const;
};

struct SurfaceFitOptions {
  // The size variable; default N. Points need N_a only on the kActive axis.
  SizeAxis axis = SizeAxis::kTotal;
  // Fixed degrees, each in 0..4; the fit then needs more points than the degrees have
  // coefficients. Default (empty): the degree search below.
  std::optional<SurfaceDegrees> degrees;
  // The degree search. Candidates are the degree triples in {0..4}^3 that
  //  - are hierarchical (if `hierarchical`): the interaction degree is at most both the size and
  //    the sparsity degree, since (N S)^i presupposes N^i and S^i (the marginality principle of
  //    polynomial models: Nelder, J. R. Stat. Soc. A 140, 1977; Peixoto, Am. Stat. 41, 1987).
  //    Without it the search picks models such as (2, 0, 3) whose (N S)^i columns, with ln N
  //    spanning a narrow band around ~20, mimic S^i inside the data and extrapolate in S like
  //    nothing the data showed;
  //  - have at most floor(n / points_per_coefficient) coefficients for n points (the others are
  //    skipped as kTooFewPoints), so that each fold's fit and each bootstrap refit keeps residual
  //    degrees of freedom and a handful of runs cannot buy a degree-4 curve.
  // Each candidate's `folds`-fold cross-validated mean squared error (CV error) and its standard
  // error are computed on the same folds (candidates singular on a fold are skipped as
  // kSingularDesign). The search takes the candidate with the fewest coefficients whose CV error
  // is within `standard_errors` standard errors of the least CV error (ties: the lesser CV
  // error): the one-standard-error rule of Hastie, Tibshirani and Friedman, The Elements of
  // Statistical Learning (2nd ed., 2009), section 7.10, as R's glmnet applies it. CV errors within
  // a standard error of one another cannot be told apart, and the simplest of them extrapolates
  // least wildly. Defaults: hierarchical, 4 points per coefficient (the paper's (2, 2, 2), 7
  // coefficients, needs 28 points; its 49-point budgets allow 12) and 1 standard error.
  // points_per_coefficient >= 2; standard_errors >= 0 (0: the least CV error, ties to the fewest
  // coefficients). Closest to the paper's plain search (every triple, the least CV error):
  // hierarchical = false, points_per_coefficient = 2, standard_errors = 0. Why not that: on
  // routed-LM data drawn from Clark et al.'s law, fitted without the sparsest level and asked for
  // it, the plain search did worse than a fixed (2, 2, 1) quadratic on 9 of 60 noise draws at 0.2 %
  // noise and 21 of 60 at 0.3 %; these defaults on 2 of 60 at either, with under half the
  // quadratic's mean error at 0.2 % (isoflop_surface_test, PredictsTheSparsestRoutedRuns...).
  bool hierarchical = true;
  int points_per_coefficient = 4;
  double standard_errors = 1.0;
  // Folds of the cross-validation, >= 2; default 5.
  int folds = 5;
  // Refits of the chosen degrees on random subsamples drawn without replacement (the paper's
  // k = 100 re-runs on subsampled data); they give band() and the read-outs' intervals. Default
  // 100; 0 turns the bootstrap off.
  int bootstrap_replicates = 100;
  // Fraction of the points in each subsample, in (0, 1); default 0.8.
  double bootstrap_fraction = 0.8;
  // Fraction of the points held out at random, fitted without and then predicted, for the
  // paper's Pearson-r check; in [0, 1), default 0.2; 0 turns the check off.
  double heldout_fraction = 0.2;
  // Seed of the folds, the held-out choice and the subsamples: a fit is the same for a given seed
  // on every platform.
  std::uint64_t seed = 20250301;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// One candidate of the degree search.
struct DegreeScore {
  SurfaceDegrees degrees;
  std::optional<double> cv_mse;  // CV error; empty when skipped
  // Standard error of cv_mse: the spread of the folds' mean squared errors (weighted by fold
  // size) over sqrt(folds - 1), as glmnet's cv.glmnet computes it. Empty when skipped.
  std::optional<double> cv_se;
  // kTooFewPoints (more coefficients than the points allow) or kSingularDesign (on all points
  // or on a fold, e.g. a sparsity term at a single sparsity level).
  std::optional<RefusalReason> skipped;
};

// The fitted surface of one budget and how far to trust it.
struct SurfaceFit {
  SizeAxis axis = SizeAxis::kTotal;
  SurfacePolynomial polynomial;  // fitted on all points
  // The chosen degrees' CV error and its standard error (see DegreeScore).
  double cv_mse = 0;
  double cv_se = 0;
  // The candidate with the least CV error; the same as the chosen one when the degrees were
  // fixed or the least error is also the simplest within a standard error.
  DegreeScore least_cv;
  // The most coefficients a candidate could have: floor(n / points_per_coefficient), or
  // n - 1 with fixed degrees.
  int max_coefficients = 0;
  // Every candidate, fewest coefficients first (55 hierarchical ones, or all 125); only the
  // chosen degrees when they were fixed.
  std::vector<DegreeScore> degree_search;
  // Pearson r and mean squared error between the held-out losses and their predictions by a fit
  // of the chosen degrees to the other points (the degrees themselves were chosen on all points).
  // Empty, with heldout_points 0, when the check is off, fewer than 3 points would be held out,
  // or that fit is impossible (too few points left, singular design); r is also empty when
  // either side is constant.
  std::optional<double> heldout_r;
  std::optional<double> heldout_mse;
  std::size_t heldout_points = 0;
  std::size_t points = 0;
  std::optional<double> budget;  // median C of the points; empty when they have none
  // The data's range: read-outs search sizes in [log_size_min, log_size_max] (ln of N or N_a)
  // and sparsities in [0, sparsity_max].
  double log_size_min = 0;
  double log_size_max = 0;
  double sparsity_min = 0;
  double sparsity_max = 0;
  // Bootstrap refits with the chosen degrees; subsamples too small or singular for them are
  // dropped and counted.
  std::vector<SurfacePolynomial> replicates;
  std::size_t replicates_dropped = 0;
  // Why there are no replicates although they were asked for: the points lie on the fitted
  // surface to round-off, so every refit returns it and their spread, zero, would claim a
  // certainty that no data give. Intervals are then absent, never zero-width.
  std::optional<std::string> bootstrap_refused;
  // What a reader should know about the fit, one sentence each (e.g. that one sparsity level
  // made it a fit of L against size alone).
  std::vector<std::string> notes;

  // All points share one sparsity level (within 1e-9): the fit is L against size alone, and
  // says nothing about other sparsities.
  bool single_sparsity_level() const { return sparsity_max - sparsity_min <= 1e-9; }
  double loss(double size, double sparsity) const { return polynomial.loss(size, sparsity); }
  // Central 95 % of the replicates' predictions. Throws std::logic_error without replicates.
  Interval band(double size, double sparsity) const;
};

// Fits Eq. 8 to the points of one budget (see group_by_budget). With a single sparsity level the
// sparsity and interaction degrees are 0 (searched degrees; fixed ones must be) and a note says
// so. Refuses (throws FitRefused):
//   kInvalidOptions   options.validate() found a problem;
//   kNonFiniteData    a value is not finite, a size or loss is not positive, S is outside
//                     [0, 1), or a point lacks N_a on the kActive axis (the message names the
//                     point's run_index);
//   kNotIdentified    all losses are equal (within 1e-9 of their size), or all points share one
//                     size on the fit's axis: the data carry no information on the surface;
//   kTooFewPoints     fewer points than folds; fixed degrees with as many coefficients as points
//                     or more, or more than a fold's training points; no searched candidate
//                     within the points' allowance (fewer than points_per_coefficient points);
//   kSingularDesign   fixed degrees give a rank-deficient design (for example a single sparsity
//                     level with alpha_2 > 0), on all points or on a fold; or no searched
//                     candidate is usable.
SurfaceFit fit_isoflop_surface(const std::vector<SurfacePoint>& points,
                               const SurfaceFitOptions& options = {});

// ---- Read-outs -----------------------------------------------------------------------------
// Intervals are the central 95 % of the same read-out on each bootstrap replicate; empty when no
// replicate qualifies.

// The compute-optimal size at one sparsity: N*(S), or N_a*(S) for a fit on the active axis.
struct SizeOptimum {
  double size = 0;  // in parameters
  double loss = 0;  // L* = L(size, S)
  std::optional<Interval> size_interval;
  std::optional<Interval> loss_interval;
  // Replicates whose minimum sits at an edge of the size range; they are left out of the
  // intervals.
  std::size_t replicates_at_edge = 0;
};

// Minimises over ln(size) in [log_size_min, log_size_max]. Throws FitRefused(kNoInteriorMinimum)
// when the minimum sits at an edge of that range (the optimum lies outside the data),
// FitRefused(kSingularDesign) when the fit has a single sparsity level and S is another, and
// std::invalid_argument for S outside [0, 1).
SizeOptimum optimal_size(const SurfaceFit& fit, double sparsity);

// The optimal sparsity at one size: S*(N) (or S*(N_a)).
struct SparsityOptimum {
  double sparsity = 0;  // S*
  double loss = 0;      // L(size, S*)
  // S* is the largest sparsity in the data: the surface still falls there, S* -> 1 (the paper's
  // regime above N_th).
  bool at_upper_edge = false;
  std::optional<Interval> sparsity_interval;  // replicates at either edge included
  std::optional<Interval> loss_interval;
};

// Minimises over Sh in [0, -ln(1 - sparsity_max)]. Throws std::invalid_argument for a size that
// is not finite and positive, and FitRefused(kSingularDesign) when the points have a single
// sparsity level (every point dense, or all at one S).
SparsityOptimum optimal_sparsity(const SurfaceFit& fit, double size);

// N_th in parameters: the smallest size of the data's range above which S* sits at the upper
// edge, located on a 128-step grid of ln(size) and then by bisection. The range's smallest size
// when S* sits there throughout; empty when it does not at the largest size. Throws
// FitRefused(kSingularDesign) when the points have a single sparsity level.
std::optional<double> threshold_size(const SurfaceFit& fit);

}  // namespace moescope

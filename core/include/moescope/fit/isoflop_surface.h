#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/run.h"

namespace moescope {

// IsoFLOP surfaces (the paper's Section 2, Eq. 8 and Appendix B): for one training budget C, the
// loss as a polynomial in log model size and log sparsity, fitted by least squares, and what it
// says about the optimal size at a sparsity and the optimal sparsity at a size.

// ---- Input ---------------------------------------------------------------------------------

// One finished run as the IsoFLOP fitters see it. Unlike ScalingPoint it needs no D, and C is
// optional: data without a C column is one surface.
struct SurfacePoint {
  double total_params = 0;        // N
  double active_params = 0;       // N_a
  double sparsity = 0;            // S
  double loss = 0;                // L
  std::optional<double> compute;  // C
  std::size_t run_index = 0;      // position of the run it came from
};

struct SurfaceData {
  std::vector<SurfacePoint> points;
  // One line per run left out: "run rXXXX (name): no loss".
  std::vector<std::string> left_out;
};

// Takes every run with status done, N, N_a, S and a loss; C when the run has it. Values pass
// through as they are: the fitters refuse non-finite ones with a reason naming the run.
SurfaceData surface_points(const std::vector<Run>& runs);

// The points of one training budget.
struct BudgetGroup {
  std::optional<double> budget;  // the median C of the group; empty for the points without C
  std::vector<SurfacePoint> points;
};

// Splits points by budget. In increasing C, a group takes points while their C is within
// `tolerance` (default 2 %) of the group's smallest C, so any two budgets of one group differ by
// at most that much. Points without C form one more group, last. Throws
// FitRefused(kNonFiniteData) for a C that is not finite and positive.
std::vector<BudgetGroup> group_by_budget(const std::vector<SurfacePoint>& points,
                                         double tolerance = 0.02);

// ---- The surface ---------------------------------------------------------------------------

// Which model size the surface is a function of.
enum class SizeAxis {
  kTotal,   // N, total parameters
  kActive,  // N_a, active parameters
};

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
  // The size variable; default N.
  SizeAxis axis = SizeAxis::kTotal;
  // Fixed degrees, each in 0..4. Default (empty): k-fold cross-validation over {0..4}^3 picks the
  // degrees with the least mean squared error; degrees whose errors agree within round-off count
  // as a tie, and the tie goes to fewer parameters. Degrees with too few points or a singular
  // design are skipped.
  std::optional<SurfaceDegrees> degrees;
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
  std::optional<double> cv_mse;          // empty when skipped
  std::optional<RefusalReason> skipped;  // kTooFewPoints or kSingularDesign
};

// The fitted surface of one budget and how far to trust it.
struct SurfaceFit {
  SizeAxis axis = SizeAxis::kTotal;
  SurfacePolynomial polynomial;  // fitted on all points
  // k-fold cross-validated mean squared error of the chosen degrees.
  double cv_mse = 0;
  // Every candidate tried, in the order tried; only the chosen degrees when they were fixed.
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
  double sparsity_max = 0;
  // Bootstrap refits with the chosen degrees; subsamples too small or singular for them are
  // dropped and counted.
  std::vector<SurfacePolynomial> replicates;
  std::size_t replicates_dropped = 0;

  double loss(double size, double sparsity) const { return polynomial.loss(size, sparsity); }
  // Central 95 % of the replicates' predictions. Throws std::logic_error without replicates.
  Interval band(double size, double sparsity) const;
};

// Fits Eq. 8 to the points of one budget (see group_by_budget). Refuses (throws FitRefused):
//   kInvalidOptions   options.validate() found a problem;
//   kNonFiniteData    a value is not finite, a size or loss is not positive, or S is outside
//                     [0, 1);
//   kTooFewPoints     fewer points than folds, or than fixed degrees need on each fold;
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
// when the minimum sits at an edge of that range (the optimum lies outside the data), and
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
// is not finite and positive, and FitRefused(kSingularDesign) when every point is dense.
SparsityOptimum optimal_sparsity(const SurfaceFit& fit, double size);

// N_th in parameters: the smallest size of the data's range above which S* sits at the upper
// edge, located on a 128-step grid of ln(size) and then by bisection. The range's smallest size
// when S* sits there throughout; empty when it does not at the largest size. Throws
// FitRefused(kSingularDesign) when every point is dense.
std::optional<double> threshold_size(const SurfaceFit& fit);

}  // namespace moescope

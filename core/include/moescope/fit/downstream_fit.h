#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// Downstream error against upstream loss, one task at a time (the paper's Figure 5 and 10), and
// whether sparsity moves a task off the curve that the other sparsities follow (Section 4: reading
// comprehension transfers worse for sparser models at the same pretraining loss).

struct DownstreamPoint {
  double loss = 0;            // upstream (final validation) loss, in the runs' one unit
  double error = 0;           // downstream error in [0, 1]
  double sparsity = 0;        // S in [0, 1)
  std::size_t run_index = 0;  // position of the run it came from
};

// One point per finished run that reports `task` and has a loss and a sparsity; runs without any
// of these cannot be placed on the plot and are skipped. Error is 1 - value for an accuracy and
// the value for an error. Throws FitRefused with kInvalidOptions when a run reports the task as a
// loss or another kind that has no error reading, kNonFiniteData for a loss that is not finite
// and positive, a sparsity outside [0, 1) or an error outside [0, 1], and kMixedLossUnits where
// the points' losses are in more than one unit.
std::vector<DownstreamPoint> downstream_points(const std::vector<Run>& runs,
                                               const std::string& task);

// err(L) = floor + (ceiling - floor) / (1 + exp(-steepness (L - midpoint))).
// Few-shot error cannot fall below what even very good models get wrong, nor rise above what
// guessing gets wrong: bad models sit at chance whatever their loss, good ones at a floor, and
// between the two error tracks loss. A logistic in L has exactly those two plateaus, and reduces
// to a straight line over data that covers only its middle; a line or a power law would predict
// errors below 0 or above chance outside the data.
struct SaturatingCurve {
  double floor = 0;      // error of a very good model, in [0, 1]
  double ceiling = 1;    // error at high loss, about chance, in [floor, 1]
  double steepness = 1;  // per nat, > 0
  double midpoint = 0;   // loss half-way between floor and ceiling, in the points' loss unit

  double error(double loss) const;
};

struct DownstreamFitOptions {
  // Permutations of the shift test; default 2 000, enough to resolve p down to about 5e-4.
  int permutations = 2000;
  // Seed of the permutations; the p-value is the same for a given seed on every platform.
  std::uint64_t seed = 1;
  // Significance level of the shift test; default 0.05.
  double alpha = 0.05;
  // Sparsities closer than this are one level; default 1e-6, far below the spacing of any
  // realisable (E - K) / E.
  double sparsity_tolerance = 1e-6;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// The residuals (error - curve) of one sparsity level: positive means worse than the curve says.
struct SparsityResiduals {
  double sparsity = 0;  // the level's smallest S
  std::size_t count = 0;
  double mean_residual = 0;
  // Of the mean: sample standard deviation / sqrt(count); NaN for a level of one point.
  double standard_error = 0;
};

// A permutation test of whether sparsity shifts the relation: the statistic is the between-level
// mean square of residuals, SUM_levels count (mean - grand mean)^2 / (levels - 1), and the
// p-value is (1 + permutations reaching it) / (1 + permutations) over random reassignments of the
// residuals to levels of the same sizes.
struct SparsityShiftTest {
  double statistic = 0;
  double p_value = 1;
  bool shifted = false;  // p_value < alpha
  int permutations = 0;
};

struct DownstreamFit {
  SaturatingCurve curve;
  double rmse = 0;  // of error - curve over all points
  std::vector<DownstreamPoint> points;
  std::vector<double> residuals;               // error - curve, in the order of `points`
  std::vector<SparsityResiduals> by_sparsity;  // by increasing S
  // nullopt with fewer than two sparsity levels (diagnostics say so).
  std::optional<SparsityShiftTest> shift_test;
  // What to keep in mind reading the fit: a plateau the data do not reach (so it is an
  // extrapolation), parameters on their bounds, no shift test.
  std::vector<std::string> diagnostics;
};

// Least-squares fit of the saturating curve (Ceres, several starts, the best converged one), then
// the residual summary and the shift test. Throws FitRefused with kInvalidOptions
// (options.validate() failed), kTooFewPoints (fewer than 5 points, one more than the curve has
// parameters), kNonFiniteData (as downstream_points), kSingularDesign (all points at one loss) or
// kNoConvergence (no start converged).
DownstreamFit fit_downstream(const std::vector<DownstreamPoint>& points,
                             const DownstreamFitOptions& options = {});

}  // namespace moescope

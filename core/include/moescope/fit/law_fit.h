#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moescope/fit/fit_control.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/model/sparsity_law.h"

namespace moescope {

// Parametric scaling laws fitted by multi-start L-BFGS, as Hoffmann et al. (2022, Approach 3),
// Epoch AI's replication (Besiroglu et al. 2024) and Abnar et al. (2025, Eq. 6 and Appendix E) do.
//
// Both forms are fitted in log space: every term of the law is written as exp(linear function of
// the parameters), so log L̂ is a log-sum-exp of terms linear in the optimiser's coordinates, and
// the objective is
//   SUM over fit points of Huber_delta(log L - log L̂)
// (a sum, not a mean: Epoch AI showed that Hoffmann's mean stopped the optimiser early). Each start
// of the initialisation grid is minimised with L-BFGS and analytic gradients; the best start that
// converged (lowest objective, then lowest start index) is the fit.

enum class LawForm {
  // L = E + A / N^alpha + B / D^beta. Coordinates: log_A, log_B, log_E, alpha, beta.
  kChinchilla,
  // Eq. 6: L = a / N^alpha + b / D^beta + c / (1-S)^lambda + d / ((1-S)^delta N^gamma) + e.
  // Coordinates: log_a, log_b, log_c, log_d, log_e, alpha, beta, gamma, lambda, delta.
  kAbnar,
};

enum class InitGrid {
  // Epoch AI's grid for the Chinchilla form: alpha, beta in {0, 0.5, .., 2}, log_E in {-1, -0.5,
  // .., 1}, log_A, log_B in {0, 5, .., 25}: 4 500 starts. It has no values for the sparsity terms,
  // so it does not apply to the Abnar form.
  kEpoch,
  // Abnar et al. Table 2: log of a, b, c, d in {0, 10, 20}; alpha, beta, gamma in {0, 0.25, ..,
  // 1.25}; lambda, delta in {-1, -0.5, .., 1}; log_e = 1.5: 437 400 starts. For the Chinchilla form
  // the rows that name its parameters (log_A, log_B, alpha, beta, log_E): 324 starts.
  kAbnarTable2,
};

// How the best fit is searched for (`moescope fit law --solver multistart|vp`).
enum class LawSolver {
  // L-BFGS over every coordinate from every point of the initialisation grid, as published.
  kMultiStart,
  // Variable projection: the law is linear in its non-negative coefficients (Chinchilla's A, B, E;
  // Eq. 6's a, b, c, d, e) given its exponents, so the grid is cut to its exponent part (25 points
  // of Epoch's grid, 5 400 of Table 2's), each point started at the coefficients that minimise the
  // same log-space Huber objective for those exponents (non-negative least squares, then
  // reweighted Gauss-Newton steps on the true objective; docs/fitting.md says why both); from
  // each, L-BFGS on every coordinate at the grid's rules, and the best distinct results polished
  // at the refit rules. Coefficients that the projection sets to 0 stay 0 (reported as ~1e-304).
  // Bootstrap replicates are refitted as under kMultiStart, from the minima this search found and
  // random points of the full grid. LawFitSummary::starts counts the exponent grid points,
  // converged those whose projected start was finite.
  kVariableProjection,
};

std::string_view to_string(LawForm form);
std::string_view to_string(InitGrid grid);
// "multistart" or "vp".
std::string_view to_string(LawSolver solver);
// The inverse of to_string(LawSolver); nullopt for any other text.
std::optional<LawSolver> parse_law_solver(std::string_view text);

struct ChinchillaLaw {
  double A = 0, B = 0, E = 0, alpha = 0, beta = 0;
  double loss(double total_params, double tokens) const;
};

// A fitted law of either form; only the member matching `form` is meaningful.
struct FittedLaw {
  LawForm form = LawForm::kAbnar;
  ChinchillaLaw chinchilla;
  SparsityLaw abnar;

  // The Chinchilla form ignores the point's sparsity.
  double loss(const ScalingPoint& point) const;
  // The law as Eq. 6: the Abnar form itself, or the Chinchilla form's coefficients with no
  // sparsity terms (c = d = 0), the same loss at every S. For the optima of law_optimum.h.
  SparsityLaw as_sparsity_law() const;
  // In the law's own terms, not the optimiser's: A, B, E, alpha, beta (Chinchilla) or a, b, c, d,
  // e, alpha, beta, gamma, lambda, delta (Abnar), in that order.
  std::vector<std::pair<std::string, double>> parameters() const;
  // The inverse of parameters(), in any order. Throws std::invalid_argument naming every missing,
  // unknown or repeated name.
  static FittedLaw from_parameters(LawForm form,
                                   const std::vector<std::pair<std::string, double>>& parameters);
};

struct LawFitOptions {
  LawForm form = LawForm::kAbnar;
  // Default: the multi-start L-BFGS. Under kVariableProjection, grid_override may name only
  // exponents (the coefficients are not searched on a grid); validate() says so otherwise.
  LawSolver solver = LawSolver::kMultiStart;
  // Default: kEpoch for the Chinchilla form, kAbnarTable2 for the Abnar form.
  std::optional<InitGrid> init_grid;
  // Replaces the grid's values along the named coordinates (see LawForm), e.g. a coarser
  // {"alpha", {0.25, 0.75}}. Default: none, the grid as published.
  std::vector<std::pair<std::string, std::vector<double>>> grid_override;
  // Huber threshold on log-loss residuals; default 1e-3 (Hoffmann, Epoch, Abnar).
  double huber_delta = 1e-3;
  // Worker threads; default 0 = std::thread::hardware_concurrency(). The result does not depend
  // on it.
  int threads = 0;
  // L-BFGS stopping rules, scipy L-BFGS-B's defaults (factr = 1e7, pgtol = 1e-5, maxiter =
  // 15000): a start has converged when an iteration lowers the objective f by at most
  // function_tolerance * max(|f|, 1), or when the gradient's largest component is at most
  // gradient_tolerance. A start that reaches max_iterations, whose line search fails, or that
  // meets a non-finite value has not converged.
  int max_iterations = 15000;
  double function_tolerance = 1e7 * std::numeric_limits<double>::epsilon();
  double gradient_tolerance = 1e-5;
  // Stopping rules of the polish and of every bootstrap refit. The grid's rules above are
  // relative to max(|f|, 1), and the summed Huber objective is ~1e-3: they stop a start once it
  // gains less than ~2e-9, far from the bottom of a flat valley. So the best start is polished
  // from where it stopped with these rules, relative to |f| alone, and every bootstrap refit is
  // run with them too: a refit stops when an iteration lowers f by at most
  // refit_function_tolerance * |f|, or when max |gradient| <= refit_gradient_tolerance.
  double refit_function_tolerance = 1e-12;
  double refit_gradient_tolerance = 1e-10;
  // Bootstrap replicates; default 0 (none). Each one is a genuine refit to the fit points drawn
  // with replacement (as many as there are), minimised to the refit tolerances from several
  // starts, the best converged start being the replicate:
  //  - the best fit;
  //  - the other distinct local minima of the grid, best first, up to bootstrap_minima in all
  //    (with the best fit);
  //  - bootstrap_grid_starts points of the initialisation grid drawn at random, afresh for each
  //    replicate.
  // So a replicate can leave the best fit's basin where its data prefer another, and where
  // coefficients trade off along a flat valley (a against alpha for Eq. 6 on noisy data) the
  // intervals span that valley. Replicates whose starts all fail are dropped and counted.
  // docs/fitting.md compares the intervals with published ones.
  int bootstrap = 0;
  // Default 8 distinct minima (at least 1: the best fit) and 16 grid starts per replicate.
  int bootstrap_minima = 8;
  int bootstrap_grid_starts = 16;
  // Seed of the bootstrap resampling; the replicates are the same for a given seed whatever the
  // thread count.
  std::uint64_t seed = 1;

  // The grid actually used: init_grid or the form's default.
  InitGrid grid() const;
  // One message per invalid field (including a grid that does not fit the form and unknown or
  // empty grid_override entries); empty when usable.
  std::vector<std::string> validate() const;
};

// How well a law predicts a set of points, as Abnar et al. Appendix E reports it.
struct ErrorMeasures {
  std::size_t points = 0;
  // Mean over the points of (L - L̂)^2, in loss units (nats^2).
  double mse = std::numeric_limits<double>::quiet_NaN();
  // Mean over the points of Huber_delta(log L - log L̂), delta = LawFitOptions::huber_delta. (The
  // fit minimises the sum; this is that sum divided by the number of points.)
  double huber = std::numeric_limits<double>::quiet_NaN();
};

// `law`'s errors on `points`, Huber terms with threshold `delta`.
ErrorMeasures measure_errors(const FittedLaw& law, const std::vector<ScalingPoint>& points,
                             double delta);

struct LawFitSummary {
  FittedLaw law;
  double objective = 0;       // the best start's sum of Huber terms over the fit points
  std::size_t starts = 0;     // grid points tried, every one of them
  std::size_t converged = 0;  // of those, how many converged
  double seconds = 0;         // wall time of the whole fit, bootstrap included
  ErrorMeasures fit;          // on the points fitted
  ErrorMeasures holdout;      // on the held-out points; NaN with 0 points when none was held out
  std::string termination;    // why the best start's L-BFGS stopped (the polish, if it ran)
  int iterations = 0;         // the best start's L-BFGS iterations, polish included

  // The distinct local minima the grid found, best first (law is the first, polished), at most
  // LawFitOptions::bootstrap_minima: the starts of the refits besides grid points.
  std::vector<FittedLaw> minima;

  // Bootstrap refits that converged, in replicate order; bootstrap_failed counts the others.
  std::vector<FittedLaw> replicates;
  std::size_t bootstrap_failed = 0;

  // The central `level` fraction of the replicates' predictions at `point` (percentile method);
  // nullopt without replicates.
  std::optional<Interval> prediction_interval(const ScalingPoint& point, double level = 0.95) const;
  // The same for each parameter, named and ordered as FittedLaw::parameters(); empty without
  // replicates.
  std::vector<std::pair<std::string, Interval>> parameter_intervals(double level = 0.95) const;
};

// The central `level` fraction of `replicates`' values of each parameter of `law` (percentile
// method), named and ordered as FittedLaw::parameters(); empty without replicates. A saved or
// cached fit, which keeps its replicates but not its summary, is reported by this too.
std::vector<std::pair<std::string, Interval>> parameter_intervals(
    const FittedLaw& law, const std::vector<FittedLaw>& replicates, double level = 0.95);

// Fits `options.form` to the points not held out. `holdout` is empty (nothing held out) or has one
// entry per point, true = held out: excluded from the fit, reported in summary.holdout.
//
// Throws FitRefused with
//  - kInvalidOptions: options.validate() failed (the message lists it), or holdout's size is wrong;
//  - kNonFiniteData: an N, D or loss (any point, held out or not) that is not finite and positive,
//    or, for the Abnar form, an S outside [0, 1);
//  - kTooFewPoints: fewer distinct fit points than the form has parameters + 1;
//  - kNotIdentified: data from which the form cannot be determined: every loss equal, fewer
//    than three distinct values of N, of D or (Eq. 6) of S, or the logs of those tied by one
//    linear relation in every point (law_identifiability.h has the rules);
//  - kNoConvergence: no start converged;
//  - kCancelled: control.cancel was set.
LawFitSummary fit_law(const std::vector<ScalingPoint>& points, const std::vector<bool>& holdout,
                      const LawFitOptions& options, const FitControl& control = {});

}  // namespace moescope

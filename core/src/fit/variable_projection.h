#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "fit/distinct_minima.h"  // kSameMinimum: when two descents found one minimum
#include "fit/law_objective.h"
#include "fit/law_refit.h"
#include "moescope/fit/law_fit.h"
#include "numerics/lbfgs.h"
#include "numerics/parallel_for.h"

namespace moescope::law_fit_detail {

// The variable-projection solver of LawSolver::kVariableProjection (G. H. Golub and V. Pereyra,
// "The differentiation of pseudo-inverses and nonlinear least squares problems whose variables
// separate", SIAM J. Numer. Anal. 10, 413-432, 1973), for the law forms. Given its exponents, each
// form is linear in its non-negative coefficients:
//   Chinchilla: L = [N^-alpha, D^-beta, 1] . (A, B, E)
//   Eq. 6:      L = [N^-alpha, D^-beta, (1-S)^-lambda, (1-S)^-delta N^-gamma, 1] . (a, b, c, d, e)
// so the coefficients can be projected out: for given exponents, the best coefficients are
//   c*(exponents) = argmin over c >= 0 of SUM Huber_delta(log L - log(X c)),
// and phi(exponents) = that minimum is the reduced objective. The objective is in log space, so
// the inner problem is not a linear least squares; it is solved in two stages (docs/fitting.md,
// "Variable projection"):
//  1. the linearised problem: log L - log L̂ ~ (L - L̂) / L near the fit, so a non-negative least
//     squares (numerics/nnls.h) of the relative residuals (L - X c) / L starts it;
//  2. Gauss-Newton steps on the true Huber-of-log objective, each an iteratively reweighted NNLS:
//     log(X c') linearised at c, every point weighted by Huber's psi(r) / r, with the step halved
//     until the true objective does not rise; until a step gains at most kInnerTolerance of it.
// The search (VariableProjectionSearch) replaces the multi-start solver's grid by the exponent
// part of the same grid (25 points of Epoch's, 5 400 of Table 2's), each point started at its
// projected coefficients instead of at the 81 (Table 2) or 180 (Epoch) coefficient combinations of
// the grid; from each, L-BFGS on every coordinate at the grid's rules; the best distinct of those
// descents are then polished at the refit rules. Why every grid point is descended from, not only
// the best few values of phi: on MoEScope's study the best minimum (alpha < 0) is reached from
// none of the 100 best grid-local minima of phi (docs/fitting.md).

// A coefficient the inner problem sets to zero is written as this log in the coordinates: every
// term it scales underflows to exactly 0 (or lies below 1e-280 of the loss where the term's own
// exponent is negative), so its gradient, and its exponents', are 0 and L-BFGS leaves it there.
// FittedLaw reports it as exp(-700) ~ 1e-304.
inline constexpr double kZeroCoefficientLog = -700;

// Inner Gauss-Newton steps stop when one gains at most this fraction of the objective, or after
// the caller's number of steps: kInnerSteps for phi itself, kStartInnerSteps for a start of the
// search (L-BFGS takes it from there; more steps there cost more than they save).
inline constexpr double kInnerTolerance = 1e-10;
inline constexpr int kInnerSteps = 100;
inline constexpr int kStartInnerSteps = 3;

// Distinct descents polished at the refit rules (more where LawFitOptions::bootstrap_minima asks).
inline constexpr std::size_t kPolishedStarts = 8;

// phi and the coefficients that reach it.
class ReducedObjective {
 public:
  ReducedObjective(LawForm form, const std::vector<ScalingPoint>& points, double huber_delta);

  int exponents() const { return exponents_; }
  int coefficients() const { return coefficients_; }

  // phi at `exponents` (exponents() values, in coordinate order). Writes the whole coordinate
  // vector (LawForm's order) of the inner minimum into `coordinates`; returns +infinity where the
  // inner problem has no finite solution. At most `steps` Gauss-Newton steps (stage 2).
  double evaluate(const double* exponents, double* coordinates, int steps = kInnerSteps) const;

 private:
  LawForm form_;
  double huber_delta_;
  int exponents_, coefficients_;
  std::vector<double> log_params_, log_tokens_, log_dense_fraction_, loss_, log_loss_;
};

// A descent from one exponent grid point.
struct ProjectedMinimum {
  Coordinates coordinates{};
  double objective = 0;
  numerics::LbfgsResult polish;  // the L-BFGS runs from the projected start, polish included
  std::size_t start = 0;         // the exponent grid point
};

struct ProjectionOutcome {
  std::size_t starts = 0;    // exponent grid points
  std::size_t finite = 0;    // of those, where the projected start was finite
  std::size_t polished = 0;  // distinct descents polished at the refit rules
  // The polished minima, best first (ties: lower grid point).
  std::vector<ProjectedMinimum> minima;
};

class VariableProjectionSearch {
 public:
  // `overrides` as LawFitOptions::grid_override; only the exponents' are used (validate() refuses
  // coefficient overrides under this solver). `polished`: distinct descents polished.
  VariableProjectionSearch(
      LawForm form, InitGrid grid,
      const std::vector<std::pair<std::string, std::vector<double>>>& overrides,
      std::size_t polished);

  std::size_t grid_size() const { return grid_size_; }
  // Units of progress: grid points, then polishes.
  std::size_t items() const { return grid_size_ + polished_; }

  // The descents run at `grid_rules`, the polishes at `polish_rules`. The result does not depend
  // on `threads`. Progress is reported as items done of `progress_total`. Throws
  // FitRefused(kCancelled).
  ProjectionOutcome run(const LawObjective& objective, const ReducedObjective& reduced,
                        const numerics::LbfgsOptions& grid_rules,
                        const numerics::LbfgsOptions& polish_rules, int threads,
                        const numerics::WorkControl& control, std::size_t progress_total) const;

 private:
  std::vector<std::vector<double>> axes_;  // one per exponent, in coordinate order
  std::size_t grid_size_ = 1;
  std::size_t polished_;

  void exponents_at(std::size_t index, double* exponents) const;
};

// The names of the form's exponent coordinates ("alpha", "beta", ...).
const std::vector<std::string>& exponent_names(LawForm form);

}  // namespace moescope::law_fit_detail

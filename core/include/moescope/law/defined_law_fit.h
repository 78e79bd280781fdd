#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moescope/fit/fit_control.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/law_fit.h"
#include "moescope/law/law_definition.h"

namespace moescope::law {

// Fits a user-defined law (law_definition.h) as fit_law (fit/law_fit.h) fits the built-in forms:
// every start of the grid (the product of the parameters' init lists) minimised by the same
// L-BFGS (numerics/lbfgs.h) with the exact gradient, the best converged start (lowest objective,
// then lowest start index, so the result does not depend on the thread count) polished, the
// distinct minima kept, and bootstrap refits from them and from random grid points.
//
// The objective, SUM over the fitted rows of rho(log L - log L̂) (law_definition.h), is evaluated
// by running the law's tape (expression.h) over all rows at once: each instruction is one tight
// loop over the rows, in buffers allocated once per worker. Work that does not change between
// evaluations is done once: instructions that read only variables and constants (log N, D/U)
// are computed per row when the fit starts, and those that read only parameters and constants
// (exp(e)) once per evaluation, not once per row.
//
// Bounds (James and Roos, "MINUIT - a system for function minimization and analysis of the
// parameter errors and correlations", Comput. Phys. Commun. 10 (1975) 343-367; the MINUIT
// user's guide, section "Parameter limits"): the optimiser works in unbounded coordinates u, the
// parameter's coordinate q (its value, or ln of it on the log scale) being
//   two bounds a < b:  q = a + (b - a) (sin u + 1) / 2
//   lower bound a:     q = a - 1 + sqrt(u^2 + 1)
//   upper bound b:     q = b + 1 - sqrt(u^2 + 1)
// Start values are mapped into u by the inverse transforms, and the gradient the optimiser sees
// includes the transforms' Jacobian dq/du (and dvalue/dq = value on the log scale). A start on a
// bound, where dq/du = 0 and the optimiser would stop at once, is first moved inside by 1 % of
// the interval (two bounds) or by 0.01 in q (one bound). Minima lying on a bound are found
// approximately (the transform flattens there), as in MINUIT.

// One row: the law's variables (in LawDefinition::variables() order) and the observed loss.
struct LawRow {
  std::vector<double> values;
  double loss = 0;
  std::size_t source_index = 0;  // the caller's index of the row (a run), named in refusals
};

struct DefinedLawFitOptions {
  // Worker threads; default 0 = std::thread::hardware_concurrency(). The result does not depend
  // on it.
  int threads = 0;
  // The grid's L-BFGS stopping rules, fit_law's (scipy L-BFGS-B's defaults): LawFitOptions
  // documents them.
  int max_iterations = 15000;
  double function_tolerance = 1e7 * std::numeric_limits<double>::epsilon();
  double gradient_tolerance = 1e-5;
  // The polish's and the bootstrap refits' rules, relative to |f| alone, as LawFitOptions's.
  double refit_function_tolerance = 1e-12;
  double refit_gradient_tolerance = 1e-10;
  // Bootstrap replicates (default 0, none), each a refit to the fit rows drawn with replacement
  // from the best fit, the other distinct minima (up to bootstrap_minima in all) and
  // bootstrap_grid_starts random grid points; exactly as LawFitOptions::bootstrap.
  int bootstrap = 0;
  int bootstrap_minima = 8;
  int bootstrap_grid_starts = 16;
  std::uint64_t seed = 1;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

struct FittedValue {
  std::string name;
  double value = 0;
  bool fixed = false;  // a "fixed" value of the file, not fitted
};

struct DefinedLawFitSummary {
  LawDefinition law;  // the law fitted
  // The free parameters in file order, then the fixed values in file order.
  std::vector<FittedValue> parameters;
  double objective = 0;       // the best start's objective (polished)
  std::size_t starts = 0;     // grid points tried
  std::size_t converged = 0;  // of those, how many converged
  double seconds = 0;         // wall time, bootstrap included
  ErrorMeasures fit;          // on the fitted rows (Huber with the objective's delta)
  ErrorMeasures holdout;      // on the held-out rows; NaN with 0 points when none
  std::string termination;    // why the best start's L-BFGS stopped (the polish, if it ran)
  int iterations = 0;         // the best start's iterations, polish included

  // Free parameter values (law.parameters() order): the distinct minima, best first (the first
  // is the fit), and the converged bootstrap replicates in replicate order.
  std::vector<std::vector<double>> minima;
  std::vector<std::vector<double>> replicates;
  std::size_t bootstrap_failed = 0;

  // The free parameters' fitted values, in law.parameters() order.
  std::vector<double> free_values() const;
  // The central `level` fraction of the replicates' values of each free parameter (percentile
  // method); empty without replicates.
  std::vector<std::pair<std::string, Interval>> parameter_intervals(double level = 0.95) const;
  // The same for the predicted loss at `row`; nullopt without replicates.
  std::optional<Interval> prediction_interval(const LawRow& row, double level = 0.95) const;
};

// Fits `law` to the rows not held out (`holdout` empty, or one flag per row, true = held out).
// Throws FitRefused with
//  - kInvalidOptions: options.validate() failed, or holdout's size is wrong;
//  - kNonFiniteData: a row whose loss is not finite and positive, or that lacks a variable or
//    has one that is not finite (rows named by source_index);
//  - kTooFewPoints: fewer fit rows than free parameters + 1;
//  - kNoConvergence: no start converged;
//  - kCancelled: control.cancel was set.
DefinedLawFitSummary fit_defined_law(const LawDefinition& law, const std::vector<LawRow>& rows,
                                     const std::vector<bool>& holdout,
                                     const DefinedLawFitOptions& options,
                                     const FitControl& control = {});

}  // namespace moescope::law

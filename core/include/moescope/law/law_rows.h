#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/fit/fit_control.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_validation.h"
#include "moescope/law/defined_law_fit.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/loss_units.h"
#include "moescope/run/run.h"
#include "moescope/run/run_filter.h"

namespace moescope::law {

// The rows a user-defined law (law_definition.h) is fitted to, taken from runs: what `moescope
// fit law --law-file`, `fit compare` and the explorer hand to fit_defined_law().
//
// A run can be a row when its status is done, its loss finite and positive, and every variable
// the law uses (law.variables(), read by run_variable(), run_variables.h) present and finite:
// nothing is guessed, and every run left out is named with the reason ("run r12 (name): no U").
// The rows' losses share one unit (one_loss_unit, as scaling_points() checks: FitRefused
// kMixedLossUnits otherwise).
//
// law.fit_to() says which of those runs are rows:
//  - kRuns: every one;
//  - kBudgetOptima: one per compute budget, the run of lowest loss among the usable runs whose C
//    lies within 2 % of one another (bin_budgets' default rule, budget_binning.h), so that an
//    envelope L*(C) is fitted to the per-budget optima. Usable runs without C are left out
//    ("no C (the law is fitted to each budget's best run)"), and a note says how many runs and
//    budgets gave the rows.
struct LawRows {
  std::vector<LawRow> rows;           // source_index: the run's index in the input
  std::vector<bool> holdout;          // one per row: the run matches the hold-out rule
  std::vector<double> budgets;        // one per row: the run's C, NaN where it has none
  std::vector<std::string> left_out;  // one line per run left out, with the reason
  std::vector<std::string> notes;     // sentences for the user (the budget optima's)
  LossUnit loss_unit = kDefaultLossUnit;
};

LawRows law_rows(const std::vector<Run>& runs, const LawDefinition& law, const RunFilter& holdout);

// What a variable of a law is, for messages: "unique tokens" for U, "total parameters" for N;
// empty for an extra (a column of its own name).
std::string_view variable_meaning(std::string_view name);
// The column of a runs file that gives it: "unique_tokens" for U, the name itself for N, D, C, S
// and extras, "experts" for E (or an architecture).
std::string variable_column(std::string_view name);

// The law's errors at the rows `which` (indices into `rows`) with free parameter values `values`
// (law.parameters() order): MSE of L - L̂ in loss units and the mean Huber term of log L - log L̂
// with the objective's delta (for a squared objective too, so that every law is scored alike).
// 0 points and NaN means for none.
ErrorMeasures defined_law_errors(const LawDefinition& law, const std::vector<double>& values,
                                 const std::vector<LawRow>& rows,
                                 const std::vector<std::size_t>& which);

// The sum of squared log residuals (log L - log L̂) over `which`, for AIC/BIC; NaN where a
// prediction is not finite.
double log_residual_sum_of_squares(const LawDefinition& law, const std::vector<double>& values,
                                   const std::vector<LawRow>& rows,
                                   const std::vector<std::size_t>& which);

// Validation across budgets (law_validation.h's schemes, with the same names and results) for a
// defined law: the rows with a C are grouped into budgets (within 2 % of one C); for each budget
// in turn (kLeaveOneBudgetOut), or for the largest alone (kForward), the law is refitted by
// fit_defined_law() with `options` (bootstrap off) to the rows not held out and not in that
// budget, from its whole start grid (a defined law's refit cannot be seeded from the full fit's
// minima as the compiled forms' are), and scored on every row of the budget, held-out rows
// included. Rows without C stay in every refit and are never scored. BudgetValidation::law is
// left default: the refit's values are `refits` (one per budgets entry, law.parameters() order).
// A budget whose refit is refused (too few rows left, no start converged) is a line of
// `refused`. Throws FitRefused kTooFewPoints for fewer than two budgets, kCancelled when
// cancelled.
struct DefinedLawValidation {
  LawValidation validation;
  std::vector<std::vector<double>> refits;
};
DefinedLawValidation validate_defined_law(const LawDefinition& law, const LawRows& rows,
                                          const DefinedLawFitOptions& options,
                                          ValidationScheme scheme, const FitControl& control = {});

}  // namespace moescope::law

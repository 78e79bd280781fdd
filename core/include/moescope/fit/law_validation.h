#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moescope/fit/law_fit.h"

namespace moescope {

// How well a law fitted on some budgets predicts the others: the check a researcher needs
// before trusting a law at a budget nobody trained at.
enum class ValidationScheme {
  // Each budget in turn is left out, the law refitted to the rest and scored on it.
  kLeaveOneBudgetOut,
  // The law is refitted to every budget but the largest and scored on the largest.
  kForward,
};
std::string_view to_string(ValidationScheme scheme);

// One budget predicted by a law that did not see it.
struct BudgetValidation {
  double budget = 0;              // median C of the budget's points
  std::size_t fitted_points = 0;  // points the refit used
  // On every point of the budget, those the hold-out rule excluded from every fit included.
  ErrorMeasures errors;
  // The budget's lowest observed loss, and what the refit predicts for that run.
  double best_observed_loss = 0;
  double best_predicted_loss = 0;
  std::size_t best_run_index = 0;  // ScalingPoint::run_index of that run
  FittedLaw law;                   // the refit
};

struct LawValidation {
  ValidationScheme scheme = ValidationScheme::kLeaveOneBudgetOut;
  std::vector<BudgetValidation> budgets;  // in increasing C
  // Budgets whose refit was refused (e.g. the rest no longer identifies the law), one line each
  // with the reason.
  std::vector<std::string> refused;
};

// The points of each budget, as indices into `points`, in increasing C: the groups of points
// whose C lies within 2 % (group_by_budget's rule), paired with each group's median C.
std::vector<std::pair<double, std::vector<std::size_t>>> points_by_budget(
    const std::vector<ScalingPoint>& points);

// Budgets are the groups of points whose C lies within 2 % (group_by_budget's rule). Each refit
// minimises the same objective as fit_law with the budget's points weighted 0, to the refit
// tolerances, from full.minima and options.bootstrap_grid_starts grid points drawn at random
// (seeded by options.seed), exactly as a bootstrap replicate is refitted: the full fit only
// supplies starting points, the refit's minimum is its own. Throws FitRefused with
// kInvalidOptions (options, holdout's size, or full's form differs from options.form),
// kTooFewPoints (fewer than two budgets) or kCancelled.
LawValidation validate_law(const std::vector<ScalingPoint>& points,
                           const std::vector<bool>& holdout, const LawFitOptions& options,
                           const LawFitSummary& full, ValidationScheme scheme,
                           const FitControl& control = {});

}  // namespace moescope

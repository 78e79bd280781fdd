#include "moescope/fit/law_validation.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <thread>

#include "fit/law_identifiability.h"
#include "fit/law_refit.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/io/number_format.h"
#include "numerics/parallel_for.h"

namespace moescope {
namespace {

using law_fit_detail::Coordinates;

// A seed stream of its own, so that validation refits do not repeat the bootstrap's draws.
constexpr std::uint64_t kValidationStream = 0x76616c6964617465ULL;  // "validate"

}  // namespace

std::vector<std::pair<double, std::vector<std::size_t>>> points_by_budget(
    const std::vector<ScalingPoint>& points) {
  std::vector<SurfacePoint> as_surface;
  for (std::size_t i = 0; i < points.size(); ++i) {
    SurfacePoint point;
    point.total_params = points[i].total_params;
    point.sparsity = points[i].sparsity;
    point.loss = points[i].loss;
    point.compute = points[i].compute;
    point.run_index = i;  // the position in `points`, to map the groups back
    as_surface.push_back(point);
  }
  std::vector<std::pair<double, std::vector<std::size_t>>> budgets;
  for (const BudgetGroup& group : group_by_budget(as_surface)) {
    std::vector<std::size_t> members;
    for (const SurfacePoint& point : group.points)
      members.push_back(point.run_index);
    budgets.emplace_back(*group.budget, std::move(members));
  }
  return budgets;
}

std::string_view to_string(ValidationScheme scheme) {
  return scheme == ValidationScheme::kForward ? "forward" : "budgets";
}

LawValidation validate_law(const std::vector<ScalingPoint>& points,
                           const std::vector<bool>& holdout, const LawFitOptions& options,
                           const LawFitSummary& full, ValidationScheme scheme,
                           const FitControl& control) {
  if (const auto problems = options.validate(); !problems.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, problems.front());
  if (!holdout.empty() && holdout.size() != points.size())
    throw FitRefused(RefusalReason::kInvalidOptions, "holdout has the wrong size");
  if (full.law.form != options.form || full.minima.empty()) {
    throw FitRefused(RefusalReason::kInvalidOptions,
                     "the full fit must be of the same form and keep its minima");
  }
  const auto budgets = points_by_budget(points);
  if (budgets.size() < 2) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     "validation across budgets needs at least two budgets, got " +
                         std::to_string(budgets.size()));
  }
  std::vector<std::size_t> folds(budgets.size());
  for (std::size_t k = 0; k < folds.size(); ++k)
    folds[k] = k;
  if (scheme == ValidationScheme::kForward)
    folds = {budgets.size() - 1};

  std::vector<ScalingPoint> fit_points;
  std::vector<std::size_t> fit_index(points.size(), std::numeric_limits<std::size_t>::max());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (holdout.empty() || !holdout[i]) {
      fit_index[i] = fit_points.size();
      fit_points.push_back(points[i]);
    }
  }
  const law_fit_detail::LawObjective objective(options.form, fit_points, options.huber_delta);
  const law_fit_detail::StartGrid grid(options.form, options.grid(), options.grid_override);
  law_fit_detail::RefitStarts starts;
  for (const FittedLaw& minimum : full.minima) {
    Coordinates coordinates{};
    law_fit_detail::coordinates_from_law(minimum, coordinates.data());
    starts.minima.push_back(coordinates);
  }
  starts.grid = &grid;
  starts.grid_starts = static_cast<std::size_t>(options.bootstrap_grid_starts);
  const numerics::LbfgsOptions refit_rules{options.max_iterations, options.refit_function_tolerance,
                                           options.refit_gradient_tolerance, 0.0};

  struct Outcome {
    std::optional<BudgetValidation> scored;
    std::string refused;
  };
  std::vector<Outcome> outcomes(folds.size());
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool finished = numerics::parallel_for(
      folds.size(), threads, {control.progress, control.cancel}, {0, folds.size()},
      [&](int, std::size_t fold, const std::atomic<bool>& stop) {
        const auto& [budget, members] = budgets[folds[fold]];
        std::vector<double> weights(fit_points.size(), 1.0);
        for (const std::size_t i : members) {
          if (fit_index[i] != std::numeric_limits<std::size_t>::max())
            weights[fit_index[i]] = 0.0;
        }
        std::vector<ScalingPoint> remaining;
        for (std::size_t j = 0; j < fit_points.size(); ++j) {
          if (weights[j] > 0)
            remaining.push_back(fit_points[j]);
        }
        try {
          law_fit_detail::check_identifiable(options.form, remaining);
        } catch (const FitRefused& refused) {
          outcomes[fold].refused = "C = " + format_brief(budget) + ": " + refused.what();
          return;
        }
        law_fit_detail::LawObjective weighted = objective;
        weighted.set_weights(weights);
        std::uint64_t state = law_fit_detail::refit_stream(options.seed ^ kValidationStream, fold);
        const auto fitted = law_fit_detail::refit(weighted, starts, refit_rules, state, stop);
        if (!fitted) {
          outcomes[fold].refused =
              "C = " + format_brief(budget) + ": no start of the refit " + "converged";
          return;
        }
        BudgetValidation scored;
        scored.budget = budget;
        scored.fitted_points = remaining.size();
        scored.law = law_fit_detail::law_from_coordinates(options.form, fitted->data());
        std::vector<ScalingPoint> predicted;
        for (const std::size_t i : members)
          predicted.push_back(points[i]);
        scored.errors = measure_errors(scored.law, predicted, options.huber_delta);
        const auto best = std::min_element(
            predicted.begin(), predicted.end(),
            [](const ScalingPoint& x, const ScalingPoint& y) { return x.loss < y.loss; });
        scored.best_observed_loss = best->loss;
        scored.best_predicted_loss = scored.law.loss(*best);
        scored.best_run_index = best->run_index;
        outcomes[fold].scored = std::move(scored);
      });
  if (!finished)
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");

  LawValidation validation;
  validation.scheme = scheme;
  for (Outcome& outcome : outcomes) {
    if (outcome.scored)
      validation.budgets.push_back(std::move(*outcome.scored));
    else
      validation.refused.push_back(std::move(outcome.refused));
  }
  return validation;
}

}  // namespace moescope

#include "moescope/explore/validation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "explorer_cache.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_validation.h"
#include "moescope/io/number_format.h"

namespace moescope {

LawValidation validate_explorer_law(const ExplorerData& data, ValidationScheme scheme,
                                    const FitControl& control) {
  if (!data.law)
    throw FitRefused(RefusalReason::kNotIdentified, "no law to validate: " + data.law_refused);
  LawFitSummary full;
  full.law = *data.law;
  full.minima = data.law_minima;
  return validate_law(data.law_points, data.holdout, data.law_options, full, scheme, control);
}

Figure validation_figure(const ExplorerData& data, const LawValidation& validation) {
  const bool forward = validation.scheme == ValidationScheme::kForward;
  Figure figure = make_figure(
      FigureId::kLawFitVsHeldOut,
      forward ? law_name(data) + ": the largest budget predicted from the smaller ones"
              : law_name(data) + ": each budget predicted with that budget left out",
      loss_label(data, "Observed L"),
      loss_label(data, "Predicted L\u0302") + ", refit without the budget", false, false);
  const auto budgets = points_by_budget(data.law_points);
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -lowest;
  for (const BudgetValidation& scored : validation.budgets) {
    // The group validate_law scored: the one whose budget it reports.
    const auto group = std::find_if(budgets.begin(), budgets.end(), [&](const auto& candidate) {
      return candidate.first == scored.budget;
    });
    if (group == budgets.end())
      continue;
    Series series;
    series.label = budget_label(scored.budget) + ": MSE " + format_brief(scored.errors.mse);
    series.kind = SeriesKind::kRuns;
    series.budget = scored.budget;
    for (const std::size_t i : group->second) {
      const ScalingPoint& point = data.law_points[i];
      const double predicted = scored.law.loss(point);
      series.x.push_back(point.loss);
      series.y.push_back(predicted);
      lowest = std::min({lowest, point.loss, predicted});
      highest = std::max({highest, point.loss, predicted});
    }
    figure.points.push_back(std::move(series));
  }
  if (!figure.points.empty()) {
    Series diagonal;
    diagonal.label = "y = x";
    diagonal.x = diagonal.y = {lowest, highest};
    figure.curves.push_back(std::move(diagonal));
  }
  if (!validation.refused.empty()) {
    figure.message = "Not validated: ";
    for (std::size_t i = 0; i < validation.refused.size(); ++i)
      figure.message += (i ? "; " : "") + validation.refused[i];
    figure.message += ".";
  }
  return figure;
}

}  // namespace moescope

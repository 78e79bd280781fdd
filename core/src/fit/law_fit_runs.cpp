#include "moescope/fit/law_fit_runs.h"

#include <cmath>

#include "moescope/io/number_format.h"

namespace moescope {
namespace {

// Sparsity levels closer than this are one level (as the IsoFLOP curves group them).
constexpr double kSameSparsity = 1e-9;

std::optional<double> single_sparsity(const std::vector<ScalingPoint>& points) {
  if (points.empty())
    return std::nullopt;
  const double first = points.front().sparsity;
  for (const ScalingPoint& point : points) {
    if (!(std::abs(point.sparsity - first) <= kSameSparsity))
      return std::nullopt;
  }
  return first;
}

}  // namespace

LawFormChoice choose_law_form(const std::vector<ScalingPoint>& fit_points) {
  LawFormChoice choice;
  choice.sparsity = single_sparsity(fit_points);
  if (!choice.sparsity)
    return choice;
  choice.form = LawForm::kChinchilla;
  choice.reason = "every fit point has S = " + format_number(*choice.sparsity) +
                  ", so Eq. 6's sparsity terms are not identified: fitted Chinchilla's form "
                  "L = E + A/N^alpha + B/D^beta, which describes S = " +
                  format_number(*choice.sparsity) + " only";
  return choice;
}

RunLawFit fit_law_to_runs(const std::vector<Run>& runs, const RunFilter& holdout,
                          std::optional<LawForm> form, LawFitOptions options,
                          const FitControl& control) {
  RunLawFit result;
  result.data = scaling_points(runs);
  std::vector<ScalingPoint> fit_points;
  for (const ScalingPoint& point : result.data.points) {
    result.holdout.push_back(holdout.matches(runs[point.run_index]));
    if (!result.holdout.back())
      fit_points.push_back(point);
  }
  const LawFormChoice choice = choose_law_form(fit_points);
  const LawForm fitted = form ? *form : choice.form;
  if (!form)
    result.form_note = choice.reason;
  result.scope.form = fitted;
  if (fitted == LawForm::kChinchilla)
    result.scope.sparsity = choice.sparsity;
  result.scope.range = data_range(result.data.points);
  result.scope.loss_unit = result.data.loss_unit;
  result.options = options_as_fitted(std::move(options), fitted);
  result.summary = fit_law(result.data.points, result.holdout, result.options, control);
  return result;
}

LawFitOptions options_as_fitted(LawFitOptions options, LawForm fitted) {
  if (fitted != options.form) {
    // The grid was set up for the other form: its coordinates do not carry over.
    options.init_grid.reset();
    options.grid_override.clear();
    options.form = fitted;
  }
  return options;
}

}  // namespace moescope

#include "figure_style.h"

#include <QString>
#include <algorithm>
#include <cmath>

#include "plot_style.h"

namespace moescope::explorer::figure_style {
namespace {

constexpr double kLawLineWidth = 1.0;  // see lawPen

// A ramp's colour for a line or a marker on white.
QColor lineColour(const plot_style::ColourRamp& ramp, double position) {
  // The ramps' last stops are pale yellow, unreadable as a thin line on white.
  constexpr double kBrightestUsable = 0.88;
  return plot_style::toQColor(
      plot_style::rampColour(ramp, std::clamp(position, 0.0, 1.0) * kBrightestUsable));
}

}  // namespace

QColor sparsityColour(double sparsity) {
  constexpr double kMostSparse = 0.98;
  const double linear = sparsity / kMostSparse;
  const double logarithmic =
      std::log1p(-std::min(sparsity, kMostSparse)) / std::log1p(-kMostSparse);
  return lineColour(plot_style::kViridis, 0.5 * linear + 0.5 * logarithmic);
}

bool isSliderCurve(const Series& series) {
  return QString::fromStdString(series.label).endsWith(QStringLiteral("(slider)"));
}

bool isDataFit(const Series& series) {
  return series.kind == SeriesKind::kSurface || series.kind == SeriesKind::kIsoflopCurves;
}

bool comparesSurfacesWithTheLaw(const Figure& figure) {
  const bool data_fit = std::any_of(figure.curves.begin(), figure.curves.end(), isDataFit);
  const bool law = std::any_of(figure.curves.begin(), figure.curves.end(),
                               [](const Series& one) { return one.kind == SeriesKind::kLaw; });
  return data_fit && law;
}

QPen lawPen(const QColor& colour) {
  QPen pen(colour, kLawLineWidth);
  pen.setCapStyle(Qt::FlatCap);
  // One pixel wide on screen: Qt's raster engine draws such a dashed line directly, where a wider
  // one becomes a path per dash, filled (Figure 4's dozen dashed curves cost 1.5 ms a frame so).
  pen.setDashPattern({6.0, 3.5});
  return pen;
}

QColor fitColour(int index) {
  const auto count = static_cast<int>(kFitColours.size());
  return kFitColours[static_cast<std::size_t>(((index % count) + count) % count)];
}

QPen fitPen(const QColor& colour) {
  QPen pen(colour, kLineWidth);
  pen.setCapStyle(Qt::FlatCap);
  pen.setDashPattern({5.0, 2.0, 1.0, 2.0});
  return pen;
}

BudgetScale BudgetScale::of(const Figure& figure) {
  BudgetScale scale;
  for (const std::vector<Series>* group : {&figure.curves, &figure.points}) {
    for (const Series& series : *group) {
      // A user law's curves are in their fit's colour and do not move the ramp.
      if (series.fit_colour)
        continue;
      if (series.budget && !series.sparsity && !isSliderCurve(series) && *series.budget > 0)
        scale.log_budgets_.push_back(std::log10(*series.budget));
    }
  }
  std::sort(scale.log_budgets_.begin(), scale.log_budgets_.end());
  scale.log_budgets_.erase(std::unique(scale.log_budgets_.begin(), scale.log_budgets_.end()),
                           scale.log_budgets_.end());
  return scale;
}

QColor BudgetScale::colour(double budget) const {
  return lineColour(plot_style::kPlasma, position(std::log10(budget)));
}

double BudgetScale::position(double log_budget) const {
  const std::size_t count = log_budgets_.size();
  if (count < 2)
    return 0.5;
  const auto above = std::upper_bound(log_budgets_.begin(), log_budgets_.end(), log_budget);
  if (above == log_budgets_.begin())
    return 0.0;
  if (above == log_budgets_.end())
    return 1.0;
  const auto rank = static_cast<double>(above - log_budgets_.begin() - 1);
  const double fraction = (log_budget - *(above - 1)) / (*above - *(above - 1));
  return (rank + fraction) / static_cast<double>(count - 1);
}

std::optional<QColor> keyedColour(const Series& series, const BudgetScale& budgets) {
  if (series.fit_colour)
    return std::nullopt;
  if (series.sparsity)
    return sparsityColour(*series.sparsity);
  if (series.budget)
    return budgets.colour(*series.budget);
  return std::nullopt;
}

}  // namespace moescope::explorer::figure_style

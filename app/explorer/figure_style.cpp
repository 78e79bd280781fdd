#include "figure_style.h"

#include <QFontDatabase>
#include <QScatterSeries>
#include <QString>
#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>

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

QString figureFontFamily() {
  static const QString family = [] {
    const QString wanted = QStringLiteral("DejaVu Sans");
    if (QFontDatabase::families().contains(wanted))
      return wanted;
    const int id = QFontDatabase::addApplicationFont(
        QStringLiteral("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"));
    const QStringList loaded = QFontDatabase::applicationFontFamilies(id);
    if (!loaded.isEmpty())
      return loaded.first();
    std::cerr << "moescope-explorer: note: DejaVu Sans not found (Debian: apt install "
                 "fonts-dejavu-core); figures use the default font\n";
    return QFontDatabase::systemFont(QFontDatabase::GeneralFont).family();
  }();
  return family;
}

Look screenLook() {
  Look look;
  look.font_family = figureFontFamily();
  return look;
}

Look lookOf(const FigureExportStyle& style) {
  Look look = screenLook();
  look.title = style.title;
  if (style.look == FigureLook::kScreen && style.font_points <= 0)
    return look;
  // Points to pixels of the layout, at FigureView::kLayoutDpi = 96 per inch.
  constexpr double kPixelsPerPoint = 96.0 / 72.0;
  const double body = style.bodyPoints() * kPixelsPerPoint;
  look.body_pixels = body;
  look.title_pixels = body + kPixelsPerPoint;
  if (style.look == FigureLook::kPaper) {
    // Thin lines and small markers, as a printed page has them; bands dark enough to print.
    look.line_width = 1.0 * kPixelsPerPoint;
    look.law_line_width = 0.8 * kPixelsPerPoint;
    look.run_marker_size = 4.0 * kPixelsPerPoint;
    look.marked_value_size = 6.5 * kPixelsPerPoint;
    look.band_opacity = 0.28;
    look.grid_width = 0.4 * kPixelsPerPoint;
  } else if (style.look == FigureLook::kSlides) {
    look.line_width = 3.0;
    look.law_line_width = 2.0;
    look.run_marker_size = 10.0;
    look.marked_value_size = 15.0;
    look.band_opacity = 0.22;
  }
  return look;
}

QColor sparsityColour(double sparsity) {
  static const std::array<QColor, 14> kLevels = {
      QColor(0x33, 0x22, 0x88), QColor(0x1f, 0x78, 0xd0), QColor(0x55, 0xc0, 0xe8),
      QColor(0x44, 0xaa, 0x99), QColor(0x22, 0x88, 0x33), QColor(0x88, 0xaa, 0x33),
      QColor(0xb8, 0xa0, 0x20), QColor(0xe6, 0x9f, 0x00), QColor(0xee, 0x66, 0x77),
      QColor(0xcc, 0x33, 0x11), QColor(0xaa, 0x33, 0x77), QColor(0x88, 0x22, 0x55),
      QColor(0x55, 0x55, 0x55), QColor(0x11, 0x11, 0x11)};
  const double doublings = -std::log2(1.0 - std::clamp(sparsity, 0.0, 0.9999));
  const auto index = static_cast<std::size_t>(
      std::clamp(std::lround(2.0 * doublings), 0L, static_cast<long>(kLevels.size() - 1)));
  return kLevels[index];
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
      if (series.total_params && *series.total_params > 0)
        scale.log_sizes_.push_back(std::log10(*series.total_params));
    }
  }
  for (std::vector<double>* keys : {&scale.log_budgets_, &scale.log_sizes_}) {
    std::sort(keys->begin(), keys->end());
    keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  }
  return scale;
}

QColor BudgetScale::colour(double budget) const {
  return lineColour(plot_style::kPlasma, position(log_budgets_, std::log10(budget)));
}

QColor BudgetScale::sizeColour(double total_params) const {
  // Greys, light to black as N grows: Figure 2a's sizes sit in one legend with Figure 2b's and
  // 2c's sparsities (a multi-panel export), whose colours they must not be mistaken for.
  const double position_of_size = position(log_sizes_, std::log10(total_params));
  const int level = static_cast<int>(std::lround(170.0 * (1.0 - position_of_size)));
  return QColor(level, level, level);
}

double BudgetScale::position(const std::vector<double>& log_keys, double log_key) {
  const std::size_t count = log_keys.size();
  if (count < 2)
    return 0.5;
  const auto above = std::upper_bound(log_keys.begin(), log_keys.end(), log_key);
  if (above == log_keys.begin())
    return 0.0;
  if (above == log_keys.end())
    return 1.0;
  const auto rank = static_cast<double>(above - log_keys.begin() - 1);
  const double fraction = (log_key - *(above - 1)) / (*above - *(above - 1));
  return (rank + fraction) / static_cast<double>(count - 1);
}

std::optional<QColor> keyedColour(const Series& series, const BudgetScale& budgets) {
  if (series.fit_colour)
    return std::nullopt;
  if (series.total_params && *series.total_params > 0)
    return budgets.sizeColour(*series.total_params);
  if (series.sparsity)
    return sparsityColour(*series.sparsity);
  if (series.budget)
    return budgets.colour(*series.budget);
  return std::nullopt;
}

int markerShape(const Figure& figure, const Series& series) {
  if (series.kind == SeriesKind::kOptimum)
    return QScatterSeries::MarkerShapeStar;
  if (series.key.empty())
    return QScatterSeries::MarkerShapeCircle;
  // Shapes that stay apart at a run marker's size; the star is the optima's.
  static constexpr std::array kShapes = {
      QScatterSeries::MarkerShapeCircle, QScatterSeries::MarkerShapeRectangle,
      QScatterSeries::MarkerShapeTriangle, QScatterSeries::MarkerShapeRotatedRectangle,
      QScatterSeries::MarkerShapePentagon};
  std::vector<const std::string*> keys;
  for (const Series& points : figure.points) {
    if (points.key.empty() || points.kind == SeriesKind::kOptimum)
      continue;
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const std::string* key) { return *key == points.key; }))
      keys.push_back(&points.key);
    if (points.key == series.key)
      return kShapes[(keys.size() - 1) % kShapes.size()];
  }
  return QScatterSeries::MarkerShapeCircle;
}

}  // namespace moescope::explorer::figure_style

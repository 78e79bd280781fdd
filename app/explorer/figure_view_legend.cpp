// FigureView's legend: which series it names and how wide it is, the grey keys that say what
// solid and dashed lines and the run markers are, and the shared entries that name many series
// at once (Series::key, Series::colour_key), so that a figure of many sets keeps a legend that
// fits.
#include <QAreaSeries>
#include <QChart>
#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <algorithm>
#include <cmath>
#include <optional>

#include "display_text.h"
#include "figure_style.h"
#include "figure_view.h"

namespace moescope::explorer {
namespace {

using namespace figure_style;
using moescope::Series;

// How wide rich text is set in `font`.
// Series named in the legend for what they are, whatever colour they share with a curve.
bool namedForItsKind(const Series& series) {
  return series.kind == moescope::SeriesKind::kHeldOut ||
         series.kind == moescope::SeriesKind::kOptimum ||
         series.kind == moescope::SeriesKind::kBound ||
         series.kind == moescope::SeriesKind::kProposed;
}

void showLegendMarkers(QLegend* legend, QAbstractSeries* series, bool shown) {
  for (QLegendMarker* marker : legend->markers(series))
    marker->setVisible(shown);
}

// One shared entry: a grey sample of a line or of a marker, or a circle of a colour.
struct SharedEntry {
  QString label;
  bool marker = false;
  QPen pen;
  int shape = QScatterSeries::MarkerShapeCircle;
  QColor fill;
  double size = 0;
};

bool known(const std::vector<SharedEntry>& entries, const QString& label, bool marker) {
  return std::any_of(entries.begin(), entries.end(), [&](const SharedEntry& entry) {
    return entry.label == label && entry.marker == marker;
  });
}

}  // namespace

void FigureView::addKey() {
  // Lines without points: only their legend entries show, grey, drawn as the curves are.
  key_surface_ = new QLineSeries;
  key_surface_->setName(kSurfaceKey);
  key_surface_->setPen(QPen(kAxisColour, kLineWidth));
  key_law_ = new QLineSeries;
  key_law_->setName(kLawKey);
  // The legend's sample is short: shorter dashes, so that it shows a few.
  QPen key_pen = lawPen(kAxisColour);
  key_pen.setDashPattern({3.0, 2.0});
  key_law_->setPen(key_pen);
  for (QLineSeries* series : {key_surface_, key_law_}) {
    attach(series);
    series->setVisible(false);
  }
  key_runs_ = new QScatterSeries;
  key_runs_->setName(QStringLiteral("runs"));
  key_runs_->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  key_runs_->setColor(kAxisColour);
  key_runs_->setBorderColor(Qt::white);
  attach(key_runs_);
  key_runs_->setVisible(false);
}

double FigureView::updateSharedKeys() {
  std::vector<SharedEntry> entries;
  // Lines first, then markers, then colours: what is drawn, then what the colours mean.
  for (std::size_t i = 0; i < figure_->curves.size(); ++i) {
    const Series& curve = figure_->curves[i];
    const QString label = richLabel(curve.key);
    if (curve.key.empty() || known(entries, label, false))
      continue;
    SharedEntry entry;
    entry.label = label;
    entry.pen = drawn_curves_[i].line_or_markers->pen();
    entry.pen.setColor(kAxisColour);
    entries.push_back(entry);
  }
  for (std::size_t i = 0; i < figure_->points.size(); ++i) {
    const Series& points = figure_->points[i];
    const QString label = richLabel(points.key);
    if (points.key.empty() || known(entries, label, true))
      continue;
    const auto* drawn = static_cast<const QScatterSeries*>(drawn_points_[i].line_or_markers);
    SharedEntry entry;
    entry.label = label;
    entry.marker = true;
    entry.shape = drawn->markerShape();
    entry.size = drawn->markerSize();
    // Hollow markers keep a grey rim; filled ones are grey, rimmed as they are.
    const bool hollow = drawn->color() == QColor(Qt::white);
    entry.fill = hollow ? QColor(Qt::white) : kAxisColour;
    entry.pen = QPen(hollow ? kAxisColour : drawn->borderColor(), drawn->pen().widthF());
    entries.push_back(entry);
  }
  for (std::size_t i = 0; i < figure_->points.size(); ++i) {
    const Series& points = figure_->points[i];
    const QString label = richLabel(points.colour_key);
    if (points.colour_key.empty() || known(entries, label, true))
      continue;
    const auto* drawn = static_cast<const QScatterSeries*>(drawn_points_[i].line_or_markers);
    SharedEntry entry;
    entry.label = label;
    entry.marker = true;
    entry.size = look_.run_marker_size;
    entry.fill = drawn->color() == QColor(Qt::white) ? drawn->borderColor() : drawn->color();
    entry.pen = QPen(QColor(Qt::white), drawn->pen().widthF());
    entries.push_back(entry);
  }

  // Drawn by series without points from two pools, kept across figures; the rest hidden.
  QLegend* legend = chart_->legend();
  std::size_t lines = 0, markers = 0;
  double widest = 0;
  for (const SharedEntry& entry : entries) {
    QXYSeries* series = nullptr;
    if (entry.marker) {
      if (markers == key_markers_.size()) {
        key_markers_.push_back(new QScatterSeries);
        attach(key_markers_.back());
      }
      QScatterSeries* sample = key_markers_[markers++];
      sample->setMarkerShape(static_cast<QScatterSeries::MarkerShape>(entry.shape));
      sample->setMarkerSize(entry.size);
      sample->setColor(entry.fill);
      sample->setPen(entry.pen);
      sample->setBorderColor(entry.pen.color());
      series = sample;
    } else {
      if (lines == key_lines_.size()) {
        key_lines_.push_back(new QLineSeries);
        attach(key_lines_.back());
      }
      series = key_lines_[lines++];
      series->setPen(entry.pen);
    }
    setNameIfChanged(series, entry.label);
    series->setVisible(true);
    showLegendMarkers(legend, series, true);
    widest = std::max(widest, richWidth(entry.label, legend->font()));
  }
  for (std::size_t k = lines; k < key_lines_.size(); ++k)
    key_lines_[k]->setVisible(false);
  for (std::size_t k = markers; k < key_markers_.size(); ++k)
    key_markers_[k]->setVisible(false);
  return widest;
}

void FigureView::updateLegend() {
  QLegend* legend = chart_->legend();
  const QFontMetricsF metrics(legend->font());
  double widest_label = 0;
  auto showMarkers = [&](QAbstractSeries* series, const Series* named) {
    if (series == nullptr)
      return;
    showLegendMarkers(legend, series, named != nullptr);
    if (named != nullptr)
      widest_label = std::max(widest_label, richWidth(richLabel(named->label), legend->font()));
  };
  // Markers of a sparsity that a curve already names would only double the legend (Figure 2b
  // has a curve and a set of runs per sparsity); the marker shape tells runs from the law.
  const BudgetScale budgets = BudgetScale::of(*figure_);
  std::vector<QColor> curve_colours, surface_colours;
  for (const Series& curve : figure_->curves) {
    if (const std::optional<QColor> colour = keyedColour(curve, budgets)) {
      curve_colours.push_back(*colour);
      if (isDataFit(curve))
        surface_colours.push_back(*colour);
    }
  }
  // Where the surfaces' curves and the law's are drawn together, a colour (a sparsity, a budget)
  // is named once, by the surface's curve, and the key says what solid and dashed lines are.
  const bool compares = comparesSurfacesWithTheLaw(*figure_);
  // Series beyond the figure's are kept hidden for the next figure that has them.
  for (std::size_t i = 0; i < drawn_curves_.size(); ++i) {
    const Series* named = i < figure_->curves.size() ? &figure_->curves[i] : nullptr;
    if (named != nullptr && !named->key.empty())
      named = nullptr;  // named by the shared entry of its key
    if (named != nullptr && compares && named->kind == moescope::SeriesKind::kLaw &&
        !isSliderCurve(*named)) {
      const std::optional<QColor> colour = keyedColour(*named, budgets);
      if (colour && std::find(surface_colours.begin(), surface_colours.end(), *colour) !=
                        surface_colours.end())
        named = nullptr;
    }
    // A user law is named once, by its first curve.
    if (named != nullptr && named->fit_colour) {
      for (std::size_t k = 0; k < i; ++k) {
        if (figure_->curves[k].fit_colour == named->fit_colour) {
          named = nullptr;
          break;
        }
      }
    }
    showMarkers(drawn_curves_[i].line_or_markers, named);
    showMarkers(drawn_curves_[i].band, nullptr);
  }
  // The figures that compare at a fitted budget keep room for the key between budgets too, so
  // that the plot does not jump as the slider passes a budget.
  const bool may_compare = figure_->id == moescope::FigureId::kLossVsSparsity ||
                           figure_->id == moescope::FigureId::kLossVsParams ||
                           figure_->id == moescope::FigureId::kLossVsActiveParams ||
                           figure_->id == moescope::FigureId::kOptimalSparsityVsParams ||
                           figure_->id == moescope::FigureId::kOptimalParamsVsBudget ||
                           figure_->id == moescope::FigureId::kOptimalTokensVsBudget;
  for (const auto& [series, label] :
       {std::pair{key_surface_, QString::fromStdString(figure_->solid_key)},
        std::pair{key_law_, QString::fromStdString(figure_->dashed_key)}}) {
    if (series == nullptr)
      continue;
    setNameIfChanged(series, label);
    series->setVisible(compares);
    showLegendMarkers(legend, series, compares);
    if (compares || may_compare)
      widest_label = std::max(widest_label, metrics.horizontalAdvance(label));
  }
  // Runs whose colour a curve names are keyed once, by a grey marker: what the dots are.
  bool runs_keyed_by_curves = false;
  for (std::size_t i = 0; i < drawn_points_.size(); ++i) {
    const Series* named = i < figure_->points.size() ? &figure_->points[i] : nullptr;
    if (named != nullptr && (!named->key.empty() || !named->colour_key.empty()))
      named = nullptr;  // named by the shared entries of its key and its colour
    if (named != nullptr && !namedForItsKind(*named)) {
      const std::optional<QColor> colour = keyedColour(*named, budgets);
      if (colour &&
          std::find(curve_colours.begin(), curve_colours.end(), *colour) != curve_colours.end()) {
        runs_keyed_by_curves |= named->kind == moescope::SeriesKind::kRuns && !named->x.empty();
        named = nullptr;
      }
    }
    showMarkers(drawn_points_[i].line_or_markers, named);
    showMarkers(drawn_points_[i].band, nullptr);
  }
  if (key_runs_ != nullptr) {
    key_runs_->setVisible(runs_keyed_by_curves);
    showLegendMarkers(legend, key_runs_, runs_keyed_by_curves);
  }
  widest_label = std::max(widest_label, updateSharedKeys());
  legend->setVisible(hasContent());

  // The marker, the gaps beside it and the legend's margins take about four lines' height (with
  // three, Qt cut the longest label short by a few letters); the width is rounded up to a quarter
  // inch at the layout's resolution.
  constexpr double kWidthStep = kLayoutDpi / 4;
  // At most two fifths of the chart's width, longer labels elided: a narrow panel keeps its plot.
  const double width =
      std::min(std::ceil((widest_label + 4 * metrics.height()) / kWidthStep) * kWidthStep,
               std::max(kWidthStep, 0.4 * chart_->size().width()));
  legend->setMinimumWidth(width);
  legend->setMaximumWidth(width);
  // Laid out now: a legend that gained markers hides them all until its next layout, which a
  // change of its width starts at once and an unchanged width leaves to the event loop.
  legend->layout()->activate();
}

std::vector<FigureView::LegendEntry> FigureView::legendEntries() const {
  std::vector<LegendEntry> entries;
  if (!hasContent())
    return entries;
  for (QLegendMarker* marker : chart_->legend()->markers()) {
    if (!marker->isVisible() || !marker->series()->isVisible() ||
        marker->series()->type() == QAbstractSeries::SeriesTypeArea)
      continue;
    LegendEntry entry;
    entry.label = marker->label();
    if (const auto* scatter = qobject_cast<const QScatterSeries*>(marker->series())) {
      entry.marker = true;
      entry.shape = scatter->markerShape();
      entry.fill = scatter->color();
      entry.pen = QPen(scatter->borderColor(), scatter->pen().widthF());
      entry.size = scatter->markerSize();
    } else if (const auto* line = qobject_cast<const QXYSeries*>(marker->series())) {
      entry.pen = line->pen();
    }
    entries.push_back(entry);
  }
  return entries;
}

}  // namespace moescope::explorer

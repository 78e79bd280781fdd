#include "figure_view.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QPainterPath>
#include <QScatterSeries>
#include <QTextDocument>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "display_text.h"
#include "figure_axes.h"
#include "figure_style.h"
#include "plot_style.h"

namespace moescope::explorer {
namespace {

using namespace figure_axes;
using namespace figure_style;
using moescope::Figure;
using moescope::Series;

// Replacing a series' points with equal ones would still recompute and repaint it.
void replaceIfChanged(QXYSeries* series, const QList<QPointF>& points) {
  if (series->points() != points)
    series->replace(points);
}

// A font of the figures' family at a look's pixel size, or else at `points`.
QFont lookFont(QFont font, const Look& look, double pixels, double points) {
  font.setFamily(look.font_family);
  font.setBold(false);
  if (pixels > 0)
    font.setPixelSize(std::max(1, static_cast<int>(std::lround(pixels))));
  else
    font.setPointSizeF(points);
  return font;
}

}  // namespace

FigureView::FigureView(QWidget* parent) : QWidget(parent) {
  chart_ = new QChart;
  chart_->setTheme(QChart::ChartThemeLight);
  chart_->setBackgroundBrush(Qt::white);
  chart_->setBackgroundRoundness(0);
  chart_->setDropShadowEnabled(false);
  chart_->setPlotAreaBackgroundVisible(false);
  chart_->setMargins(kChartMargins);
  chart_->setAnimationOptions(QChart::NoAnimation);
  chart_->setTitleBrush(kTextColour);
  QLegend* legend = chart_->legend();
  legend->setAlignment(Qt::AlignRight);
  legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
  legend->setLabelColor(kTextColour);

  // Why the figure is empty, in a box over the plot: part of the chart's scene, so exports have it.
  message_box_ = new QGraphicsRectItem(chart_);
  message_box_->setBrush(QColor(255, 255, 255, 235));
  message_box_->setPen(QPen(kGridColour, 1.0));
  message_box_->setZValue(20);
  message_box_->setVisible(false);
  message_text_ = new QGraphicsTextItem(message_box_);
  message_text_->setDefaultTextColor(kTextColour);
  // The annotations: a few lines in the plot's upper left corner (Figure 6's MSE and Huber).
  annotation_text_ = new QGraphicsTextItem(chart_);
  annotation_text_->setDefaultTextColor(kTextColour);
  annotation_text_->setZValue(15);
  annotation_text_->setVisible(false);
  applyLook(look_);
  connect(chart_, &QChart::plotAreaChanged, this, [this] { placeOverlays(); });

  chart_view_ = new QChartView(chart_, this);
  chart_view_->setRenderHint(QPainter::Antialiasing);
  chart_view_->setRenderHint(QPainter::TextAntialiasing);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(chart_view_);
}

FigureView::~FigureView() = default;

bool FigureView::canUpdateInPlace(const Figure& figure) const {
  if (x_axis_ == nullptr || figure.log_x != drawn_log_x_ || figure.log_y != drawn_log_y_)
    return false;
  // Bands are drawn first so that no band hides a line or a marker; a series added later would
  // be drawn over the others, so only a rebuild adds bands. A band the figure lacks is hidden.
  auto bandsDrawn = [](const std::vector<Series>& wanted, const std::vector<DrawnSeries>& drawn) {
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      if (!wanted[i].lo.empty() && (i >= drawn.size() || drawn[i].band == nullptr))
        return false;
    }
    return true;
  };
  // Markers' intervals are error bars, added and removed in place.
  return bandsDrawn(figure.curves, drawn_curves_);
}

void FigureView::setFigure(const Figure* figure) {
  figure_ = figure;
  last_update_in_place_ = figure_ != nullptr && canUpdateInPlace(*figure_);
  if (!last_update_in_place_) {
    rebuildChart();
    return;
  }
  updateTitles();
  const bool shown_series_changed = showSeriesOfFigure();
  const bool names_changed = updateSeriesData();
  const bool key_changed =
      key_surface_ != nullptr && key_surface_->isVisible() != comparesSurfacesWithTheLaw(*figure_);
  applyStyles();
  updateAxes();
  if (shown_series_changed || names_changed || key_changed)
    updateLegend();
  placeOverlays();
}

void FigureView::updateTitles() {
  const QString title = look_.title ? richLabel(figure_->title) : QString();
  if (chart_->title() != title)
    chart_->setTitle(title);
  for (auto [axis, label] :
       {std::pair{x_axis_, &figure_->x_label}, std::pair{y_axis_, &figure_->y_label}}) {
    const QString text = richLabel(*label);
    if (axis->titleText() != text)
      axis->setTitleText(text);
  }
}

void FigureView::applyLook(const Look& look) {
  look_ = look;
  chart_->setTitleFont(lookFont(chart_->titleFont(), look, look.title_pixels, kTitlePointSize));
  QLegend* legend = chart_->legend();
  legend->setFont(lookFont(legend->font(), look, look.body_pixels, kLegendPointSize));
  message_text_->setFont(
      lookFont(message_text_->font(), look, look.body_pixels, kAxisTitlePointSize));
  // A step below the body text: a note on the plot, not a label of it.
  QFont annotation_font =
      lookFont(annotation_text_->font(), look, look.body_pixels, kLegendPointSize);
  if (annotation_font.pixelSize() > 0)
    annotation_font.setPixelSize(std::max(1, annotation_font.pixelSize() * 5 / 6));
  else
    annotation_font.setPointSizeF(annotation_font.pointSizeF() * 5 / 6);
  annotation_text_->setFont(annotation_font);
  for (QCategoryAxis* axis : {x_axis_, y_axis_}) {
    if (axis == nullptr)
      continue;
    axis->setLabelsFont(lookFont(axis->labelsFont(), look, look.body_pixels, kTickLabelPointSize));
    axis->setTitleFont(lookFont(axis->titleFont(), look, look.body_pixels, kAxisTitlePointSize));
    axis->setGridLinePen(QPen(kGridColour, look.grid_width));
  }
  // Restyled in place once the chart draws the figure's series (rebuildChart styles them later).
  const bool drawn = figure_ != nullptr && x_axis_ != nullptr &&
                     drawn_curves_.size() >= figure_->curves.size() &&
                     drawn_points_.size() >= figure_->points.size() &&
                     (drawn_curves_.empty() || drawn_curves_.front().line_or_markers != nullptr) &&
                     (drawn_points_.empty() || drawn_points_.front().line_or_markers != nullptr) &&
                     key_surface_ != nullptr;
  if (drawn) {
    updateTitles();
    applyStyles();
    updateLegend();
  }
}

void FigureView::attach(QAbstractSeries* series) {
  chart_->addSeries(series);
  series->attachAxis(x_axis_);
  series->attachAxis(y_axis_);
}

void FigureView::addLine(DrawnSeries& drawn) {
  drawn.line_or_markers = new QLineSeries;
  attach(drawn.line_or_markers);
}

void FigureView::addMarkers(DrawnSeries& drawn) {
  auto* markers = new QScatterSeries;
  markers->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  drawn.line_or_markers = markers;
  attach(markers);
}

bool FigureView::showSeriesOfFigure() {
  bool changed = false;
  auto setVisible = [&changed](QAbstractSeries* series, bool visible) {
    if (series != nullptr && series->isVisible() != visible) {
      series->setVisible(visible);
      changed = true;
    }
  };
  auto show = [&](const std::vector<Series>& wanted, std::vector<DrawnSeries>& drawn, auto add) {
    for (std::size_t i = drawn.size(); i < wanted.size(); ++i) {
      (this->*add)(drawn.emplace_back());
      changed = true;
    }
    for (std::size_t i = 0; i < drawn.size(); ++i) {
      setVisible(drawn[i].line_or_markers, i < wanted.size());
      setVisible(drawn[i].band, i < wanted.size() && !wanted[i].lo.empty());
    }
  };
  show(figure_->curves, drawn_curves_, &FigureView::addLine);
  show(figure_->points, drawn_points_, &FigureView::addMarkers);
  return changed;
}

void FigureView::rebuildChart() {
  chart_->removeAllSeries();
  for (DrawnSeries& drawn : drawn_points_)
    delete drawn.error_bars;
  for (QAbstractAxis* axis : chart_->axes()) {
    chart_->removeAxis(axis);
    delete axis;
  }
  drawn_curves_.clear();
  drawn_points_.clear();
  key_surface_ = key_law_ = nullptr;
  key_runs_ = nullptr;
  key_lines_.clear();
  key_markers_.clear();
  x_axis_ = y_axis_ = nullptr;
  if (figure_ == nullptr) {
    chart_->setTitle(QString());
    placeOverlays();
    return;
  }
  x_axis_ = makeAxis();
  y_axis_ = makeAxis();
  chart_->addAxis(x_axis_, Qt::AlignBottom);
  chart_->addAxis(y_axis_, Qt::AlignLeft);
  applyLook(look_);
  drawn_log_x_ = figure_->log_x;
  drawn_log_y_ = figure_->log_y;
  updateTitles();

  auto addBand = [&](const Series& source, DrawnSeries& drawn) {
    if (source.lo.empty())
      return;
    drawn.band_upper = new QLineSeries;
    drawn.band_lower = new QLineSeries;
    drawn.band = new QAreaSeries(drawn.band_upper, drawn.band_lower);
    drawn.band_upper->setParent(drawn.band);
    drawn.band_lower->setParent(drawn.band);
    attach(drawn.band);
  };
  // Bands first: series added later are drawn over them, so no band hides a line or a marker.
  drawn_curves_.resize(figure_->curves.size());
  drawn_points_.resize(figure_->points.size());
  for (std::size_t i = 0; i < figure_->curves.size(); ++i)
    addBand(figure_->curves[i], drawn_curves_[i]);
  for (DrawnSeries& drawn : drawn_curves_)
    addLine(drawn);
  for (DrawnSeries& drawn : drawn_points_)
    addMarkers(drawn);
  addKey();
  updateSeriesData();
  applyStyles();
  updateAxes();
  updateLegend();
  squarePlotArea();
  placeOverlays();
}

bool FigureView::setNameIfChanged(QAbstractSeries* series, const QString& name) {
  if (series->name() == name)
    return false;
  series->setName(name);
  return true;
}

bool FigureView::squarePlotArea() {
  const bool square = figure_ != nullptr && figure_->square;
  if (!square) {
    if (chart_->margins() != kChartMargins)
      chart_->setMargins(kChartMargins);
    return false;
  }
  // The plot takes what the title, the axes and the legend leave; a margin on its longer side
  // makes it square. The axes' labels move as the plot does: a few rounds settle it.
  for (int round = 0; round < 4; ++round) {
    chart_->layout()->activate();
    const QRectF plot = chart_->plotArea();
    const double excess = plot.width() - plot.height();
    if (plot.width() <= 0 || std::fabs(excess) <= 1.0)
      break;
    // A wide plot narrowed from both sides, so that it stays in the middle.
    QMargins margins = chart_->margins();
    const int extra_across =
        std::max(0, margins.left() + margins.right() - kChartMargins.left() -
                        kChartMargins.right() + static_cast<int>(std::lround(excess)));
    const int extra_bottom = std::max(
        0, margins.bottom() - kChartMargins.bottom() - static_cast<int>(std::lround(excess)));
    margins = kChartMargins;
    margins.setLeft(margins.left() + extra_across / 2);
    margins.setRight(margins.right() + extra_across - extra_across / 2);
    margins.setBottom(margins.bottom() + extra_bottom);
    chart_->setMargins(margins);
  }
  return true;
}

bool FigureView::updateSeriesData() {
  bool names_changed = false;
  auto update = [&](const Series& source, DrawnSeries& drawn) {
    names_changed |= setNameIfChanged(drawn.line_or_markers, richLabel(source.label));
    replaceIfChanged(drawn.line_or_markers,
                     axisPoints(source.x, source.y, drawn_log_x_, drawn_log_y_));
    if (drawn.band != nullptr && !source.lo.empty()) {
      replaceIfChanged(drawn.band_upper,
                       axisPoints(source.x, source.hi, drawn_log_x_, drawn_log_y_));
      replaceIfChanged(drawn.band_lower,
                       axisPoints(source.x, source.lo, drawn_log_x_, drawn_log_y_));
    }
  };
  for (std::size_t i = 0; i < figure_->curves.size(); ++i)
    update(figure_->curves[i], drawn_curves_[i]);
  for (std::size_t i = 0; i < figure_->points.size(); ++i)
    update(figure_->points[i], drawn_points_[i]);
  return names_changed;
}

void FigureView::applyStyles() {
  const BudgetScale budgets = BudgetScale::of(*figure_);
  const bool compares = comparesSurfacesWithTheLaw(*figure_);
  std::size_t unkeyed_points = 0;
  auto style = [&](const Series& source, DrawnSeries& drawn, bool markers) {
    const std::optional<QColor> keyed = keyedColour(source, budgets);
    // Runs proposed to train next are in one colour of their own, whatever their sparsity.
    const bool proposed = source.kind == moescope::SeriesKind::kProposed;
    const bool held_out = source.kind == moescope::SeriesKind::kHeldOut;
    const bool optimum = source.kind == moescope::SeriesKind::kOptimum;
    const bool bound = source.kind == moescope::SeriesKind::kBound;
    QColor colour = keyed.value_or(kAxisColour);
    if (proposed)
      colour = plot_style::toQColor(plot_style::kProposed);
    else if (bound)
      colour = kBoundColour;
    else if (!keyed && markers)
      colour = kCategorical[unkeyed_points++ % kCategorical.size()];
    if (markers) {
      auto* scatter = static_cast<QScatterSeries*>(drawn.line_or_markers);
      const auto shape = static_cast<QScatterSeries::MarkerShape>(markerShape(*figure_, source));
      if (scatter->markerShape() != shape)
        scatter->setMarkerShape(shape);
      // A lone marker marks a value on a curve (Figure 2a's S*), not one run among many: larger,
      // so that the curve under it does not hide it. (A budget of one run is still a run.) A
      // proposal is as large, so that a measured run under it does not hide it; a star needs the
      // size to read as one.
      const double size =
          proposed || optimum ||
                  (source.x.size() == 1 && source.kind != moescope::SeriesKind::kRuns && !held_out)
              ? look_.marked_value_size
              : look_.run_marker_size;
      if (scatter->markerSize() != size)
        scatter->setMarkerSize(size);
      // A value the law marks beside the surface's (Figure 2a's S*) is hollow, as its curve is
      // dashed; so are a proposal, a run not yet trained, and a run held out of the fit.
      const bool hollow = proposed || held_out || source.hollow ||
                          (compares && source.kind == moescope::SeriesKind::kLaw);
      const QColor fill = hollow ? QColor(Qt::white) : colour;
      // A white rim keeps overlapping markers and markers on lines apart; a star's is dark, so
      // that it shows on a band of its colour.
      const QColor rim = hollow ? colour : optimum ? kTextColour : QColor(Qt::white);
      const double rim_width = (proposed  ? 2.5
                                : hollow  ? 2.0
                                : optimum ? 0.8
                                          : 1.0) *
                               look_.run_marker_size / screenLook().run_marker_size;
      if (scatter->color() != fill || scatter->borderColor() != rim ||
          scatter->pen().widthF() != rim_width) {
        scatter->setColor(fill);
        QPen pen = scatter->pen();
        pen.setWidthF(std::max(0.6, rim_width));
        scatter->setPen(pen);
        scatter->setBorderColor(rim);
      }
    } else {
      // Qt Charts strokes a solid line segment by segment: round caps would put two arcs at every
      // point, a third of a figure's painting time; square caps fill the joints as well.
      QPen pen(colour, look_.line_width);
      pen.setCapStyle(Qt::SquareCap);
      // Unkeyed curves are references (y = x) or fits drawn over coloured markers.
      if (!keyed)
        pen.setStyle(Qt::DashLine);
      if (compares && source.kind == moescope::SeriesKind::kLaw)
        pen = lawPen(colour);
      if (isSliderCurve(source)) {
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(2.5);
      }
      if (source.fit_colour)
        pen = fitPen(fitColour(*source.fit_colour));
      if (pen.style() != Qt::SolidLine || pen.dashPattern().size() > 1)
        pen.setWidthF(std::max(pen.widthF() * look_.line_width / kLineWidth, look_.law_line_width));
      if (bound) {
        pen = QPen(colour, look_.law_line_width, Qt::DotLine);
        pen.setCapStyle(Qt::FlatCap);
      }
      if (drawn.line_or_markers->pen() != pen)
        drawn.line_or_markers->setPen(pen);
    }
    if (drawn.band != nullptr) {
      QColor fill = colour;
      fill.setAlphaF(static_cast<float>(look_.band_opacity));
      if (drawn.band->brush().color() != fill) {
        drawn.band->setBrush(fill);
        drawn.band->setPen(Qt::NoPen);
      }
    }
  };
  for (std::size_t i = 0; i < figure_->curves.size(); ++i)
    style(figure_->curves[i], drawn_curves_[i], false);
  for (std::size_t i = 0; i < figure_->points.size(); ++i)
    style(figure_->points[i], drawn_points_[i], true);
  if (key_surface_ != nullptr) {
    key_surface_->setPen(QPen(kAxisColour, look_.line_width));
    key_runs_->setMarkerSize(look_.run_marker_size);
  }
}

void FigureView::updateAxes() {
  plot_style::Range x_extent, curves_y_extent, points_y_extent;
  std::size_t point_count = 0;
  for (const std::vector<Series>* group : {&figure_->curves, &figure_->points}) {
    plot_style::Range& y_extent = group == &figure_->curves ? curves_y_extent : points_y_extent;
    for (const Series& series : *group) {
      extendRange(x_extent, series.x, drawn_log_x_);
      extendRange(y_extent, series.y, drawn_log_y_);
      extendRange(y_extent, series.lo, drawn_log_y_);
      extendRange(y_extent, series.hi, drawn_log_y_);
    }
  }
  for (const Series& series : figure_->points)
    point_count += series.x.size();
  // Law curves run far past the measured runs (Figure 2b's parabolas reach L = 11 where the runs
  // sit at 2.3 .. 3); scaling to them would flatten the runs into the bottom of the plot. With
  // enough runs to span a range, the runs set the loss axis, with room for the curves' minima,
  // and the curves leave through the top, as in the paper.
  constexpr std::size_t kPointsThatSetTheRange = 3;
  plot_style::Range y_extent = curves_y_extent;
  if (point_count >= kPointsThatSetTheRange && !points_y_extent.empty() &&
      points_y_extent.hi > points_y_extent.lo) {
    const double room = 0.25 * (points_y_extent.hi - points_y_extent.lo);
    y_extent = points_y_extent;
    if (!curves_y_extent.empty())
      y_extent.include(std::max(curves_y_extent.lo, points_y_extent.lo - room));
  } else if (!points_y_extent.empty()) {
    y_extent.include(points_y_extent.lo);
    y_extent.include(points_y_extent.hi);
  }
  plot_style::Range x_range = paddedRange(x_extent);
  plot_style::Range y_range = paddedRange(y_extent);
  // The ranges a figure asks for (its runs' span rather than every curve's reach) win.
  auto asked = [](const std::optional<std::pair<double, double>>& range, bool log,
                  plot_style::Range& axis) {
    if (range && drawable(range->first, log) && drawable(range->second, log) &&
        range->second > range->first)
      axis = {toAxis(range->first, log), toAxis(range->second, log)};
  };
  asked(figure_->x_range, drawn_log_x_, x_range);
  asked(figure_->y_range, drawn_log_y_, y_range);
  // Observed against predicted: one range for both axes, so that y = x is the diagonal.
  if (figure_->square && drawn_log_x_ == drawn_log_y_) {
    const plot_style::Range both{std::min(x_range.lo, y_range.lo),
                                 std::max(x_range.hi, y_range.hi)};
    x_range = y_range = both;
  }
  // A square plot is as narrow as it is tall: the wide figures' tick count crowds its x axis until
  // Qt elides the labels.
  const int intervals = figure_->square ? 3 : plot_style::kTickIntervals;
  setTicks(x_axis_, x_range.lo, x_range.hi, drawn_log_x_, intervals);
  setTicks(y_axis_, y_range.lo, y_range.hi, drawn_log_y_, intervals);
}

bool FigureView::hasContent() const {
  return figure_ != nullptr && (!figure_->curves.empty() || !figure_->points.empty());
}

void FigureView::placeOverlays() {
  // The message: a box over the middle of the plot, wrapped to most of its width.
  const QString message = figure_ != nullptr ? QString::fromStdString(figure_->message) : QString();
  const QRectF plot = chart_->plotArea();
  message_box_->setVisible(!message.isEmpty() && plot.width() > 0);
  if (message_box_->isVisible()) {
    if (message_text_->toPlainText() != message)
      message_text_->setPlainText(message);
    const double width = std::max(120.0, plot.width() * 0.8);
    message_text_->setTextWidth(width);
    const QSizeF size = message_text_->boundingRect().size();
    const QPointF corner(plot.center().x() - size.width() / 2,
                         plot.center().y() - size.height() / 2);
    message_box_->setRect(QRectF(QPointF(0, 0), size));
    message_box_->setPos(corner);
    message_text_->setPos(0, 0);
  }
  // Annotations: the plot's upper left corner, one line each.
  QStringList annotations;
  if (figure_ != nullptr) {
    for (const std::string& line : figure_->annotations)
      annotations << richLabel(line);
  }
  annotation_text_->setVisible(!annotations.isEmpty() && plot.width() > 0);
  if (annotation_text_->isVisible()) {
    // On a white ground, so that the lines stay legible over markers that reach the corner.
    const QString html = QStringLiteral("<span style=\"background-color:#ffffff\">%1</span>")
                             .arg(annotations.join(QStringLiteral("<br>")));
    if (annotation_text_->data(0).toString() != html) {
      annotation_text_->setHtml(html);
      annotation_text_->setData(0, html);
    }
    annotation_text_->setPos(plot.topLeft() + QPointF(2, 2));
  }
  // Error bars: a vertical line from lo to hi at each marker, with short caps.
  for (std::size_t i = 0; i < drawn_points_.size(); ++i) {
    DrawnSeries& drawn = drawn_points_[i];
    const Series* source =
        figure_ != nullptr && i < figure_->points.size() ? &figure_->points[i] : nullptr;
    const bool bars = source != nullptr && !source->lo.empty() &&
                      source->lo.size() == source->x.size() &&
                      source->hi.size() == source->x.size();
    if (!bars) {
      if (drawn.error_bars != nullptr)
        drawn.error_bars->setVisible(false);
      continue;
    }
    if (drawn.error_bars == nullptr) {
      drawn.error_bars = new QGraphicsPathItem(chart_);
      drawn.error_bars->setZValue(10);
    }
    const QScatterSeries* markers = static_cast<QScatterSeries*>(drawn.line_or_markers);
    // In the markers' colour, the rim's where they are hollow or stars.
    const QPen bar_pen(
        markers->color() == QColor(Qt::white) ? markers->borderColor() : markers->color(),
        std::max(0.8, 1.4 * look_.line_width / kLineWidth));
    if (drawn.error_bars->pen() != bar_pen)
      drawn.error_bars->setPen(bar_pen);
    QPainterPath path;
    constexpr double kCap = 3.0;
    for (std::size_t k = 0; k < source->x.size(); ++k) {
      if (!drawable(source->x[k], drawn_log_x_) || !drawable(source->lo[k], drawn_log_y_) ||
          !drawable(source->hi[k], drawn_log_y_) || !(source->hi[k] > source->lo[k]))
        continue;
      const double x = toAxis(source->x[k], drawn_log_x_);
      const QPointF low = chart_->mapToPosition(QPointF(x, toAxis(source->lo[k], drawn_log_y_)),
                                                drawn.line_or_markers);
      const QPointF high = chart_->mapToPosition(QPointF(x, toAxis(source->hi[k], drawn_log_y_)),
                                                 drawn.line_or_markers);
      path.moveTo(low);
      path.lineTo(high);
      for (const QPointF& end : {low, high}) {
        path.moveTo(end.x() - kCap, end.y());
        path.lineTo(end.x() + kCap, end.y());
      }
    }
    drawn.error_bars->setPath(path);
    drawn.error_bars->setVisible(drawn.line_or_markers->isVisible());
  }
}

QString FigureView::shownMessage() const {
  return message_box_->isVisible() ? message_text_->toPlainText() : QString();
}

QString FigureView::shownAnnotations() const {
  return annotation_text_->isVisible() ? annotation_text_->toPlainText() : QString();
}

}  // namespace moescope::explorer

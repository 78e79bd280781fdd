#include "figure_view.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QFile>
#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsTextItem>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QTextDocument>
#include <QTextStream>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace {

using moescope::Figure;
using moescope::Series;

// Qt lays text out in points at this many pixels per inch; exports scale the whole scene from it.
constexpr double kLayoutDpi = 96.0;

constexpr float kBandOpacity = 0.18F;
constexpr double kRunMarkerSize = 7.5;
constexpr double kMarkedValueSize = 12.0;
constexpr int kTitlePointSize = 13;
constexpr int kAxisTitlePointSize = 10;
constexpr int kTickLabelPointSize = 9;
constexpr int kLegendPointSize = 9;

const QColor kAxisColour(0x33, 0x33, 0x33);
const QColor kGridColour(0xe3, 0xe3, 0xe3);
const QColor kTextColour(0x1a, 0x1a, 0x1a);

using ColourRamp = std::array<QColor, 9>;

// matplotlib's viridis and plasma at nine evenly spaced stops.
const ColourRamp kViridis = {
    QColor(0x44, 0x01, 0x54), QColor(0x47, 0x2d, 0x7b), QColor(0x3b, 0x52, 0x8b),
    QColor(0x2c, 0x72, 0x8e), QColor(0x21, 0x91, 0x8c), QColor(0x28, 0xae, 0x80),
    QColor(0x5e, 0xc9, 0x62), QColor(0xad, 0xdc, 0x30), QColor(0xfd, 0xe7, 0x25)};
const ColourRamp kPlasma = {
    QColor(0x0d, 0x08, 0x87), QColor(0x4c, 0x02, 0xa1), QColor(0x7e, 0x03, 0xa8),
    QColor(0xa9, 0x23, 0x95), QColor(0xcc, 0x47, 0x78), QColor(0xe5, 0x6b, 0x5d),
    QColor(0xf8, 0x95, 0x40), QColor(0xfd, 0xc5, 0x27), QColor(0xf0, 0xf9, 0x21)};
// For series that carry neither a sparsity nor a budget (fit vs held-out points).
const std::array<QColor, 4> kCategorical = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28),
                                            QColor(0x2c, 0xa0, 0x2c), QColor(0xff, 0x7f, 0x0e)};

QColor rampColour(const ColourRamp& ramp, double position) {
  // The ramps' last stops are pale yellow, unreadable as a thin line on white.
  constexpr double kBrightestUsable = 0.88;
  const double scaled =
      std::clamp(position, 0.0, 1.0) * kBrightestUsable * static_cast<double>(ramp.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(scaled));
  const std::size_t above = std::min(below + 1, ramp.size() - 1);
  const double fraction = scaled - static_cast<double>(below);
  const QColor& from = ramp[below];
  const QColor& to = ramp[above];
  return QColor::fromRgbF(
      static_cast<float>(from.redF() + fraction * (to.redF() - from.redF())),
      static_cast<float>(from.greenF() + fraction * (to.greenF() - from.greenF())),
      static_cast<float>(from.blueF() + fraction * (to.blueF() - from.blueF())));
}

// The paper's sparsities bunch up at 0.9 .. 0.98; half linear in S and half in -ln(1 - S) spreads
// them over the ramp while keeping 0 and 0.25 apart.
QColor sparsityColour(double sparsity) {
  constexpr double kMostSparse = 0.98;
  const double linear = sparsity / kMostSparse;
  const double logarithmic =
      std::log1p(-std::min(sparsity, kMostSparse)) / std::log1p(-kMostSparse);
  return rampColour(kViridis, 0.5 * linear + 0.5 * logarithmic);
}

// The curve the budget slider moves is labelled so by the model; it is dashed to tell it from the
// data budget it may lie on.
bool isSliderCurve(const Series& series) {
  return QString::fromStdString(series.label).endsWith(QStringLiteral("(slider)"));
}

// The data's own fits, independent of the law: a budget's IsoFLOP surface (Eq. 8) or Approach 2's
// curves and power law.
bool isDataFit(const Series& series) {
  return series.kind == moescope::SeriesKind::kSurface ||
         series.kind == moescope::SeriesKind::kIsoflopCurves;
}

// A figure that reads the IsoFLOP surfaces (Figures 2 and 4 at a fitted budget) or Approach 2's
// curves (N* vs C) draws their curves solid, with their bands, and the law's dashed over them,
// with a key saying which is which.
bool comparesSurfacesWithTheLaw(const Figure& figure) {
  const bool data_fit = std::any_of(figure.curves.begin(), figure.curves.end(), isDataFit);
  const bool law = std::any_of(figure.curves.begin(), figure.curves.end(), [](const Series& one) {
    return one.kind == moescope::SeriesKind::kLaw;
  });
  return data_fit && law;
}

constexpr double kLawLineWidth = 1.0;  // see lawPen
constexpr double kLineWidth = 2.0;

QPen lawPen(const QColor& colour) {
  QPen pen(colour, kLawLineWidth);
  pen.setCapStyle(Qt::FlatCap);
  // One pixel wide on screen: Qt's raster engine draws such a dashed line directly, where a wider
  // one becomes a path per dash, filled (Figure 4's dozen dashed curves cost 1.5 ms a frame so).
  pen.setDashPattern({6.0, 3.5});
  return pen;
}

// The ramp is spread evenly over the data's budgets, by rank: a data set's budgets bunch up in
// log (3e19, 6e19 and 1e20 in the default data) and would take neighbouring, barely different
// colours. A budget between two of them, the slider's, is placed between their colours, in log;
// beyond them it takes the nearest end. The slider's curve does not count as data, so that a
// budget keeps its colour as the slider moves.
class BudgetScale {
 public:
  static BudgetScale of(const Figure& figure) {
    BudgetScale scale;
    for (const std::vector<Series>* group : {&figure.curves, &figure.points}) {
      for (const Series& series : *group) {
        if (series.budget && !series.sparsity && !isSliderCurve(series) && *series.budget > 0)
          scale.log_budgets_.push_back(std::log10(*series.budget));
      }
    }
    std::sort(scale.log_budgets_.begin(), scale.log_budgets_.end());
    scale.log_budgets_.erase(std::unique(scale.log_budgets_.begin(), scale.log_budgets_.end()),
                             scale.log_budgets_.end());
    return scale;
  }

  QColor colour(double budget) const { return rampColour(kPlasma, position(std::log10(budget))); }

 private:
  double position(double log_budget) const {
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

  std::vector<double> log_budgets_;  // increasing, distinct
};

std::optional<QColor> keyedColour(const Series& series, const BudgetScale& budgets) {
  if (series.sparsity)
    return sparsityColour(*series.sparsity);
  if (series.budget)
    return budgets.colour(*series.budget);
  return std::nullopt;
}

double toAxis(double value, bool log) {
  return log ? std::log10(value) : value;
}

bool drawable(double value, bool log) {
  return std::isfinite(value) && (!log || value > 0);
}

QList<QPointF> axisPoints(const std::vector<double>& x, const std::vector<double>& y, bool log_x,
                          bool log_y) {
  QList<QPointF> points;
  points.reserve(static_cast<qsizetype>(x.size()));
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (drawable(x[i], log_x) && drawable(y[i], log_y))
      points.append(QPointF(toAxis(x[i], log_x), toAxis(y[i], log_y)));
  }
  return points;
}

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void include(double value) {
    lo = std::min(lo, value);
    hi = std::max(hi, value);
  }
  bool empty() const { return !(lo <= hi); }
};

// 1, 2, 5 or 10 times a power of ten, whichever is closest to `rough` in ratio.
double niceStep(double rough) {
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  double best = power;
  for (const double multiple : {2.0, 5.0, 10.0}) {
    if (std::fabs(std::log(multiple * power / rough)) < std::fabs(std::log(best / rough)))
      best = multiple * power;
  }
  return best;
}

// "2e9", "1e20", "0.25", "3.1": scientific only where plain digits would be long.
QString tickLabel(double value) {
  if (value == 0)
    return QStringLiteral("0");
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e4)
    return QString::number(value, 'g', 4);
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude) + 1e-9));
  const double mantissa = value / std::pow(10.0, exponent);
  return QString::number(mantissa, 'g', 3) + QStringLiteral("e") + QString::number(exponent);
}

struct Tick {
  double axis_position;
  QString label;
};

std::vector<Tick> linearTicks(double lo, double hi, bool log) {
  constexpr int kTargetIntervals = 5;
  std::vector<Tick> ticks;
  const double step = niceStep((hi - lo) / kTargetIntervals);
  for (double value = std::ceil(lo / step - 1e-9) * step; value <= hi + step * 1e-9;
       value += step) {
    // Snaps -1e-17 to 0 so the label reads 0.
    const double rounded = std::fabs(value) < step * 1e-9 ? 0.0 : value;
    ticks.push_back({toAxis(rounded, log), tickLabel(rounded)});
  }
  return ticks;
}

// Ticks between two axis positions (log10 units on a log axis). A log axis spanning decades ticks
// at 1 (then 2 and 5) times powers of ten; one spanning less than a decade ticks at round values,
// placed logarithmically.
std::vector<Tick> axisTicks(double axis_lo, double axis_hi, bool log) {
  if (!log)
    return linearTicks(axis_lo, axis_hi, false);
  if (axis_hi - axis_lo < 1.0)
    return linearTicks(std::pow(10.0, axis_lo), std::pow(10.0, axis_hi), true);
  // Three ticks can leave a third of a tall axis unlabelled.
  constexpr std::size_t kFewestTicks = 4;
  std::vector<Tick> ticks;
  for (const std::vector<double>& multiples :
       {std::vector<double>{1}, std::vector<double>{1, 2, 5}, std::vector<double>{1, 2, 3, 5}}) {
    ticks.clear();
    for (int decade = static_cast<int>(std::floor(axis_lo));
         decade <= static_cast<int>(std::ceil(axis_hi)); ++decade) {
      for (const double multiple : multiples) {
        const double position = decade + std::log10(multiple);
        if (position >= axis_lo - 1e-9 && position <= axis_hi + 1e-9)
          ticks.push_back({position, tickLabel(multiple * std::pow(10.0, decade))});
      }
    }
    if (ticks.size() >= kFewestTicks)
      break;
  }
  return ticks;
}

void setTicks(QCategoryAxis* axis, double axis_lo, double axis_hi, bool log) {
  const std::vector<Tick> ticks = axisTicks(axis_lo, axis_hi, log);
  QStringList labels;
  for (const Tick& tick : ticks)
    labels.append(tick.label);
  // Re-creating the categories costs more than the rest of an in-place update; most slider moves
  // keep the ticks. Setting even the same range again repaints the axis and its grid.
  const bool new_labels = labels != axis->categoriesLabels();
  if (new_labels) {
    for (const QString& label : axis->categoriesLabels())
      axis->remove(label);
    for (const Tick& tick : ticks)
      axis->append(tick.label, tick.axis_position);
  }
  if (new_labels || axis->min() != axis_lo || axis->max() != axis_hi) {
    axis->setStartValue(axis_lo);
    axis->setRange(axis_lo, axis_hi);
  }
}

// Replacing a series' points with equal ones would still recompute and repaint it.
void replaceIfChanged(QXYSeries* series, const QList<QPointF>& points) {
  if (series->points() != points)
    series->replace(points);
}

// Returns whether the name changed.
bool setNameIfChanged(QAbstractSeries* series, const QString& name) {
  if (series->name() == name)
    return false;
  series->setName(name);
  return true;
}

QCategoryAxis* makeAxis() {
  auto* axis = new QCategoryAxis;
  axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  axis->setLinePen(QPen(kAxisColour, 1.0));
  axis->setGridLinePen(QPen(kGridColour, 0.8));
  axis->setMinorGridLineVisible(false);
  QFont label_font = axis->labelsFont();
  label_font.setPointSize(kTickLabelPointSize);
  axis->setLabelsFont(label_font);
  axis->setLabelsColor(kTextColour);
  QFont title_font = axis->titleFont();
  title_font.setPointSize(kAxisTitlePointSize);
  title_font.setBold(false);
  axis->setTitleFont(title_font);
  axis->setTitleBrush(kTextColour);
  return axis;
}

void extendExtent(Extent& extent, const std::vector<double>& values, bool log) {
  for (const double value : values) {
    if (drawable(value, log))
      extent.include(toAxis(value, log));
  }
}

// The data's extent with a margin, so that markers at the edges are not cut in half; an empty or
// flat extent gets a unit range around it.
Extent paddedExtent(Extent extent) {
  if (extent.empty())
    return {0.0, 1.0};
  if (extent.hi - extent.lo < 1e-12) {
    const double half_width = std::max(0.5, std::fabs(extent.lo) * 0.05);
    return {extent.lo - half_width, extent.hi + half_width};
  }
  const double margin = 0.04 * (extent.hi - extent.lo);
  return {extent.lo - margin, extent.hi + margin};
}

QString csvField(const QString& text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')))
    return text;
  QString quoted = text;
  quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
  return QStringLiteral("\"") + quoted + QStringLiteral("\"");
}

QString csvNumber(double value) {
  return QString::number(value, 'g', 17);
}

}  // namespace

FigureView::FigureView(QWidget* parent) : QWidget(parent) {
  chart_ = new QChart;
  chart_->setTheme(QChart::ChartThemeLight);
  chart_->setBackgroundBrush(Qt::white);
  chart_->setBackgroundRoundness(0);
  chart_->setDropShadowEnabled(false);
  chart_->setPlotAreaBackgroundVisible(false);
  chart_->setMargins(QMargins(6, 6, 6, 6));
  chart_->setAnimationOptions(QChart::NoAnimation);
  QFont title_font = chart_->titleFont();
  title_font.setPointSize(kTitlePointSize);
  title_font.setBold(false);
  chart_->setTitleFont(title_font);
  chart_->setTitleBrush(kTextColour);
  QLegend* legend = chart_->legend();
  legend->setAlignment(Qt::AlignRight);
  legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
  QFont legend_font = legend->font();
  legend_font.setPointSize(kLegendPointSize);
  legend->setFont(legend_font);
  legend->setLabelColor(kTextColour);

  // Why the figure is empty, in a box over the plot: part of the chart's scene, so exports have it.
  message_box_ = new QGraphicsRectItem(chart_);
  message_box_->setBrush(QColor(255, 255, 255, 235));
  message_box_->setPen(QPen(kGridColour, 1.0));
  message_box_->setZValue(20);
  message_box_->setVisible(false);
  message_text_ = new QGraphicsTextItem(message_box_);
  message_text_->setDefaultTextColor(kTextColour);
  QFont message_font = message_text_->font();
  message_font.setPointSize(kAxisTitlePointSize);
  message_text_->setFont(message_font);
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
  const QString title = QString::fromStdString(figure_->title);
  if (chart_->title() != title)
    chart_->setTitle(title);
  for (auto [axis, label] :
       {std::pair{x_axis_, &figure_->x_label}, std::pair{y_axis_, &figure_->y_label}}) {
    const QString text = QString::fromStdString(*label);
    if (axis->titleText() != text)
      axis->setTitleText(text);
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
  placeOverlays();
}

bool FigureView::updateSeriesData() {
  bool names_changed = false;
  auto update = [&](const Series& source, DrawnSeries& drawn) {
    names_changed |= setNameIfChanged(drawn.line_or_markers, QString::fromStdString(source.label));
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
    QColor colour = keyed.value_or(kAxisColour);
    if (!keyed && markers)
      colour = kCategorical[unkeyed_points++ % kCategorical.size()];
    if (markers) {
      auto* scatter = static_cast<QScatterSeries*>(drawn.line_or_markers);
      // A lone marker marks a value on a curve (Figure 2a's S*), not one run among many: larger,
      // so that the curve under it does not hide it. (A budget of one run is still a run.)
      const double size = source.x.size() == 1 && source.kind != moescope::SeriesKind::kRuns
                              ? kMarkedValueSize
                              : kRunMarkerSize;
      if (scatter->markerSize() != size)
        scatter->setMarkerSize(size);
      // A value the law marks beside the surface's (Figure 2a's S*) is hollow, as its curve is
      // dashed.
      const bool hollow = compares && source.kind == moescope::SeriesKind::kLaw;
      const QColor fill = hollow ? QColor(Qt::white) : colour;
      // A white rim keeps overlapping markers and markers on lines apart.
      const QColor rim = hollow ? colour : QColor(Qt::white);
      if (scatter->color() != fill || scatter->borderColor() != rim) {
        scatter->setColor(fill);
        scatter->setBorderColor(rim);
        QPen pen = scatter->pen();
        pen.setWidthF(hollow ? 2.0 : 1.0);
        scatter->setPen(pen);
        scatter->setBorderColor(rim);
      }
    } else {
      // Qt Charts strokes a solid line segment by segment: round caps would put two arcs at every
      // point, a third of a figure's painting time; square caps fill the joints as well.
      QPen pen(colour, kLineWidth);
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
      if (drawn.line_or_markers->pen() != pen)
        drawn.line_or_markers->setPen(pen);
    }
    if (drawn.band != nullptr) {
      QColor fill = colour;
      fill.setAlphaF(kBandOpacity);
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
}

void FigureView::updateAxes() {
  Extent x_extent, curves_y_extent, points_y_extent;
  std::size_t point_count = 0;
  for (const std::vector<Series>* group : {&figure_->curves, &figure_->points}) {
    Extent& y_extent = group == &figure_->curves ? curves_y_extent : points_y_extent;
    for (const Series& series : *group) {
      extendExtent(x_extent, series.x, drawn_log_x_);
      extendExtent(y_extent, series.y, drawn_log_y_);
      extendExtent(y_extent, series.lo, drawn_log_y_);
      extendExtent(y_extent, series.hi, drawn_log_y_);
    }
  }
  for (const Series& series : figure_->points)
    point_count += series.x.size();
  // Law curves run far past the measured runs (Figure 2b's parabolas reach L = 11 where the runs
  // sit at 2.3 .. 3); scaling to them would flatten the runs into the bottom of the plot. With
  // enough runs to span a range, the runs set the loss axis, with room for the curves' minima,
  // and the curves leave through the top, as in the paper.
  constexpr std::size_t kPointsThatSetTheRange = 3;
  Extent y_extent = curves_y_extent;
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
  const Extent x_range = paddedExtent(x_extent);
  const Extent y_range = paddedExtent(y_extent);
  setTicks(x_axis_, x_range.lo, x_range.hi, drawn_log_x_);
  setTicks(y_axis_, y_range.lo, y_range.hi, drawn_log_y_);
}

void FigureView::updateLegend() {
  QLegend* legend = chart_->legend();
  const QFontMetricsF metrics(legend->font());
  double widest_label = 0;
  auto showMarkers = [&](QAbstractSeries* series, const Series* named) {
    if (series == nullptr)
      return;
    for (QLegendMarker* marker : legend->markers(series))
      marker->setVisible(named != nullptr);
    if (named != nullptr) {
      widest_label =
          std::max(widest_label, metrics.horizontalAdvance(QString::fromStdString(named->label)));
    }
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
    if (named != nullptr && compares && named->kind == moescope::SeriesKind::kLaw &&
        !isSliderCurve(*named)) {
      const std::optional<QColor> colour = keyedColour(*named, budgets);
      if (colour && std::find(surface_colours.begin(), surface_colours.end(), *colour) !=
                        surface_colours.end())
        named = nullptr;
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
    for (QLegendMarker* marker : legend->markers(series))
      marker->setVisible(compares);
    if (compares || may_compare)
      widest_label = std::max(widest_label, metrics.horizontalAdvance(label));
  }
  for (std::size_t i = 0; i < drawn_points_.size(); ++i) {
    const Series* named = i < figure_->points.size() ? &figure_->points[i] : nullptr;
    if (named != nullptr) {
      const std::optional<QColor> colour = keyedColour(*named, budgets);
      if (colour &&
          std::find(curve_colours.begin(), curve_colours.end(), *colour) != curve_colours.end())
        named = nullptr;
    }
    showMarkers(drawn_points_[i].line_or_markers, named);
    showMarkers(drawn_points_[i].band, nullptr);
  }
  legend->setVisible(!figure_->curves.empty() || !figure_->points.empty());

  // The marker, the gaps beside it and the legend's margins take about three lines' height; the
  // width is rounded up to a quarter inch at the layout's resolution.
  constexpr double kWidthStep = kLayoutDpi / 4;
  const double width = std::ceil((widest_label + 3 * metrics.height()) / kWidthStep) * kWidthStep;
  legend->setMinimumWidth(width);
  legend->setMaximumWidth(width);
  // Laid out now: a legend that gained markers hides them all until its next layout, which a
  // change of its width starts at once and an unchanged width leaves to the event loop.
  legend->layout()->activate();
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
    // In the markers' colour (applyStyles has set it).
    const QPen bar_pen(static_cast<QScatterSeries*>(drawn.line_or_markers)->color(), 1.4);
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

bool FigureView::fail(const QString& message) {
  last_error_ = message;
  return false;
}

bool FigureView::renderForExport(QPainter& painter, const QRectF& target) {
  if (figure_ == nullptr)
    return fail(QStringLiteral("no figure to export"));
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setRenderHint(QPainter::TextAntialiasing);
  // Laid out at the export's size in inches, so that an export looks the same whatever the size
  // of the window it came from.
  const QSizeF shown_size = chart_->size();
  chart_->resize(QSizeF(kExportWidthInches * kLayoutDpi, kExportHeightInches * kLayoutDpi));
  chart_->layout()->activate();
  placeOverlays();
  chart_->scene()->render(&painter, target, chart_->sceneBoundingRect());
  chart_->resize(shown_size);
  chart_->layout()->activate();
  placeOverlays();
  return true;
}

bool FigureView::exportPng(const QString& path, int dpi) {
  if (dpi <= 0)
    return fail(QStringLiteral("DPI must be positive, not %1").arg(dpi));
  QImage image(static_cast<int>(std::lround(kExportWidthInches * dpi)),
               static_cast<int>(std::lround(kExportHeightInches * dpi)), QImage::Format_RGB32);
  image.fill(Qt::white);
  constexpr double kInchesPerMetre = 39.3700787;
  image.setDotsPerMeterX(static_cast<int>(std::lround(dpi * kInchesPerMetre)));
  image.setDotsPerMeterY(static_cast<int>(std::lround(dpi * kInchesPerMetre)));
  {
    QPainter painter(&image);
    if (!renderForExport(painter, QRectF(image.rect())))
      return false;
  }
  if (!image.save(path, "PNG"))
    return fail(QStringLiteral("cannot write %1").arg(path));
  return true;
}

bool FigureView::exportSvg(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  const QSize size(static_cast<int>(std::lround(kExportWidthInches * kLayoutDpi)),
                   static_cast<int>(std::lround(kExportHeightInches * kLayoutDpi)));
  QSvgGenerator generator;
  generator.setOutputDevice(&file);
  generator.setSize(size);
  generator.setViewBox(QRect(QPoint(0, 0), size));
  generator.setResolution(static_cast<int>(kLayoutDpi));
  generator.setTitle(QString::fromStdString(figure_ ? figure_->title : std::string()));
  {
    QPainter painter(&generator);
    if (!renderForExport(painter, QRectF(QPointF(0, 0), QSizeF(size))))
      return false;
  }
  if (file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

bool FigureView::exportPdf(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QPdfWriter writer(&file);
  writer.setPageSize(QPageSize(QSizeF(kExportWidthInches, kExportHeightInches), QPageSize::Inch));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  writer.setResolution(300);
  writer.setTitle(QString::fromStdString(figure_ ? figure_->title : std::string()));
  {
    QPainter painter(&writer);
    if (!painter.isActive())
      return fail(QStringLiteral("cannot start a PDF in %1").arg(path));
    if (!renderForExport(painter, QRectF(0, 0, writer.width(), writer.height())))
      return false;
  }
  if (file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

bool FigureView::exportCsv(const QString& path) {
  if (figure_ == nullptr)
    return fail(QStringLiteral("no figure to export"));
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QTextStream out(&file);
  out << "series,label,x,y,lo,hi\n";
  auto write = [&out](const Series& series, const char* kind) {
    const QString label = csvField(QString::fromStdString(series.label));
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      out << kind << ',' << label << ',' << csvNumber(series.x[i]) << ',' << csvNumber(series.y[i])
          << ',';
      if (i < series.lo.size() && i < series.hi.size())
        out << csvNumber(series.lo[i]) << ',' << csvNumber(series.hi[i]);
      else
        out << ',';
      out << '\n';
    }
  };
  for (const Series& curve : figure_->curves)
    write(curve, "curve");
  for (const Series& points : figure_->points)
    write(points, "points");
  out.flush();
  if (out.status() != QTextStream::Ok || file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

#include "figure_axes.h"

#include <QCategoryAxis>
#include <QFont>
#include <QPen>
#include <QStringList>
#include <algorithm>
#include <cmath>

#include "figure_style.h"

namespace moescope::explorer::figure_axes {
namespace {

using namespace figure_style;

std::vector<Tick> linearTicks(double lo, double hi, bool log, int intervals) {
  const double step =
      plot_style::niceStep((hi - lo) / intervals, plot_style::StepRounding::kNearest);
  std::vector<Tick> ticks;
  for (const double value : plot_style::ticksWithin(lo, hi, step))
    ticks.push_back({toAxis(value, log), tickLabel(value)});
  return ticks;
}

}  // namespace

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

void extendRange(plot_style::Range& range, const std::vector<double>& values, bool log) {
  for (const double value : values) {
    if (drawable(value, log))
      range.include(toAxis(value, log));
  }
}

plot_style::Range paddedRange(plot_style::Range range) {
  if (range.empty())
    return {0.0, 1.0};
  if (range.span() < 1e-12) {
    const double half_width = std::max(0.5, std::fabs(range.lo) * 0.05);
    return {range.lo - half_width, range.hi + half_width};
  }
  const double margin = 0.04 * range.span();
  return {range.lo - margin, range.hi + margin};
}

QString tickLabel(double value) {
  if (value == 0)
    return QStringLiteral("0");
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e4)
    return QString::number(value, 'g', 4);
  // 10²⁰ and 3×10¹⁹, as a printed log axis has them; in Unicode superscripts rather than rich
  // text, which Qt Charts measures by its markup and elides on a narrow axis.
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude) + 1e-9));
  const double mantissa = value / std::pow(10.0, exponent);
  return plot_style::superscriptNumbers(QString::number(mantissa, 'g', 3) + QStringLiteral("e") +
                                        QString::number(exponent));
}

std::vector<Tick> axisTicks(double axis_lo, double axis_hi, bool log, int intervals) {
  if (!log)
    return linearTicks(axis_lo, axis_hi, false, intervals);
  if (axis_hi - axis_lo < 1.0)
    return linearTicks(std::pow(10.0, axis_lo), std::pow(10.0, axis_hi), true, intervals);
  // Three ticks can leave a third of a tall axis unlabelled.
  constexpr std::size_t kFewestTicks = 4;
  std::vector<Tick> ticks;
  for (const std::vector<double>& multiples :
       {std::vector<double>{1}, std::vector<double>{1, 3}, std::vector<double>{1, 2, 5},
        std::vector<double>{1, 2, 3, 5}}) {
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
  // With two powers of ten to read, the ticks between them go unlabelled, as a printed log axis
  // has them: their labels, 3×10⁸ beside 10⁹, crowd a narrow axis until Qt elides them all. (A
  // category axis names each tick uniquely: by so many zero-width spaces.)
  const auto decades = std::count_if(ticks.begin(), ticks.end(), [](const Tick& tick) {
    return std::fabs(tick.axis_position - std::round(tick.axis_position)) < 1e-9;
  });
  if (decades >= 2) {
    int unlabelled = 0;
    for (Tick& tick : ticks) {
      if (std::fabs(tick.axis_position - std::round(tick.axis_position)) >= 1e-9)
        tick.label = QString(++unlabelled, QChar(0x200b));
    }
  }
  return ticks;
}

QCategoryAxis* makeAxis() {
  auto* axis = new QCategoryAxis;
  axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  axis->setLinePen(QPen(kAxisColour, 1.0));
  axis->setGridLinePen(QPen(kGridColour, 0.8));
  axis->setMinorGridLineVisible(false);
  QFont label_font = axis->labelsFont();
  label_font.setFamily(figureFontFamily());
  label_font.setPointSize(kTickLabelPointSize);
  axis->setLabelsFont(label_font);
  axis->setLabelsColor(kTextColour);
  QFont title_font = axis->titleFont();
  title_font.setFamily(figureFontFamily());
  title_font.setPointSize(kAxisTitlePointSize);
  title_font.setBold(false);
  axis->setTitleFont(title_font);
  axis->setTitleBrush(kTextColour);
  return axis;
}

void setTicks(QCategoryAxis* axis, double axis_lo, double axis_hi, bool log, int intervals) {
  const std::vector<Tick> ticks = axisTicks(axis_lo, axis_hi, log, intervals);
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

}  // namespace moescope::explorer::figure_axes

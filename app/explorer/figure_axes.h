#pragma once

#include <QList>
#include <QPointF>
#include <QString>
#include <cmath>
#include <vector>

#include "plot_style.h"

class QCategoryAxis;

// The 2-D figures' axes. Log axes are drawn as linear axes over log10 of the data with ticks
// placed by hand: Qt's QLogValueAxis only ticks at powers of the base, which leaves a loss axis
// spanning 2.3 .. 3.0 without a single label.
namespace moescope::explorer::figure_axes {

// Where a value lies on an axis: itself, or its log10 on a log axis.
inline double toAxis(double value, bool log) {
  return log ? std::log10(value) : value;
}

// Whether a value can be drawn: finite, and positive on a log axis.
inline bool drawable(double value, bool log) {
  return std::isfinite(value) && (!log || value > 0);
}

// The drawable (x, y) pairs on the axes.
QList<QPointF> axisPoints(const std::vector<double>& x, const std::vector<double>& y, bool log_x,
                          bool log_y);

// Adds the drawable values to `range`, in axis units.
void extendRange(plot_style::Range& range, const std::vector<double>& values, bool log);

// The data's range with a margin, so that markers at the edges are not cut in half; an empty or
// flat range gets a unit range around it.
plot_style::Range paddedRange(plot_style::Range range);

// "2×10⁹", "10²⁰" (Unicode superscripts), "0.25", "3.1": powers of ten only where plain digits
// would be long.
QString tickLabel(double value);

struct Tick {
  double axis_position;
  QString label;
};

// Ticks between two axis positions (log10 units on a log axis). A linear axis ticks at round
// values (plot_style's nearest step). A log axis spanning decades ticks at 1 (then 3, then 2 and 5)
// times powers of ten; one spanning less than a decade ticks at round values, placed
// logarithmically.
// A linear axis aims at `intervals` steps between ticks: fewer on a narrow axis (a square plot).
std::vector<Tick> axisTicks(double axis_lo, double axis_hi, bool log,
                            int intervals = plot_style::kTickIntervals);

// An axis in the figures' look, its labels on the ticks.
QCategoryAxis* makeAxis();

// Gives `axis` the range and the ticks of axisTicks, leaving it alone where they are unchanged.
void setTicks(QCategoryAxis* axis, double axis_lo, double axis_hi, bool log,
              int intervals = plot_style::kTickIntervals);

}  // namespace moescope::explorer::figure_axes

#pragma once

#include <QColor>
#include <QString>
#include <algorithm>
#include <array>
#include <limits>
#include <vector>

// What the 2-D figures (FigureView) and the 3-D surface (SurfaceView) draw alike: the colour
// ramps, the round steps and values of axis ticks, and the range of values an axis spans.
namespace moescope::explorer::plot_style {

// A colour as red, green and blue in [0, 1].
struct Rgb {
  double r, g, b;
};

constexpr Rgb rgb8(int red, int green, int blue) {
  return {red / 255.0, green / 255.0, blue / 255.0};
}

QColor toQColor(const Rgb& rgb, double alpha = 1.0);

// Perceptually uniform and readable in grey (unlike VTK's rainbow): stops evenly spaced over
// [0, 1], interpolated linearly in RGB between them.
using ColourRamp = std::array<Rgb, 9>;

// matplotlib's viridis and plasma at nine evenly spaced stops, viridis(i / 8) for i = 0 .. 8, to
// the byte. Viridis colours the 3-D surface by loss and the figures' series by sparsity, so that
// the views agree; plasma colours the figures' series by budget.
inline constexpr ColourRamp kViridis = {
    rgb8(0x44, 0x01, 0x54), rgb8(0x47, 0x2d, 0x7b), rgb8(0x3b, 0x52, 0x8b),
    rgb8(0x2c, 0x72, 0x8e), rgb8(0x21, 0x91, 0x8c), rgb8(0x28, 0xae, 0x80),
    rgb8(0x5e, 0xc9, 0x62), rgb8(0xad, 0xdc, 0x30), rgb8(0xfd, 0xe7, 0x25)};
inline constexpr ColourRamp kPlasma = {
    rgb8(0x0d, 0x08, 0x87), rgb8(0x4c, 0x02, 0xa1), rgb8(0x7e, 0x03, 0xa8),
    rgb8(0xa9, 0x23, 0x95), rgb8(0xcc, 0x47, 0x78), rgb8(0xe5, 0x6b, 0x5d),
    rgb8(0xf8, 0x95, 0x40), rgb8(0xfd, 0xc5, 0x27), rgb8(0xf0, 0xf9, 0x21)};

// Runs proposed to train next (active design), ringed in the 3-D view and hollow in the figures:
// a saturated azure that neither ramp reaches (viridis' blues are greyed, plasma's a dark indigo)
// and that differs in hue from the 3-D view's red runs, orange ridge and magenta overlay.
inline constexpr Rgb kProposed = rgb8(0x00, 0x6e, 0xff);
// Their name in the figures' legends and the 3-D view's key.
inline constexpr char kProposedLabel[] = "proposed (--next)";

// The ramp's colour at `position` in [0, 1] (clamped).
Rgb rampColour(const ColourRamp& ramp, double position);

// "1e20" as 10²⁰ and "1.5e20" as 1.5×10²⁰ in Unicode superscripts, for text painted plain (the
// 3-D view's ticks and title, which QPainter::drawText sets without markup).
QString superscriptNumbers(const QString& plain);

// The values an axis spans; empty until a value is included.
struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();

  void include(double value) {
    lo = std::min(lo, value);
    hi = std::max(hi, value);
  }
  bool empty() const { return !(lo <= hi); }
  double span() const { return hi - lo; }
  // A flat range, which would divide by zero when mapped onto an axis, widened by `half_width`
  // each way; any other is left as it is.
  void widenIfFlat(double half_width) {
    if (span() <= 0.0) {
      lo -= half_width;
      hi += half_width;
    }
  }
};

// About this many intervals between ticks along an axis.
inline constexpr int kTickIntervals = 5;

// Tick steps are 1, 2 or 5 times a power of ten (or ten times it): the one nearest to `rough` in
// ratio, or the smallest at least `rough`.
enum class StepRounding { kNearest, kUp };
double niceStep(double rough, StepRounding rounding);

// The multiples of `step` in [lo, hi], the ends included give or take a billionth of a step; a
// tick at zero reads 0, never -0.
std::vector<double> ticksWithin(double lo, double hi, double step);

// `range` widened to the multiples of `step` at or beyond its ends, so that an axis ends on a
// tick.
Range widenedToTicks(const Range& range, double step);

}  // namespace moescope::explorer::plot_style

#pragma once

#include <QFont>
#include <QRect>
#include <algorithm>

#include "plot_style.h"

// The 3-D view's own colours and fonts, beside plot_style's ramps (the surface is coloured by loss
// with plot_style::kViridis).
namespace moescope::explorer::surface_style {

using plot_style::Rgb;

inline constexpr Rgb kBackground = {1.0, 1.0, 1.0};
inline constexpr Rgb kInk = {0.12, 0.12, 0.12};
inline constexpr Rgb kGridLines = {0.82, 0.82, 0.82};
inline constexpr Rgb kMeasuredRuns = {0.86, 0.16, 0.12};
// Viridis runs from dark purple to yellow, so neither white nor black stands out along the whole
// ridge; orange does, and differs in hue from the red runs.
inline constexpr Rgb kRidge = {1.0, 0.55, 0.0};
// The overlay (the law's surface beside a fitted one) is a wireframe in one colour that viridis
// lacks and the runs' red and the ridge's orange differ from; where the surface hides it, it shows
// faintly through.
inline constexpr Rgb kOverlay = {0.85, 0.1, 0.65};
inline constexpr double kOverlayHiddenOpacity = 0.35;

// Text is painted by Qt over VTK's image, sized to the view so that exports of any size read
// alike: labels at a sixtieth of the height, titles a little larger and bold.
inline QFont labelFont(const QRect& area) {
  QFont font;
  font.setPixelSize(std::clamp(area.height() / 60, 11, 28));
  return font;
}

inline QFont titleFont(const QFont& label_font) {
  QFont font = label_font;
  font.setPixelSize(label_font.pixelSize() * 8 / 7);
  font.setBold(true);
  return font;
}

}  // namespace moescope::explorer::surface_style

#include "surface_box.h"

#include <algorithm>

namespace moescope::explorer {
namespace {

// Round tick values over `range`, which is widened to the outer ones. Steps are at least
// `min_step`.
std::vector<double> boxTicks(plot_style::Range& range, double min_step) {
  const double step = plot_style::niceStep(
      std::max(range.span() / plot_style::kTickIntervals, min_step), plot_style::StepRounding::kUp);
  range = plot_style::widenedToTicks(range, step);
  return plot_style::ticksWithin(range.lo, range.hi, step);
}

}  // namespace

bool hasSurface(const SurfaceScene& scene) {
  return scene.x_values.size() >= 2 && scene.y_values.size() >= 2 &&
         scene.z.size() == scene.x_values.size() * scene.y_values.size();
}

bool hasOverlay(const SurfaceScene& scene) {
  return hasSurface(scene) && scene.overlay_z.size() == scene.z.size();
}

std::optional<WorldFrame> frameOf(const SurfaceScene& scene) {
  WorldFrame frame;
  if (hasSurface(scene)) {
    for (double value : scene.x_values)
      frame.x.include(value);
    for (double value : scene.y_values)
      frame.y.include(value);
    for (double value : scene.z)
      frame.z.include(value);
  }
  if (hasOverlay(scene)) {
    for (double value : scene.overlay_z)
      frame.z.include(value);
    for (const auto& vertex : scene.overlay_ridge)
      frame.z.include(vertex[2]);
  }
  for (const auto& point : scene.points) {
    frame.x.include(point.x);
    frame.y.include(point.y);
    frame.z.include(point.z);
  }
  for (const auto& point : scene.proposed) {
    frame.x.include(point.x);
    frame.y.include(point.y);
    frame.z.include(point.z);
  }
  for (const auto& vertex : scene.ridge) {
    frame.x.include(vertex[0]);
    frame.y.include(vertex[1]);
    frame.z.include(vertex[2]);
  }
  if (frame.x.empty())
    return std::nullopt;
  frame.x.widenIfFlat(1.0);
  frame.y.widenIfFlat(0.5);
  frame.z.widenIfFlat(0.5);
  // Whole decades only, so that every size tick reads as a power of ten.
  frame.x_ticks = boxTicks(frame.x, 1.0);
  frame.y_ticks = boxTicks(frame.y, 0.0);
  frame.z_ticks = boxTicks(frame.z, 0.0);
  return frame;
}

}  // namespace moescope::explorer

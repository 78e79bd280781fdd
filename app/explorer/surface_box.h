#pragma once

#include <array>
#include <optional>
#include <vector>

#include "plot_style.h"
#include "surface_scene.h"

namespace moescope::explorer {

// The 3-D view draws its data inside a fixed box so that decades, sparsity and loss, whose ranges
// differ by orders of magnitude, get comparable room; the axes label the box with the data values.
inline constexpr double kBoxWidth = 1.0;
inline constexpr double kBoxDepth = 1.0;
inline constexpr double kBoxHeight = 0.7;
inline constexpr std::array<double, 3> kBoxSize = {kBoxWidth, kBoxDepth, kBoxHeight};

// How data coordinates map into the box, and the axis ticks that go with it: each range is
// widened to its outer ticks, so that each axis ends on a label.
struct WorldFrame {
  plot_style::Range x, y, z;
  std::vector<double> x_ticks, y_ticks, z_ticks;

  std::array<double, 3> toWorld(double data_x, double data_y, double data_z) const {
    return {(data_x - x.lo) / x.span() * kBoxWidth, (data_y - y.lo) / y.span() * kBoxDepth,
            (data_z - z.lo) / z.span() * kBoxHeight};
  }
};

// Whether the scene has a surface to draw (a grid of at least 2 x 2 nodes), and an overlay over
// the same nodes.
bool hasSurface(const SurfaceScene& scene);
bool hasOverlay(const SurfaceScene& scene);

// The frame of everything the scene draws (the overlay included, shown or not, so that showing it
// does not rescale the box); none for a scene with nothing to draw.
std::optional<WorldFrame> frameOf(const SurfaceScene& scene);

}  // namespace moescope::explorer

#include "surface_overlay.h"

#include <vtkCamera.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>

#include <QPen>
#include <QPointF>
#include <QPolygonF>
#include <algorithm>
#include <cmath>
#include <utility>

#include "surface_style.h"

namespace moescope::explorer {
namespace {

using namespace surface_style;

// Pen widths of the see-through copy, per pixel of the label font: thin lines, a thicker ridge.
constexpr double kSeeThroughLineWidth = 0.09;
constexpr double kSeeThroughRidgeWidth = 0.2;
// Wireframe lines along about this many sizes and as many sparsities, whatever the grid's steps.
constexpr std::size_t kOverlayLines = 12;

}  // namespace

SurfaceOverlay::SurfaceOverlay() {
  wireframe_->SetPoints(points_);
  wireframe_->SetLines(lines_);
  colours_->SetNumberOfComponents(3);
  wireframe_->GetPointData()->SetScalars(colours_);
  mapper_->SetInputData(wireframe_);
  mapper_->SetColorModeToDirectScalars();
  mapper_->SetScalarModeToUsePointData();
  mapper_->ScalarVisibilityOn();
  actor_->SetMapper(mapper_);
  for (vtkActor* actor : {actor_.Get(), ridge_.actor()}) {
    vtkProperty* property = actor->GetProperty();
    property->SetColor(kOverlay.r, kOverlay.g, kOverlay.b);
    property->SetLineWidth(1.5F);
  }
  actor_->GetProperty()->LightingOff();
  ridge_.actor()->GetProperty()->SetAmbient(0.4);
}

void SurfaceOverlay::addTo(vtkRenderer* renderer) {
  renderer->AddActor(actor_);
  renderer->AddActor(ridge_.actor());
}

void SurfaceOverlay::hide() {
  present_ = false;
  updateVisibility();
}

void SurfaceOverlay::setShown(bool shown) {
  shown_ = shown;
  updateVisibility();
}

void SurfaceOverlay::show(const SurfaceScene& scene, const WorldFrame& frame) {
  present_ = hasOverlay(scene);
  if (present_) {
    const std::size_t columns = scene.x_values.size();
    const std::size_t rows = scene.y_values.size();
    points_->SetNumberOfPoints(static_cast<vtkIdType>(columns * rows));
    colours_->SetNumberOfTuples(static_cast<vtkIdType>(columns * rows));
    world_.resize(columns * rows);
    // The sizes the budget's runs span; none: the whole grid is the law's alone.
    plot_style::Range runs;
    for (const auto& point : scene.points)
      runs.include(point.x);
    extrapolates_ = false;
    auto channel = [](double value) {
      return static_cast<unsigned char>(std::lround(value * 255));
    };
    // Beyond the runs, two thirds of the way to white.
    constexpr double kPale = 0.65;
    const std::array<unsigned char, 3> inside = {channel(kOverlay.r), channel(kOverlay.g),
                                                 channel(kOverlay.b)};
    const std::array<unsigned char, 3> beyond = {channel(kOverlay.r + (1 - kOverlay.r) * kPale),
                                                 channel(kOverlay.g + (1 - kOverlay.g) * kPale),
                                                 channel(kOverlay.b + (1 - kOverlay.b) * kPale)};
    for (std::size_t row = 0; row < rows; ++row) {
      for (std::size_t column = 0; column < columns; ++column) {
        const std::size_t index = row * columns + column;
        world_[index] =
            frame.toWorld(scene.x_values[column], scene.y_values[row], scene.overlay_z[index]);
        points_->SetPoint(static_cast<vtkIdType>(index), world_[index].data());
        const double x = scene.x_values[column];
        const bool extrapolated = !runs.empty() && (x < runs.lo - 1e-9 || x > runs.hi + 1e-9);
        extrapolates_ |= extrapolated;
        colours_->SetTypedTuple(static_cast<vtkIdType>(index),
                                extrapolated ? beyond.data() : inside.data());
      }
    }
    points_->Modified();
    colours_->Modified();
    if (columns != columns_ || rows != rows_)
      wire(columns, rows);

    ridge_world_.clear();
    for (const auto& vertex : scene.overlay_ridge)
      ridge_world_.push_back(frame.toWorld(vertex[0], vertex[1], vertex[2]));
    ridge_.setVertices(ridge_world_);
  }
  updateVisibility();
}

void SurfaceOverlay::wire(std::size_t columns, std::size_t rows) {
  columns_ = columns;
  rows_ = rows;
  lines_->Reset();
  polylines_.clear();
  auto every = [](std::size_t count) {
    std::vector<std::size_t> chosen;
    const std::size_t step = std::max<std::size_t>(1, (count - 1) / (kOverlayLines - 1));
    for (std::size_t i = 0; i + 1 < count; i += step)
      chosen.push_back(i);
    chosen.push_back(count - 1);
    return chosen;
  };
  auto add = [&](std::vector<std::size_t> line) {
    lines_->InsertNextCell(static_cast<int>(line.size()));
    for (const std::size_t point : line)
      lines_->InsertCellPoint(static_cast<vtkIdType>(point));
    polylines_.push_back(std::move(line));
  };
  for (const std::size_t row : every(rows)) {
    std::vector<std::size_t> line;
    for (std::size_t column = 0; column < columns; ++column)
      line.push_back(row * columns + column);
    add(std::move(line));
  }
  for (const std::size_t column : every(columns)) {
    std::vector<std::size_t> line;
    for (std::size_t row = 0; row < rows; ++row)
      line.push_back(row * columns + column);
    add(std::move(line));
  }
  lines_->Modified();
}

void SurfaceOverlay::updateVisibility() {
  const bool visible = present_ && shown_;
  actor_->SetVisibility(visible);
  ridge_.actor()->SetVisibility(visible && ridge_.hasLine());
}

void SurfaceOverlay::paintSeeThrough(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                                     const QFont& label_font) const {
  if (!present_ || !shown_ || world_.empty())
    return;
  const int* window_size = renderer->GetRenderWindow()->GetSize();
  const double width = window_size[0], height = window_size[1];
  const double scale = static_cast<double>(area.width()) / width;
  vtkMatrix4x4* matrix = renderer->GetActiveCamera()->GetCompositeProjectionTransformMatrix(
      renderer->GetTiledAspectRatio(), -1, 1);
  double m[4][4];
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j)
      m[i][j] = matrix->GetElement(i, j);
  }
  auto toArea = [&](const std::array<double, 3>& world) {
    double view[4];
    for (int i = 0; i < 4; ++i)
      view[i] = m[i][0] * world[0] + m[i][1] * world[1] + m[i][2] * world[2] + m[i][3];
    const double x = (view[0] / view[3] + 1.0) * width / 2.0;
    const double y = (view[1] / view[3] + 1.0) * height / 2.0;
    return QPointF(area.left() + x * scale, area.top() + (height - y) * scale);
  };
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  const QColor colour = plot_style::toQColor(kOverlay, kOverlayHiddenOpacity);
  const double pixels = label_font.pixelSize();
  painter.setPen(QPen(colour, std::max(1.0, pixels * kSeeThroughLineWidth)));
  QPolygonF polyline;
  for (const std::vector<std::size_t>& line : polylines_) {
    polyline.clear();
    for (const std::size_t point : line)
      polyline.append(toArea(world_[point]));
    painter.drawPolyline(polyline);
  }
  if (ridge_world_.size() >= 2) {
    painter.setPen(QPen(colour, std::max(2.0, pixels * kSeeThroughRidgeWidth), Qt::SolidLine,
                        Qt::RoundCap, Qt::RoundJoin));
    polyline.clear();
    for (const auto& vertex : ridge_world_)
      polyline.append(toArea(vertex));
    painter.drawPolyline(polyline);
  }
  painter.restore();
}

}  // namespace moescope::explorer

#include "surface_axes.h"

#include <vtkCamera.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>

#include <QFontMetricsF>
#include <QPointF>
#include <QRectF>
#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "surface_style.h"

namespace moescope::explorer {
namespace {

using namespace surface_style;

constexpr double kTickLength = 0.025;

// Text painted so far, and the height it moves away from when it would overlap some.
struct Placement {
  std::vector<QRectF> painted;
  double away_from_y = 0;
};

double displayX(vtkRenderer* renderer, const std::array<double, 3>& world) {
  renderer->SetWorldPoint(world[0], world[1], world[2], 1.0);
  renderer->WorldToDisplay();
  return renderer->GetDisplayPoint()[0];
}

// Draws `text` of `size` centred beyond `end`, seen from `root`, `distance` past it, moved up or
// down off any text painted before, and adds it to `placement`. Returns how far past `end` the
// text reaches.
double drawBeyond(QPainter& painter, QPointF root, QPointF end, double distance, QSizeF size,
                  const QString& text, Placement& placement) {
  QPointF outwards = end - root;
  const double length = std::hypot(outwards.x(), outwards.y());
  outwards = length > 1e-6 ? outwards / length : QPointF(0, 1);
  // How far the text's box reaches from its centre along `outwards`.
  const double half_extent =
      0.5 * (std::abs(outwards.x()) * size.width() + std::abs(outwards.y()) * size.height());
  const QPointF centre = end + outwards * (distance + half_extent);
  QRectF box(centre - QPointF(size.width(), size.height()) / 2, size);
  const double step =
      box.center().y() >= placement.away_from_y ? 0.5 * size.height() : -0.5 * size.height();
  constexpr int kMostMoves = 3;
  for (int move = 0; move < kMostMoves &&
                     std::any_of(placement.painted.begin(), placement.painted.end(),
                                 [&](const QRectF& placed) { return placed.intersects(box); });
       ++move) {
    box.translate(0, step);
  }
  painter.drawText(box, Qt::AlignCenter, text);
  placement.painted.push_back(box);
  return distance + 2 * half_extent;
}

void addLine(vtkPoints* points, vtkCellArray* cells, const std::array<double, 3>& from,
             const std::array<double, 3>& to) {
  const vtkIdType ends[2] = {points->InsertNextPoint(from.data()),
                             points->InsertNextPoint(to.data())};
  cells->InsertNextCell(2, ends);
}

}  // namespace

SurfaceAxes::SurfaceAxes() {
  for (auto [data, points, lines] :
       {std::tuple{grid_.Get(), grid_points_.Get(), grid_cells_.Get()},
        std::tuple{edges_.Get(), edge_points_.Get(), edge_cells_.Get()}}) {
    data->SetPoints(points);
    data->SetLines(lines);
  }
  grid_mapper_->SetInputData(grid_);
  grid_actor_->SetMapper(grid_mapper_);
  edges_mapper_->SetInputData(edges_);
  edges_actor_->SetMapper(edges_mapper_);
  for (auto [actor, colour] :
       {std::pair{grid_actor_.Get(), kGridLines}, std::pair{edges_actor_.Get(), kInk}}) {
    actor->GetProperty()->SetColor(colour.r, colour.g, colour.b);
    // Lines carry no normals to light; shading would only darken them unevenly.
    actor->GetProperty()->LightingOff();
  }
}

void SurfaceAxes::addTo(vtkRenderer* renderer) {
  renderer->AddActor(grid_actor_);
  renderer->AddActor(edges_actor_);
}

void SurfaceAxes::hide() {
  grid_actor_->SetVisibility(false);
  edges_actor_->SetVisibility(false);
  shown_ = false;
}

void SurfaceAxes::show(const SurfaceScene& scene, const WorldFrame& frame) {
  grid_actor_->SetVisibility(true);
  edges_actor_->SetVisibility(true);
  shown_ = true;
  titles_ = {QString::fromStdString(scene.x_label), QString::fromStdString(scene.y_label),
             QString::fromStdString(scene.z_label)};
  const std::array<const char*, 3> formats = {"1e%1", "%1", "%1"};
  const std::array<const std::vector<double>*, 3> ticks = {&frame.x_ticks, &frame.y_ticks,
                                                           &frame.z_ticks};
  for (std::size_t axis = 0; axis < 3; ++axis) {
    tick_labels_[axis].clear();
    tick_positions_[axis].clear();
    const plot_style::Range& range = axis == 0 ? frame.x : axis == 1 ? frame.y : frame.z;
    for (const double tick : *ticks[axis]) {
      // Sizes as powers of ten, 10⁹, as a printed axis has them.
      tick_labels_[axis].append(plot_style::superscriptNumbers(QString(formats[axis]).arg(tick)));
      tick_positions_[axis].push_back((tick - range.lo) / range.span() * kBoxSize[axis]);
    }
  }
}

void SurfaceAxes::place(vtkRenderer* renderer) {
  for (vtkPoints* points : {grid_points_.Get(), edge_points_.Get()})
    points->Reset();
  for (vtkCellArray* cells : {grid_cells_.Get(), edge_cells_.Get()})
    cells->Reset();
  for (AxisText& text : axis_text_)
    text = {};
  if (shown_) {
    const double* eye = renderer->GetActiveCamera()->GetPosition();
    std::array<double, 3> near_side{}, far_side{};
    for (std::size_t axis = 0; axis < 3; ++axis) {
      const bool eye_below_middle = eye[axis] < kBoxSize[axis] / 2;
      near_side[axis] = eye_below_middle ? 0.0 : kBoxSize[axis];
      far_side[axis] = eye_below_middle ? kBoxSize[axis] : 0.0;
    }
    for (std::size_t face = 0; face < 3; ++face)
      addGrid(face, far_side[face]);
    // Each labelled edge lies on a face towards the reader; its ticks point out of that face.
    addEdge(0, {0.0, near_side[1], far_side[2]}, 1, near_side);
    addEdge(1, {near_side[0], 0.0, far_side[2]}, 0, near_side);
    const std::array<double, 3> left_candidate = {near_side[0], far_side[1], 0.0};
    const std::array<double, 3> right_candidate = {far_side[0], near_side[1], 0.0};
    if (displayX(renderer, left_candidate) <= displayX(renderer, right_candidate))
      addEdge(2, left_candidate, 0, near_side);
    else
      addEdge(2, right_candidate, 1, near_side);
  }
  for (vtkPolyData* lines : {grid_.Get(), edges_.Get()})
    lines->Modified();
}

void SurfaceAxes::paintLabels(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                              const QFont& label_font) const {
  const QFont title_font = titleFont(label_font);
  const QFontMetricsF label_metrics(label_font);
  const QFontMetricsF title_metrics(title_font);
  const int* window_size = renderer->GetRenderWindow()->GetSize();
  const double scale = static_cast<double>(area.width()) / window_size[0];
  auto toArea = [&](const std::array<double, 3>& world) {
    renderer->SetWorldPoint(world[0], world[1], world[2], 1.0);
    renderer->WorldToDisplay();
    std::array<double, 3> display{};
    renderer->GetDisplayPoint(display.data());
    return QPointF(area.left() + display[0] * scale,
                   area.top() + (window_size[1] - display[1]) * scale);
  };
  const double gap = label_font.pixelSize() * 0.4;
  // Where two axes meet, their end labels would overlap: the label of the horizontal axis gives
  // way, moving away from the vertical axis' labels.
  Placement placement;
  placement.away_from_y = toArea(axis_text_[2].title_root).y();
  painter.setPen(plot_style::toQColor(kInk));
  for (const std::size_t axis_index : {2, 0, 1}) {
    const AxisText& axis = axis_text_[axis_index];
    if (axis.labels.isEmpty())
      continue;
    double farthest_label = 0;
    painter.setFont(label_font);
    for (qsizetype tick = 0; tick < axis.labels.size(); ++tick) {
      const auto i = static_cast<std::size_t>(tick);
      const QPointF root = toArea(axis.tick_roots[i]);
      const QPointF end = toArea(axis.tick_ends[i]);
      const QSizeF size = label_metrics.boundingRect(axis.labels[tick]).size();
      farthest_label = std::max(
          farthest_label, drawBeyond(painter, root, end, gap, size, axis.labels[tick], placement));
    }
    painter.setFont(title_font);
    const QPointF root = toArea(axis.title_root);
    const QPointF end = toArea(axis.title_end);
    drawBeyond(painter, root, end, farthest_label + 2 * gap,
               title_metrics.boundingRect(axis.title).size(), axis.title, placement);
  }
}

void SurfaceAxes::addGrid(std::size_t face, double side) {
  for (std::size_t along = 0; along < 3; ++along) {
    if (along == face)
      continue;
    const std::size_t across = 3 - face - along;
    for (const double tick : tick_positions_[across]) {
      std::array<double, 3> from{}, to{};
      from[face] = to[face] = side;
      from[across] = to[across] = tick;
      to[along] = kBoxSize[along];
      addLine(grid_points_, grid_cells_, from, to);
    }
  }
}

void SurfaceAxes::addEdge(std::size_t axis, std::array<double, 3> start, std::size_t outwards,
                          const std::array<double, 3>& near_side) {
  std::array<double, 3> finish = start;
  finish[axis] = kBoxSize[axis];
  addLine(edge_points_, edge_cells_, start, finish);
  const double direction = near_side[outwards] == 0.0 ? -1.0 : 1.0;
  AxisText& text = axis_text_[axis];
  auto tickAt = [&](double position, std::array<double, 3>& root, std::array<double, 3>& end) {
    root = start;
    root[axis] = position;
    end = root;
    end[outwards] += direction * kTickLength;
  };
  for (const double position : tick_positions_[axis]) {
    std::array<double, 3> root{}, end{};
    tickAt(position, root, end);
    addLine(edge_points_, edge_cells_, root, end);
    text.tick_roots.push_back(root);
    text.tick_ends.push_back(end);
  }
  text.labels = tick_labels_[axis];
  tickAt(kBoxSize[axis] / 2, text.title_root, text.title_end);
  text.title = titles_[axis];
}

}  // namespace moescope::explorer

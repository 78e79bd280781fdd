#include "surface_vtk_scene.h"

#include <vtkPointData.h>
#include <vtkProperty.h>

#include <QFontMetrics>
#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPen>
#include <algorithm>
#include <cmath>

#include "surface_style.h"

namespace moescope::explorer {
namespace {

using namespace surface_style;

// The lookup table behind the surface's colours: plot_style's viridis, as the figures have it.
void fillViridis(vtkLookupTable* table) {
  constexpr int kEntries = 256;
  table->SetNumberOfTableValues(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    const Rgb rgb =
        plot_style::rampColour(plot_style::kViridis, static_cast<double>(i) / (kEntries - 1));
    table->SetTableValue(i, rgb.r, rgb.g, rgb.b, 1.0);
  }
}

// The colour bar, painted by Qt over VTK's image. vtkScalarBarActor lays out and renders all its
// text again whenever the loss range moves, which is on every budget step, at a quarter of the
// frame's cost; and it sizes its text to the bar rather than to the view.
void paintColourBar(QPainter& painter, const QRect& area, const plot_style::Range& loss,
                    const std::vector<double>& ticks, const QFont& label_font) {
  const int text_pixels = label_font.pixelSize();
  const QFontMetrics metrics(label_font);
  auto label = [&](std::size_t index) { return QString::number(ticks[index], 'g', 4); };
  int label_width = 0;
  for (std::size_t index = 0; index < ticks.size(); ++index)
    label_width = std::max(label_width, metrics.horizontalAdvance(label(index)));
  const int gap = text_pixels / 2;
  const QRect bar(area.right() - text_pixels - label_width - gap - text_pixels,
                  area.top() + area.height() / 5, text_pixels, area.height() * 3 / 5);
  QLinearGradient ramp(bar.bottomLeft(), bar.topLeft());
  const plot_style::ColourRamp& stops = plot_style::kViridis;
  for (std::size_t i = 0; i < stops.size(); ++i)
    ramp.setColorAt(static_cast<double>(i) / (stops.size() - 1), plot_style::toQColor(stops[i]));
  painter.fillRect(bar, ramp);
  painter.setPen(plot_style::toQColor(kInk));
  painter.setFont(label_font);
  // At the z axis' ticks.
  for (std::size_t index = 0; index < ticks.size(); ++index) {
    const double position = (ticks[index] - loss.lo) / loss.span();
    const int y = bar.bottom() - static_cast<int>(std::lround((bar.height() - 1) * position));
    painter.drawText(QPoint(bar.right() + gap, y + metrics.capHeight() / 2), label(index));
  }
  // Above the top label, which reaches half a cap height above the bar.
  painter.setFont(titleFont(label_font));
  painter.drawText(QPoint(bar.left(), bar.top() - metrics.capHeight() / 2 - gap),
                   QStringLiteral("Loss"));
}

}  // namespace

SurfaceVtkScene::SurfaceVtkScene(vtkRenderer* renderer) {
  renderer->SetBackground(kBackground.r, kBackground.g, kBackground.b);
  // Opaque, so that what is read back is the scene and not the background's alpha.
  renderer->SetBackgroundAlpha(1.0);
  buildSurface();
  buildRuns();
  ridge_.actor()->GetProperty()->SetColor(kRidge.r, kRidge.g, kRidge.b);
  ridge_.actor()->GetProperty()->SetAmbient(0.4);
  for (vtkActor* actor : {surface_actor_.Get(), runs_actor_.Get(), ridge_.actor()})
    renderer->AddActor(actor);
  axes_.addTo(renderer);
  overlay_.addTo(renderer);
  proposals_.addTo(renderer);
  hideAll();
}

void SurfaceVtkScene::show(const SurfaceScene& scene) {
  const std::optional<WorldFrame> frame = frameOf(scene);
  title_ = plot_style::superscriptNumbers(QString::fromStdString(scene.title));
  message_ = QString::fromStdString(scene.message);
  overlay_label_ = plot_style::superscriptNumbers(QString::fromStdString(scene.overlay_label));
  has_runs_ = !scene.points.empty();
  has_ridge_ = scene.ridge.size() >= 2;
  if (!frame) {
    hideAll();
    return;
  }
  showSurface(scene, *frame);
  showRuns(scene, *frame);
  showRidge(scene, *frame);
  overlay_.show(scene, *frame);
  proposals_.show(scene, *frame);
  axes_.show(scene, *frame);
}

void SurfaceVtkScene::setOverlayShown(bool shown) {
  overlay_.setShown(shown);
}

void SurfaceVtkScene::placeAxes(vtkRenderer* renderer) {
  axes_.place(renderer);
}

void SurfaceVtkScene::paintText(QPainter& painter, vtkRenderer* renderer, const QRect& area) const {
  painter.setRenderHint(QPainter::TextAntialiasing);
  const QFont label_font = labelFont(area);
  axes_.paintLabels(painter, renderer, area, label_font);
  overlay_.paintSeeThrough(painter, renderer, area, label_font);
  proposals_.paintRings(painter, renderer, area, label_font);
  if (colour_range_)
    paintColourBar(painter, area, *colour_range_, colour_ticks_, label_font);
  paintKey(painter, area, label_font);
  paintMessage(painter, area, label_font);
}

void SurfaceVtkScene::paintMessage(QPainter& painter, const QRect& area,
                                   const QFont& label_font) const {
  if (message_.isEmpty())
    return;
  QFont font = label_font;
  font.setPixelSize(label_font.pixelSize() * 9 / 8);
  painter.setFont(font);
  painter.setPen(plot_style::toQColor(kInk));
  const int width = std::max(area.width() / 2, std::min(area.width(), 420));
  const QRect box(area.center().x() - width / 2, area.top() + area.height() / 4, width,
                  area.height() / 2);
  painter.drawText(box, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, message_);
}

void SurfaceVtkScene::hideAll() {
  for (vtkActor* actor : {surface_actor_.Get(), runs_actor_.Get(), ridge_.actor()})
    actor->SetVisibility(false);
  axes_.hide();
  overlay_.hide();
  proposals_.hide();
  colour_range_.reset();
}

void SurfaceVtkScene::paintKey(QPainter& painter, const QRect& area,
                               const QFont& label_font) const {
  if (title_.isEmpty())
    return;
  const QFontMetricsF metrics(label_font);
  const QFont title_font = titleFont(label_font);
  const double line = metrics.height() * 1.35;
  const double margin = label_font.pixelSize();
  const double sample = 2.2 * label_font.pixelSize();
  QPointF at(area.left() + margin, area.top() + margin + QFontMetricsF(title_font).ascent());
  const QColor ink = plot_style::toQColor(kInk);
  painter.setPen(ink);
  painter.setFont(title_font);
  painter.drawText(at, title_);
  painter.setFont(label_font);
  auto entry = [&](const QString& text, auto draw_sample) {
    at.ry() += line;
    const double middle = at.y() - metrics.capHeight() / 2;
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    draw_sample(QRectF(at.x(), middle - sample / 4, sample, sample / 2));
    painter.restore();
    painter.setPen(ink);
    painter.drawText(QPointF(at.x() + sample + margin / 2, at.y()), text);
  };
  const double thick = std::max(2.0, label_font.pixelSize() / 4.0);
  if (has_ridge_) {
    entry(QStringLiteral("Optimum ridge S*"), [&](const QRectF& box) {
      painter.setPen(QPen(plot_style::toQColor(kRidge), thick, Qt::SolidLine, Qt::RoundCap));
      painter.drawLine(QPointF(box.left(), box.center().y()),
                       QPointF(box.right(), box.center().y()));
    });
  }
  if (has_runs_) {
    entry(QStringLiteral("Runs at this budget"), [&](const QRectF& box) {
      painter.setPen(Qt::NoPen);
      painter.setBrush(plot_style::toQColor(kMeasuredRuns));
      const double radius = box.height() * 0.45;
      painter.drawEllipse(box.center(), radius, radius);
    });
  }
  if (proposals_.count() > 0) {
    entry(QStringLiteral("Runs %1, numbered by rank")
              .arg(QString::fromUtf8(plot_style::kProposedLabel)),
          [&](const QRectF& box) { SurfaceProposals::paintSample(painter, box, label_font); });
  }
  if (overlay_.present()) {
    const bool shown = overlay_.shown();
    QString state = shown ? QStringLiteral("wireframe and its ridge") : QStringLiteral("hidden");
    if (shown && overlay_.extrapolates())
      state += QStringLiteral(", pale beyond the runs' sizes (extrapolated)");
    entry(QStringLiteral("%1: %2 (Ctrl+L)").arg(overlay_label_, state), [&](const QRectF& box) {
      const double alpha = shown ? 1.0 : kOverlayHiddenOpacity;
      painter.setPen(QPen(plot_style::toQColor(kOverlay, alpha), 1.2));
      painter.setBrush(Qt::NoBrush);
      for (int i = 0; i <= 4; ++i) {
        const double x = box.left() + box.width() * i / 4;
        painter.drawLine(QPointF(x, box.top()), QPointF(x, box.bottom()));
      }
      for (const double y : {box.top(), box.bottom()})
        painter.drawLine(QPointF(box.left(), y), QPointF(box.right(), y));
    });
  }
}

void SurfaceVtkScene::buildSurface() {
  surface_loss_->SetName("Loss");
  surface_->SetPoints(surface_points_);
  surface_->SetPolys(surface_triangles_);
  surface_->GetPointData()->SetScalars(surface_loss_);
  surface_normals_->SetNumberOfComponents(3);
  surface_->GetPointData()->SetNormals(surface_normals_);
  fillViridis(colours_);
  surface_mapper_->SetInputData(surface_);
  surface_mapper_->SetLookupTable(colours_);
  surface_mapper_->UseLookupTableScalarRangeOn();
  surface_actor_->SetMapper(surface_mapper_);
  // Enough ambient light that viridis' dark end stays purple rather than black in shadow.
  surface_actor_->GetProperty()->SetAmbient(0.4);
  surface_actor_->GetProperty()->SetDiffuse(0.7);
  surface_actor_->GetProperty()->SetSpecular(0.1);
}

void SurfaceVtkScene::showSurface(const SurfaceScene& scene, const WorldFrame& frame) {
  const bool visible = hasSurface(scene);
  surface_actor_->SetVisibility(visible);
  colour_range_.reset();
  if (!visible)
    return;
  const std::size_t columns = scene.x_values.size();
  const std::size_t rows = scene.y_values.size();
  if (columns != surface_columns_ || rows != surface_rows_)
    triangulate(columns, rows);
  plot_style::Range loss;
  world_.resize(columns * rows);
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const std::size_t index = row * columns + column;
      const double value = scene.z[index];
      world_[index] = frame.toWorld(scene.x_values[column], scene.y_values[row], value);
      surface_points_->SetPoint(static_cast<vtkIdType>(index), world_[index].data());
      surface_loss_->SetValue(static_cast<vtkIdType>(index), value);
      loss.include(value);
    }
  }
  setSmoothNormals(columns, rows);
  surface_points_->Modified();
  surface_loss_->Modified();
  surface_normals_->Modified();
  loss.widenIfFlat(0.5);
  // The colours span the box's loss axis, so that the colour bar reads as the z axis does, tick
  // for tick.
  colours_->SetTableRange(frame.z.lo, frame.z.hi);
  colour_range_ = frame.z;
  colour_ticks_ = frame.z_ticks;
}

void SurfaceVtkScene::setSmoothNormals(std::size_t columns, std::size_t rows) {
  auto at = [&](std::size_t row, std::size_t column) -> const std::array<double, 3>& {
    return world_[row * columns + column];
  };
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const auto& left = at(row, column > 0 ? column - 1 : column);
      const auto& right = at(row, std::min(column + 1, columns - 1));
      const auto& behind = at(row > 0 ? row - 1 : row, column);
      const auto& ahead = at(std::min(row + 1, rows - 1), column);
      const std::array<double, 3> along_x = {right[0] - left[0], right[1] - left[1],
                                             right[2] - left[2]};
      const std::array<double, 3> along_y = {ahead[0] - behind[0], ahead[1] - behind[1],
                                             ahead[2] - behind[2]};
      // Upwards, as the triangles wind.
      std::array<double, 3> normal = {along_x[1] * along_y[2] - along_x[2] * along_y[1],
                                      along_x[2] * along_y[0] - along_x[0] * along_y[2],
                                      along_x[0] * along_y[1] - along_x[1] * along_y[0]};
      const double length = std::hypot(normal[0], normal[1], normal[2]);
      const std::array<float, 3> unit = {static_cast<float>(normal[0] / length),
                                         static_cast<float>(normal[1] / length),
                                         static_cast<float>(normal[2] / length)};
      surface_normals_->SetTypedTuple(static_cast<vtkIdType>(row * columns + column), unit.data());
    }
  }
}

void SurfaceVtkScene::triangulate(std::size_t columns, std::size_t rows) {
  surface_columns_ = columns;
  surface_rows_ = rows;
  const auto points = static_cast<vtkIdType>(columns * rows);
  surface_points_->SetNumberOfPoints(points);
  surface_loss_->SetNumberOfValues(points);
  surface_normals_->SetNumberOfTuples(points);
  surface_triangles_->Reset();
  for (std::size_t row = 0; row + 1 < rows; ++row) {
    for (std::size_t column = 0; column + 1 < columns; ++column) {
      const auto corner = static_cast<vtkIdType>(row * columns + column);
      const auto above = corner + static_cast<vtkIdType>(columns);
      const vtkIdType lower[3] = {corner, corner + 1, above + 1};
      const vtkIdType upper[3] = {corner, above + 1, above};
      surface_triangles_->InsertNextCell(3, lower);
      surface_triangles_->InsertNextCell(3, upper);
    }
  }
  surface_triangles_->Modified();
}

void SurfaceVtkScene::buildRuns() {
  runs_->SetPoints(run_centres_);
  run_marker_->SetRadius(0.016);
  run_marker_->SetThetaResolution(16);
  run_marker_->SetPhiResolution(12);
  runs_mapper_->SetInputData(runs_);
  runs_mapper_->SetSourceConnection(run_marker_->GetOutputPort());
  runs_mapper_->ScalingOff();
  runs_mapper_->ScalarVisibilityOff();
  runs_actor_->SetMapper(runs_mapper_);
  runs_actor_->GetProperty()->SetColor(kMeasuredRuns.r, kMeasuredRuns.g, kMeasuredRuns.b);
  runs_actor_->GetProperty()->SetSpecular(0.3);
}

void SurfaceVtkScene::showRuns(const SurfaceScene& scene, const WorldFrame& frame) {
  runs_actor_->SetVisibility(!scene.points.empty());
  run_centres_->SetNumberOfPoints(static_cast<vtkIdType>(scene.points.size()));
  vtkIdType index = 0;
  for (const auto& point : scene.points)
    run_centres_->SetPoint(index++, frame.toWorld(point.x, point.y, point.z).data());
  run_centres_->Modified();
}

void SurfaceVtkScene::showRidge(const SurfaceScene& scene, const WorldFrame& frame) {
  const bool visible = scene.ridge.size() >= 2;
  ridge_.actor()->SetVisibility(visible);
  if (!visible)
    return;
  std::vector<std::array<double, 3>> world;
  world.reserve(scene.ridge.size());
  for (const auto& vertex : scene.ridge)
    world.push_back(frame.toWorld(vertex[0], vertex[1], vertex[2]));
  ridge_.setVertices(world);
}

}  // namespace moescope::explorer

#include "surface_view.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkColorTransferFunction.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkSphereSource.h>
#include <vtkTubeFilter.h>

#include <QFontMetrics>
#include <QKeyEvent>
#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QWheelEvent>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

namespace {

// The data are drawn inside a fixed box so that decades, sparsity and loss, whose ranges differ by
// orders of magnitude, get comparable room; the axes label the box with the data values.
constexpr double kBoxWidth = 1.0;
constexpr double kBoxDepth = 1.0;
constexpr double kBoxHeight = 0.7;
constexpr int kPickRadiusPixels = 10;
constexpr int kClickSlackPixels = 4;
constexpr int kExportMultiSamples = 8;

struct Rgb {
  double r, g, b;
};
constexpr Rgb kBackground = {1.0, 1.0, 1.0};
constexpr Rgb kInk = {0.12, 0.12, 0.12};
constexpr Rgb kGridLines = {0.82, 0.82, 0.82};
constexpr Rgb kMeasuredRuns = {0.86, 0.16, 0.12};
// Viridis runs from dark purple to yellow, so neither white nor black stands out along the whole
// ridge; orange does, and differs in hue from the red runs.
constexpr Rgb kRidge = {1.0, 0.55, 0.0};
// The overlay (the law's surface beside a fitted one) is a wireframe in one colour that viridis
// lacks and the runs' red and the ridge's orange differ from; where the surface hides it, it shows
// faintly through.
constexpr Rgb kOverlay = {0.85, 0.1, 0.65};
constexpr double kOverlayHiddenOpacity = 0.35;
// Pen widths of the see-through copy, per pixel of the label font: thin lines, a thicker ridge.
constexpr double kSeeThroughLineWidth = 0.09;
constexpr double kSeeThroughRidgeWidth = 0.2;
// Wireframe lines along about this many sizes and as many sparsities, whatever the grid's steps.
constexpr std::size_t kOverlayLines = 12;

struct DataRange {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  void include(double value) {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  bool empty() const { return min > max; }
  double span() const { return max - min; }
  // A degenerate range would divide by zero when mapped into the box.
  void widenIfFlat(double half_width) {
    if (span() <= 0.0) {
      min -= half_width;
      max += half_width;
    }
  }
};

// Evenly spaced round tick values; the range is widened to the outer ticks so that the axis ends
// on a label. Steps are 1, 2 or 5 times a power of ten, at least min_step.
std::vector<double> niceTicks(DataRange& range, double min_step) {
  constexpr int kMaxIntervals = 5;
  const double rough_step = std::max(range.span() / kMaxIntervals, min_step);
  const double decade = std::pow(10.0, std::floor(std::log10(rough_step)));
  double step = 10.0 * decade;
  for (double multiple : {1.0, 2.0, 5.0}) {
    if (multiple * decade >= rough_step * (1.0 - 1e-9)) {
      step = multiple * decade;
      break;
    }
  }
  const double first = std::floor(range.min / step + 1e-9);
  const double last = std::ceil(range.max / step - 1e-9);
  range.min = first * step;
  range.max = last * step;
  std::vector<double> ticks;
  for (double multiple = first; multiple <= last + 0.5; multiple += 1.0) {
    ticks.push_back(multiple * step);
  }
  return ticks;
}

// How data coordinates map into the drawing box, and the axis ticks that go with it.
struct WorldFrame {
  DataRange x, y, z;
  std::vector<double> x_ticks, y_ticks, z_ticks;

  std::array<double, 3> toWorld(double data_x, double data_y, double data_z) const {
    return {(data_x - x.min) / x.span() * kBoxWidth, (data_y - y.min) / y.span() * kBoxDepth,
            (data_z - z.min) / z.span() * kBoxHeight};
  }
};

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
  // Whether or not the overlay is shown, so that showing it does not rescale the box.
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
  frame.x_ticks = niceTicks(frame.x, 1.0);
  frame.y_ticks = niceTicks(frame.y, 0.0);
  frame.z_ticks = niceTicks(frame.z, 0.0);
  return frame;
}

// Viridis sampled every tenth: perceptually uniform and readable in grey, unlike VTK's rainbow.
constexpr std::array<std::array<double, 3>, 11> kViridis = {{{0.267, 0.005, 0.329},
                                                             {0.283, 0.141, 0.458},
                                                             {0.254, 0.265, 0.530},
                                                             {0.208, 0.372, 0.553},
                                                             {0.164, 0.471, 0.558},
                                                             {0.128, 0.567, 0.551},
                                                             {0.135, 0.659, 0.518},
                                                             {0.208, 0.718, 0.475},
                                                             {0.478, 0.821, 0.318},
                                                             {0.741, 0.873, 0.150},
                                                             {0.993, 0.906, 0.144}}};

void fillViridis(vtkLookupTable* table) {
  vtkNew<vtkColorTransferFunction> ramp;
  for (std::size_t i = 0; i < kViridis.size(); ++i) {
    const auto& rgb = kViridis[i];
    ramp->AddRGBPoint(static_cast<double>(i) / (kViridis.size() - 1), rgb[0], rgb[1], rgb[2]);
  }
  constexpr int kEntries = 256;
  table->SetNumberOfTableValues(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    std::array<double, 3> rgb{};
    ramp->GetColor(static_cast<double>(i) / (kEntries - 1), rgb.data());
    table->SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0);
  }
}

// Text is painted by Qt over VTK's image, sized to the view so that exports of any size read
// alike: labels at a sixtieth of the height, titles a little larger and bold.
QFont labelFont(const QRect& area) {
  QFont font;
  font.setPixelSize(std::clamp(area.height() / 60, 11, 28));
  return font;
}

QFont titleFont(const QFont& label_font) {
  QFont font = label_font;
  font.setPixelSize(label_font.pixelSize() * 8 / 7);
  font.setBold(true);
  return font;
}

// The colour bar, painted by Qt over VTK's image. vtkScalarBarActor lays out and renders all its
// text again whenever the loss range moves, which is on every budget step, at a quarter of the
// frame's cost; and it sizes its text to the bar rather than to the view.
void paintColourBar(QPainter& painter, const QRect& area, const DataRange& loss,
                    const QFont& label_font) {
  constexpr int kLabels = 5;
  const int text_pixels = label_font.pixelSize();
  const QFontMetrics metrics(label_font);
  auto label = [&](int index) {
    const double value = loss.min + loss.span() * index / (kLabels - 1);
    return QString::number(value, 'f', 2);
  };
  int label_width = 0;
  for (int index = 0; index < kLabels; ++index)
    label_width = std::max(label_width, metrics.horizontalAdvance(label(index)));
  const int gap = text_pixels / 2;
  const QRect bar(area.right() - text_pixels - label_width - gap - text_pixels,
                  area.top() + area.height() / 5, text_pixels, area.height() * 3 / 5);
  QLinearGradient ramp(bar.bottomLeft(), bar.topLeft());
  for (std::size_t i = 0; i < kViridis.size(); ++i) {
    const auto& rgb = kViridis[i];
    ramp.setColorAt(static_cast<double>(i) / (kViridis.size() - 1),
                    QColor::fromRgbF(static_cast<float>(rgb[0]), static_cast<float>(rgb[1]),
                                     static_cast<float>(rgb[2])));
  }
  painter.fillRect(bar, ramp);
  const QColor ink = QColor::fromRgbF(static_cast<float>(kInk.r), static_cast<float>(kInk.g),
                                      static_cast<float>(kInk.b));
  painter.setPen(ink);
  painter.setFont(label_font);
  for (int index = 0; index < kLabels; ++index) {
    const int y = bar.bottom() - (bar.height() - 1) * index / (kLabels - 1);
    painter.drawText(QPoint(bar.right() + gap, y + metrics.capHeight() / 2), label(index));
  }
  // Above the top label, which reaches half a cap height above the bar.
  painter.setFont(titleFont(label_font));
  painter.drawText(QPoint(bar.left(), bar.top() - metrics.capHeight() / 2 - gap),
                   QStringLiteral("Loss"));
}

void placeDefaultCamera(vtkRenderer* renderer) {
  vtkCamera* camera = renderer->GetActiveCamera();
  const std::array<double, 3> centre = {kBoxWidth / 2, kBoxDepth / 2, kBoxHeight / 2};
  // From the front left and above: small sizes and dense models nearest the reader.
  camera->SetFocalPoint(centre.data());
  camera->SetPosition(centre[0] - 1.8, centre[1] - 2.0, centre[2] + 1.5);
  camera->SetViewUp(0.0, 0.0, 1.0);
  renderer->ResetCamera(0.0, kBoxWidth, 0.0, kBoxDepth, 0.0, kBoxHeight);
  // ResetCamera fits the box only; the tick labels and titles lie outside it.
  camera->Zoom(0.82);
}

// Everything drawn lies in the box or within a tick's length of it (the run markers too: a run
// at the box's edge pokes out by its radius). Fitting the clipping range to these bounds spares
// VTK asking every actor for its bounds on every frame.
void clipToBox(vtkRenderer* renderer) {
  constexpr double kMargin = 0.05;
  renderer->ResetCameraClippingRange(-kMargin, kBoxWidth + kMargin, -kMargin, kBoxDepth + kMargin,
                                     -kMargin, kBoxHeight + kMargin);
}

// Without an X display VTK's window aborts the process instead of failing.
bool canRender() {
  return qEnvironmentVariableIsSet("DISPLAY");
}

// Reads what `window` rendered last into `image` (RGB32, top row first), reusing `pixels` and
// `image` when the size has not changed.
void readFrame(vtkRenderWindow* window, vtkUnsignedCharArray* pixels, QImage& image) {
  const int* size = window->GetSize();
  const int width = size[0];
  const int height = size[1];
  window->GetRGBACharPixelData(0, 0, width - 1, height - 1, /*front=*/0, pixels);
  if (image.width() != width || image.height() != height)
    image = QImage(width, height, QImage::Format_RGB32);
  const unsigned char* source = pixels->GetPointer(0);
  // VTK's rows run bottom to top, RGBA; RGB32 is what the backing store holds, so painting the
  // image is a plain copy.
  for (int row = 0; row < height; ++row) {
    const unsigned char* rgba = source + static_cast<std::ptrdiff_t>(row) * width * 4;
    auto* target = reinterpret_cast<QRgb*>(image.scanLine(height - 1 - row));
    for (int column = 0; column < width; ++column, rgba += 4)
      target[column] = qRgb(rgba[0], rgba[1], rgba[2]);
  }
}

}  // namespace

// The props that draw a scene in one renderer, and the text painted over it. They are kept from
// scene to scene: a new scene moves points and recolours in place, because building actors and
// mappers costs more than drawing them.
class SurfaceView::Props {
 public:
  explicit Props(vtkRenderer* renderer) {
    renderer->SetBackground(kBackground.r, kBackground.g, kBackground.b);
    // Opaque, so that what is read back is the scene and not the background's alpha.
    renderer->SetBackgroundAlpha(1.0);
    buildSurface();
    buildRuns();
    buildRidge();
    buildAxes();
    buildOverlay();
    for (vtkActor* actor :
         {surface_actor_.Get(), runs_actor_.Get(), ridge_actor_.Get(), grid_actor_.Get(),
          edges_actor_.Get(), overlay_actor_.Get(), overlay_ridge_actor_.Get()})
      renderer->AddActor(actor);
    hideAll();
  }

  void show(const SurfaceScene& scene) {
    const std::optional<WorldFrame> frame = frameOf(scene);
    title_ = QString::fromStdString(scene.title);
    message_ = QString::fromStdString(scene.message);
    overlay_label_ = QString::fromStdString(scene.overlay_label);
    has_runs_ = !scene.points.empty();
    has_ridge_ = scene.ridge.size() >= 2;
    if (!frame) {
      hideAll();
      return;
    }
    showSurface(scene, *frame);
    showRuns(scene, *frame);
    showRidge(scene, *frame);
    showOverlay(scene, *frame);
    showAxes(scene, *frame);
  }

  void setOverlayShown(bool shown) {
    overlay_shown_ = shown;
    updateOverlayVisibility();
  }

  // Lays the axes out for the renderer's camera, as vtkCubeAxesActor's outer-edges mode does: the
  // grid on the three faces farthest from the camera, the labelled edges on the near side and,
  // for the vertical axis, on the left. Call before each render. The lines are VTK's; their
  // labels are painted by paintText, because VTK rebuilds the meshes, mappers and shaders of all
  // its axis text whenever one label changes (a budget step that moves a tick took twice as long as
  // the others) and draws each label as a mesh of its own.
  void placeAxes(vtkRenderer* renderer) {
    for (vtkPoints* points : {grid_points_.Get(), edge_points_.Get()})
      points->Reset();
    for (vtkCellArray* cells : {grid_cells_.Get(), edge_cells_.Get()})
      cells->Reset();
    for (AxisText& text : axis_text_)
      text = {};
    if (axes_shown_) {
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

  // Paints the tick labels, axis titles and colour bar for what `renderer` drew last into an
  // image shown at `area`, `area.width()` wide for the renderer's window width.
  void paintText(QPainter& painter, vtkRenderer* renderer, const QRect& area) const {
    painter.setRenderHint(QPainter::TextAntialiasing);
    const QFont label_font = labelFont(area);
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
    painter.setPen(QColor::fromRgbF(static_cast<float>(kInk.r), static_cast<float>(kInk.g),
                                    static_cast<float>(kInk.b)));
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
        farthest_label = std::max(farthest_label, drawBeyond(painter, root, end, gap, size,
                                                             axis.labels[tick], placement));
      }
      painter.setFont(title_font);
      const QPointF root = toArea(axis.title_root);
      const QPointF end = toArea(axis.title_end);
      drawBeyond(painter, root, end, farthest_label + 2 * gap,
                 title_metrics.boundingRect(axis.title).size(), axis.title, placement);
    }
    paintOverlaySeeThrough(painter, renderer, area, label_font);
    if (colour_range_)
      paintColourBar(painter, area, *colour_range_, label_font);
    paintKey(painter, area, label_font);
    paintMessage(painter, area, label_font);
  }

  // Why there is no surface, in the middle of the view, wrapped to half its width.
  void paintMessage(QPainter& painter, const QRect& area, const QFont& label_font) const {
    if (message_.isEmpty())
      return;
    QFont font = label_font;
    font.setPixelSize(label_font.pixelSize() * 9 / 8);
    painter.setFont(font);
    painter.setPen(QColor::fromRgbF(static_cast<float>(kInk.r), static_cast<float>(kInk.g),
                                    static_cast<float>(kInk.b)));
    const int width = std::max(area.width() / 2, std::min(area.width(), 420));
    const QRect box(area.center().x() - width / 2, area.top() + area.height() / 4, width,
                    area.height() / 2);
    painter.drawText(box, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, message_);
  }

 private:
  void hideAll() {
    for (vtkActor* actor : {surface_actor_.Get(), runs_actor_.Get(), ridge_actor_.Get(),
                            grid_actor_.Get(), edges_actor_.Get()})
      actor->SetVisibility(false);
    has_overlay_ = false;
    updateOverlayVisibility();
    axes_shown_ = false;
    colour_range_.reset();
  }

  // What the view shows, top left: the title, then a key line per thing drawn besides the
  // surface, each with a sample of how it is drawn.
  void paintKey(QPainter& painter, const QRect& area, const QFont& label_font) const {
    if (title_.isEmpty())
      return;
    const QFontMetricsF metrics(label_font);
    const QFont title_font = titleFont(label_font);
    const double line = metrics.height() * 1.35;
    const double margin = label_font.pixelSize();
    const double sample = 2.2 * label_font.pixelSize();
    QPointF at(area.left() + margin, area.top() + margin + QFontMetricsF(title_font).ascent());
    const QColor ink = QColor::fromRgbF(static_cast<float>(kInk.r), static_cast<float>(kInk.g),
                                        static_cast<float>(kInk.b));
    painter.setPen(ink);
    painter.setFont(title_font);
    painter.drawText(at, title_);
    painter.setFont(label_font);
    auto colour = [](const Rgb& rgb, double alpha = 1.0) {
      return QColor::fromRgbF(static_cast<float>(rgb.r), static_cast<float>(rgb.g),
                              static_cast<float>(rgb.b), static_cast<float>(alpha));
    };
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
        painter.setPen(QPen(colour(kRidge), thick, Qt::SolidLine, Qt::RoundCap));
        painter.drawLine(QPointF(box.left(), box.center().y()),
                         QPointF(box.right(), box.center().y()));
      });
    }
    if (has_runs_) {
      entry(QStringLiteral("Runs at this budget"), [&](const QRectF& box) {
        painter.setPen(Qt::NoPen);
        painter.setBrush(colour(kMeasuredRuns));
        const double radius = box.height() * 0.45;
        painter.drawEllipse(box.center(), radius, radius);
      });
    }
    if (has_overlay_) {
      const QString state =
          overlay_shown_ ? QStringLiteral("wireframe and its ridge") : QStringLiteral("hidden");
      entry(QStringLiteral("%1: %2 (Ctrl+L)").arg(overlay_label_, state), [&](const QRectF& box) {
        const double alpha = overlay_shown_ ? 1.0 : kOverlayHiddenOpacity;
        painter.setPen(QPen(colour(kOverlay, alpha), 1.2));
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

  void buildOverlay() {
    overlay_->SetPoints(overlay_points_);
    overlay_->SetLines(overlay_lines_);
    overlay_mapper_->SetInputData(overlay_);
    overlay_ridge_->SetPoints(overlay_ridge_points_);
    overlay_ridge_->SetLines(overlay_ridge_line_);
    overlay_ridge_tube_->SetInputData(overlay_ridge_);
    overlay_ridge_tube_->SetRadius(0.005);
    overlay_ridge_tube_->SetNumberOfSides(10);
    overlay_ridge_mapper_->SetInputConnection(overlay_ridge_tube_->GetOutputPort());
    overlay_actor_->SetMapper(overlay_mapper_);
    overlay_ridge_actor_->SetMapper(overlay_ridge_mapper_);
    for (vtkActor* actor : {overlay_actor_.Get(), overlay_ridge_actor_.Get()}) {
      vtkProperty* property = actor->GetProperty();
      property->SetColor(kOverlay.r, kOverlay.g, kOverlay.b);
      property->SetLineWidth(1.5F);
    }
    overlay_actor_->GetProperty()->LightingOff();
    overlay_ridge_actor_->GetProperty()->SetAmbient(0.4);
  }

  // The overlay's nodes move in place; the lines through them are rebuilt only when the grid's
  // shape changes. A line runs along every few sizes and every few sparsities, through every node
  // on its way, so that it follows the surface between the lines across it.
  void showOverlay(const SurfaceScene& scene, const WorldFrame& frame) {
    has_overlay_ = hasOverlay(scene);
    if (has_overlay_) {
      const std::size_t columns = scene.x_values.size();
      const std::size_t rows = scene.y_values.size();
      overlay_points_->SetNumberOfPoints(static_cast<vtkIdType>(columns * rows));
      overlay_world_.resize(columns * rows);
      for (std::size_t row = 0; row < rows; ++row) {
        for (std::size_t column = 0; column < columns; ++column) {
          const std::size_t index = row * columns + column;
          overlay_world_[index] =
              frame.toWorld(scene.x_values[column], scene.y_values[row], scene.overlay_z[index]);
          overlay_points_->SetPoint(static_cast<vtkIdType>(index), overlay_world_[index].data());
        }
      }
      overlay_points_->Modified();
      if (columns != overlay_columns_ || rows != overlay_rows_)
        wireOverlay(columns, rows);

      const auto vertices = static_cast<vtkIdType>(scene.overlay_ridge.size());
      overlay_ridge_points_->SetNumberOfPoints(vertices);
      overlay_ridge_world_.clear();
      vtkIdType index = 0;
      for (const auto& vertex : scene.overlay_ridge) {
        overlay_ridge_world_.push_back(frame.toWorld(vertex[0], vertex[1], vertex[2]));
        overlay_ridge_points_->SetPoint(index++, overlay_ridge_world_.back().data());
      }
      overlay_ridge_points_->Modified();
      if (overlay_ridge_line_->GetNumberOfConnectivityIds() != vertices) {
        overlay_ridge_line_->Reset();
        if (vertices >= 2) {
          overlay_ridge_line_->InsertNextCell(static_cast<int>(vertices));
          for (vtkIdType vertex = 0; vertex < vertices; ++vertex)
            overlay_ridge_line_->InsertCellPoint(vertex);
        }
        overlay_ridge_line_->Modified();
      }
    }
    updateOverlayVisibility();
  }

  void wireOverlay(std::size_t columns, std::size_t rows) {
    overlay_columns_ = columns;
    overlay_rows_ = rows;
    overlay_lines_->Reset();
    overlay_polylines_.clear();
    auto every = [](std::size_t count) {
      std::vector<std::size_t> chosen;
      const std::size_t step = std::max<std::size_t>(1, (count - 1) / (kOverlayLines - 1));
      for (std::size_t i = 0; i + 1 < count; i += step)
        chosen.push_back(i);
      chosen.push_back(count - 1);
      return chosen;
    };
    auto add = [&](std::vector<std::size_t> line) {
      overlay_lines_->InsertNextCell(static_cast<int>(line.size()));
      for (const std::size_t point : line)
        overlay_lines_->InsertCellPoint(static_cast<vtkIdType>(point));
      overlay_polylines_.push_back(std::move(line));
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
    overlay_lines_->Modified();
  }

  void updateOverlayVisibility() {
    const bool visible = has_overlay_ && overlay_shown_;
    const bool ridge = visible && overlay_ridge_line_->GetNumberOfCells() > 0;
    overlay_actor_->SetVisibility(visible);
    overlay_ridge_actor_->SetVisibility(ridge);
  }

  // The overlay again, faintly, over the rendered frame, so that it shows through the surface
  // where the surface hides it (where it is drawn in the scene as well, the faint copy only
  // deepens it). Painted by Qt: in VTK a translucent copy would take a translucency pass, on a
  // software renderer a quarter of a frame's time. The points are projected with the camera's
  // matrix, computed once, as vtkViewport::WorldToDisplay would place them.
  void paintOverlaySeeThrough(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                              const QFont& label_font) const {
    if (!has_overlay_ || !overlay_shown_ || overlay_world_.empty())
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
    QColor colour = QColor::fromRgbF(static_cast<float>(kOverlay.r), static_cast<float>(kOverlay.g),
                                     static_cast<float>(kOverlay.b));
    colour.setAlphaF(static_cast<float>(kOverlayHiddenOpacity));
    const double pixels = label_font.pixelSize();
    painter.setPen(QPen(colour, std::max(1.0, pixels * kSeeThroughLineWidth)));
    QPolygonF polyline;
    for (const std::vector<std::size_t>& line : overlay_polylines_) {
      polyline.clear();
      for (const std::size_t point : line)
        polyline.append(toArea(overlay_world_[point]));
      painter.drawPolyline(polyline);
    }
    if (overlay_ridge_world_.size() >= 2) {
      painter.setPen(QPen(colour, std::max(2.0, pixels * kSeeThroughRidgeWidth), Qt::SolidLine,
                          Qt::RoundCap, Qt::RoundJoin));
      polyline.clear();
      for (const auto& vertex : overlay_ridge_world_)
        polyline.append(toArea(vertex));
      painter.drawPolyline(polyline);
    }
    painter.restore();
  }

  void buildSurface() {
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

  void showSurface(const SurfaceScene& scene, const WorldFrame& frame) {
    const bool visible = hasSurface(scene);
    surface_actor_->SetVisibility(visible);
    colour_range_.reset();
    if (!visible)
      return;
    const std::size_t columns = scene.x_values.size();
    const std::size_t rows = scene.y_values.size();
    if (columns != surface_columns_ || rows != surface_rows_)
      triangulate(columns, rows);
    DataRange loss;
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
    colours_->SetTableRange(loss.min, loss.max);
    colour_range_ = loss;
  }

  // Normals of the grid by central differences keep the lighting from showing the triangulation,
  // at a tenth of what vtkPolyDataNormals costs, which also checks every triangle's orientation.
  void setSmoothNormals(std::size_t columns, std::size_t rows) {
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
        surface_normals_->SetTypedTuple(static_cast<vtkIdType>(row * columns + column),
                                        unit.data());
      }
    }
  }

  void triangulate(std::size_t columns, std::size_t rows) {
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

  void buildRuns() {
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

  void showRuns(const SurfaceScene& scene, const WorldFrame& frame) {
    runs_actor_->SetVisibility(!scene.points.empty());
    run_centres_->SetNumberOfPoints(static_cast<vtkIdType>(scene.points.size()));
    vtkIdType index = 0;
    for (const auto& point : scene.points)
      run_centres_->SetPoint(index++, frame.toWorld(point.x, point.y, point.z).data());
    run_centres_->Modified();
  }

  void buildRidge() {
    ridge_->SetPoints(ridge_points_);
    ridge_->SetLines(ridge_line_);
    ridge_tube_->SetInputData(ridge_);
    ridge_tube_->SetRadius(0.008);
    ridge_tube_->SetNumberOfSides(12);
    ridge_tube_->CappingOn();
    ridge_mapper_->SetInputConnection(ridge_tube_->GetOutputPort());
    ridge_actor_->SetMapper(ridge_mapper_);
    ridge_actor_->GetProperty()->SetColor(kRidge.r, kRidge.g, kRidge.b);
    ridge_actor_->GetProperty()->SetAmbient(0.4);
  }

  void showRidge(const SurfaceScene& scene, const WorldFrame& frame) {
    const bool visible = scene.ridge.size() >= 2;
    ridge_actor_->SetVisibility(visible);
    if (!visible)
      return;
    const auto vertices = static_cast<vtkIdType>(scene.ridge.size());
    ridge_points_->SetNumberOfPoints(vertices);
    vtkIdType index = 0;
    for (const auto& vertex : scene.ridge)
      ridge_points_->SetPoint(index++, frame.toWorld(vertex[0], vertex[1], vertex[2]).data());
    ridge_points_->Modified();
    if (ridge_line_->GetNumberOfConnectivityIds() != vertices) {
      ridge_line_->Reset();
      ridge_line_->InsertNextCell(static_cast<int>(vertices));
      for (vtkIdType vertex = 0; vertex < vertices; ++vertex)
        ridge_line_->InsertCellPoint(vertex);
      ridge_line_->Modified();
    }
  }

  void buildAxes() {
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

  void showAxes(const SurfaceScene& scene, const WorldFrame& frame) {
    grid_actor_->SetVisibility(true);
    edges_actor_->SetVisibility(true);
    axes_shown_ = true;
    titles_ = {QString::fromStdString(scene.x_label), QString::fromStdString(scene.y_label),
               QString::fromStdString(scene.z_label)};
    const std::array<const char*, 3> formats = {"1e%1", "%1", "%1"};
    const std::array<const std::vector<double>*, 3> ticks = {&frame.x_ticks, &frame.y_ticks,
                                                             &frame.z_ticks};
    for (std::size_t axis = 0; axis < 3; ++axis) {
      tick_labels_[axis].clear();
      tick_positions_[axis].clear();
      const DataRange& range = axis == 0 ? frame.x : axis == 1 ? frame.y : frame.z;
      for (const double tick : *ticks[axis]) {
        tick_labels_[axis].append(QString(formats[axis]).arg(tick));
        tick_positions_[axis].push_back((tick - range.min) / range.span() * kBoxSize[axis]);
      }
    }
  }

  // What one axis shows, in world coordinates: its ticks run from the edge (root) outwards (end).
  struct AxisText {
    std::vector<std::array<double, 3>> tick_roots, tick_ends;
    QStringList labels;
    std::array<double, 3> title_root{}, title_end{};
    QString title;
  };

  static constexpr std::array<double, 3> kBoxSize = {kBoxWidth, kBoxDepth, kBoxHeight};
  static constexpr double kTickLength = 0.025;

  // Text painted so far, and the height it moves away from when it would overlap some.
  struct Placement {
    std::vector<QRectF> painted;
    double away_from_y = 0;
  };

  static double displayX(vtkRenderer* renderer, const std::array<double, 3>& world) {
    renderer->SetWorldPoint(world[0], world[1], world[2], 1.0);
    renderer->WorldToDisplay();
    return renderer->GetDisplayPoint()[0];
  }

  // Draws `text` of `size` centred beyond `end`, seen from `root`, `distance` past it, moved up or
  // down off any text painted before, and adds it to `placement`. Returns how far past `end` the
  // text reaches.
  static double drawBeyond(QPainter& painter, QPointF root, QPointF end, double distance,
                           QSizeF size, const QString& text, Placement& placement) {
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

  static void addLine(vtkPoints* points, vtkCellArray* cells, const std::array<double, 3>& from,
                      const std::array<double, 3>& to) {
    const vtkIdType ends[2] = {points->InsertNextPoint(from.data()),
                               points->InsertNextPoint(to.data())};
    cells->InsertNextCell(2, ends);
  }

  // Grid lines on the face across axis `face` at `side`: one per tick of each other axis.
  void addGrid(std::size_t face, double side) {
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

  // The edge along `axis` through `start`, its ticks pointing out of the box along `outwards`.
  void addEdge(std::size_t axis, std::array<double, 3> start, std::size_t outwards,
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

  vtkNew<vtkPoints> surface_points_;
  vtkNew<vtkDoubleArray> surface_loss_;
  vtkNew<vtkCellArray> surface_triangles_;
  vtkNew<vtkPolyData> surface_;
  vtkNew<vtkFloatArray> surface_normals_;
  vtkNew<vtkLookupTable> colours_;
  vtkNew<vtkPolyDataMapper> surface_mapper_;
  vtkNew<vtkActor> surface_actor_;
  std::size_t surface_columns_ = 0, surface_rows_ = 0;
  std::vector<std::array<double, 3>> world_;  // the surface's points, for its normals
  std::optional<DataRange> colour_range_;

  vtkNew<vtkPoints> run_centres_;
  vtkNew<vtkPolyData> runs_;
  vtkNew<vtkSphereSource> run_marker_;
  vtkNew<vtkGlyph3DMapper> runs_mapper_;
  vtkNew<vtkActor> runs_actor_;

  vtkNew<vtkPoints> ridge_points_;
  vtkNew<vtkCellArray> ridge_line_;
  vtkNew<vtkPolyData> ridge_;
  vtkNew<vtkTubeFilter> ridge_tube_;
  vtkNew<vtkPolyDataMapper> ridge_mapper_;
  vtkNew<vtkActor> ridge_actor_;

  // The overlay: a wireframe and its ridge (a tube), drawn in the scene, and again, faintly, by
  // paintOverlaySeeThrough over the frame, from the same points in the box.
  vtkNew<vtkPoints> overlay_points_;
  vtkNew<vtkCellArray> overlay_lines_;
  vtkNew<vtkPolyData> overlay_;
  vtkNew<vtkPolyDataMapper> overlay_mapper_;
  vtkNew<vtkActor> overlay_actor_;
  vtkNew<vtkPoints> overlay_ridge_points_;
  vtkNew<vtkCellArray> overlay_ridge_line_;
  vtkNew<vtkPolyData> overlay_ridge_;
  vtkNew<vtkTubeFilter> overlay_ridge_tube_;
  vtkNew<vtkPolyDataMapper> overlay_ridge_mapper_;
  vtkNew<vtkActor> overlay_ridge_actor_;
  std::vector<std::array<double, 3>> overlay_world_, overlay_ridge_world_;
  std::vector<std::vector<std::size_t>> overlay_polylines_;  // into overlay_world_
  std::size_t overlay_columns_ = 0, overlay_rows_ = 0;
  bool has_overlay_ = false;
  bool overlay_shown_ = true;
  // For the key.
  QString title_, message_, overlay_label_;
  bool has_runs_ = false, has_ridge_ = false;

  vtkNew<vtkPoints> grid_points_, edge_points_;
  vtkNew<vtkCellArray> grid_cells_, edge_cells_;
  vtkNew<vtkPolyData> grid_, edges_;
  vtkNew<vtkPolyDataMapper> grid_mapper_, edges_mapper_;
  vtkNew<vtkActor> grid_actor_, edges_actor_;
  // Whether there are axes to show, their tick labels and positions in the box, and their titles.
  bool axes_shown_ = false;
  std::array<QStringList, 3> tick_labels_;
  std::array<std::vector<double>, 3> tick_positions_;
  std::array<QString, 3> titles_;
  std::array<AxisText, 3> axis_text_;
};

SurfaceView::SurfaceView(QWidget* parent)
    : QWidget(parent), props_(std::make_unique<Props>(renderer_)) {
  render_window_->SetOffScreenRendering(true);
  // Multisampling on a software renderer multiplies the cost of every pixel; exports keep it.
  render_window_->SetMultiSamples(0);
  // Frames are read back from VTK's render buffer; showing them in VTK's own hidden X window as
  // well would cost a full-window copy more.
  render_window_->SwapBuffersOff();
  render_window_->AddRenderer(renderer_);

  interactor_->SetRenderWindow(render_window_);
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor_->SetInteractorStyle(style);
  // Frames are rendered in paintEvent only; VTK's render requests (camera moves) become repaints.
  interactor_->EnableRenderOff();
  repaint_command_->SetCallback(&SurfaceView::requestRepaint);
  repaint_command_->SetClientData(this);
  interactor_->AddObserver(vtkCommand::RenderEvent, repaint_command_);
  interactor_->Initialize();

  // Every pixel comes from the frame: Qt need not clear the background first.
  setAttribute(Qt::WA_OpaquePaintEvent);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(320, 240);
}

SurfaceView::~SurfaceView() {
  // The props' graphics resources belong to the window's context.
  render_window_->Finalize();
}

void SurfaceView::setScene(const SurfaceScene* scene) {
  const bool first_scene = scene_ == nullptr;
  scene_ = scene;
  if (scene_ != nullptr)
    props_->show(*scene_);
  else
    props_->show(SurfaceScene{});
  // Later scenes keep the reader's viewpoint; only the first one needs a sensible start.
  if (first_scene)
    placeDefaultCamera(renderer_);
  requestFrame();
}

void SurfaceView::setDragging(bool dragging) {
  const bool drew_drafts = drawsDrafts();
  dragging_ = dragging;
  if (drew_drafts && !drawsDrafts())
    requestFrame();
}

void SurfaceView::setCameraDragged(bool dragged) {
  const bool drew_drafts = drawsDrafts();
  camera_dragged_ = dragged;
  if (drew_drafts && !drawsDrafts())
    requestFrame();
}

void SurfaceView::setOverlayShown(bool shown) {
  if (shown == overlay_shown_)
    return;
  overlay_shown_ = shown;
  props_->setOverlayShown(shown);
  requestFrame();
}

void SurfaceView::resetCamera() {
  placeDefaultCamera(renderer_);
  requestFrame();
}

void SurfaceView::requestFrame() {
  frame_outdated_ = true;
  update();
}

QImage SurfaceView::renderImage(int width, int height) {
  if (scene_ == nullptr || width <= 0 || height <= 0 || !canRender())
    return {};
  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(true);
  window->SetSize(width, height);
  window->SetMultiSamples(kExportMultiSamples);
  window->SwapBuffersOff();
  vtkNew<vtkRenderer> renderer;
  window->AddRenderer(renderer);
  QImage image;
  {
    // VTK props hold graphics resources of one window and are not shared with the widget's.
    Props props(renderer);
    props.setOverlayShown(overlay_shown_);
    props.show(*scene_);
    renderer->GetActiveCamera()->DeepCopy(renderer_->GetActiveCamera());
    props.placeAxes(renderer);
    clipToBox(renderer);
    window->Render();
    vtkNew<vtkUnsignedCharArray> pixels;
    readFrame(window, pixels, image);
    QPainter painter(&image);
    props.paintText(painter, renderer, image.rect());
    painter.end();
    window->Finalize();
  }
  return image;
}

double SurfaceView::windowPixelsPerPoint() const {
  return static_cast<double>(render_window_->GetSize()[0]) / std::max(1, width());
}

void SurfaceView::matchRenderWindowToWidget() {
  constexpr double kDraftScale = 0.5;
  const double ratio = devicePixelRatioF() * (drawsDrafts() ? kDraftScale : 1.0);
  const int device_width = std::max(1, static_cast<int>(std::lround(width() * ratio)));
  const int device_height = std::max(1, static_cast<int>(std::lround(height() * ratio)));
  const int* size = render_window_->GetSize();
  if (size[0] == device_width && size[1] == device_height)
    return;
  render_window_->SetSize(device_width, device_height);
  interactor_->SetSize(device_width, device_height);
  frame_outdated_ = true;
}

void SurfaceView::renderFrame() {
  matchRenderWindowToWidget();
  if (!frame_outdated_)
    return;
  props_->placeAxes(renderer_);
  clipToBox(renderer_);
  render_window_->Render();
  readFrame(render_window_, pixels_, frame_);
  frame_outdated_ = false;
}

void SurfaceView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (!canRender()) {
    painter.fillRect(rect(), Qt::white);
    return;
  }
  renderFrame();
  // At the widget's size whatever the resolution the frame was rendered at; a draft's pixels are
  // doubled rather than smoothed, which would cost as much again as drawing it.
  painter.drawImage(QRectF(rect()), frame_);
  props_->paintText(painter, renderer_, rect());
}

void SurfaceView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  matchRenderWindowToWidget();
}

std::optional<QPoint> SurfaceView::widgetPositionOfRun(std::size_t run_index) {
  if (scene_ == nullptr)
    return std::nullopt;
  const auto frame = frameOf(*scene_);
  const auto run = std::find_if(scene_->points.begin(), scene_->points.end(),
                                [&](const auto& point) { return point.run_index == run_index; });
  if (!frame || run == scene_->points.end())
    return std::nullopt;
  const auto world = frame->toWorld(run->x, run->y, run->z);
  renderer_->SetWorldPoint(world[0], world[1], world[2], 1.0);
  renderer_->WorldToDisplay();
  std::array<double, 3> display{};
  renderer_->GetDisplayPoint(display.data());
  // Outside [0, 1] in depth means behind the camera or clipped away.
  if (display[2] < 0.0 || display[2] > 1.0)
    return std::nullopt;
  // Where the frame on screen drew it, at whatever resolution that frame was rendered.
  const double ratio = windowPixelsPerPoint();
  const int window_height = render_window_->GetSize()[1];
  return QPoint(static_cast<int>(std::lround(display[0] / ratio)),
                static_cast<int>(std::lround((window_height - display[1]) / ratio)));
}

std::optional<std::size_t> SurfaceView::nearestRunAt(QPoint widget_position) {
  if (scene_ == nullptr)
    return std::nullopt;
  std::optional<std::size_t> nearest;
  int nearest_distance = kPickRadiusPixels + 1;
  for (const auto& point : scene_->points) {
    const auto drawn_at = widgetPositionOfRun(point.run_index);
    if (!drawn_at)
      continue;
    const int distance = (*drawn_at - widget_position).manhattanLength();
    if (distance < nearest_distance) {
      nearest_distance = distance;
      nearest = point.run_index;
    }
  }
  return nearest;
}

void SurfaceView::forwardMouseEvent(QMouseEvent* event, unsigned long vtk_event) {
  const double ratio = windowPixelsPerPoint();
  const QPointF position = event->position() * ratio;
  const Qt::KeyboardModifiers modifiers = event->modifiers();
  interactor_->SetEventInformationFlipY(
      static_cast<int>(position.x()), static_cast<int>(position.y()),
      (modifiers & Qt::ControlModifier) ? 1 : 0, (modifiers & Qt::ShiftModifier) ? 1 : 0);
  interactor_->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
  interactor_->InvokeEvent(vtk_event, nullptr);
}

void SurfaceView::mousePressEvent(QMouseEvent* event) {
  press_position_ = event->position().toPoint();
  setCameraDragged(true);
  switch (event->button()) {
    case Qt::LeftButton:
      forwardMouseEvent(event, vtkCommand::LeftButtonPressEvent);
      break;
    case Qt::MiddleButton:
      forwardMouseEvent(event, vtkCommand::MiddleButtonPressEvent);
      break;
    case Qt::RightButton:
      forwardMouseEvent(event, vtkCommand::RightButtonPressEvent);
      break;
    default:
      break;
  }
}

void SurfaceView::mouseReleaseEvent(QMouseEvent* event) {
  switch (event->button()) {
    case Qt::LeftButton: {
      forwardMouseEvent(event, vtkCommand::LeftButtonReleaseEvent);
      // A press and release in place is a click on a run, not the end of a rotation.
      const QPoint release_position = event->position().toPoint();
      if ((release_position - press_position_).manhattanLength() <= kClickSlackPixels) {
        if (const auto run = nearestRunAt(release_position))
          emit pointPicked(*run);
      }
      break;
    }
    case Qt::MiddleButton:
      forwardMouseEvent(event, vtkCommand::MiddleButtonReleaseEvent);
      break;
    case Qt::RightButton:
      forwardMouseEvent(event, vtkCommand::RightButtonReleaseEvent);
      break;
    default:
      break;
  }
  if (event->buttons() == Qt::NoButton)
    setCameraDragged(false);
}

void SurfaceView::mouseMoveEvent(QMouseEvent* event) {
  forwardMouseEvent(event, vtkCommand::MouseMoveEvent);
}

void SurfaceView::wheelEvent(QWheelEvent* event) {
  const double ratio = windowPixelsPerPoint();
  const QPointF position = event->position() * ratio;
  interactor_->SetEventInformationFlipY(static_cast<int>(position.x()),
                                        static_cast<int>(position.y()));
  interactor_->InvokeEvent(event->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent
                                                       : vtkCommand::MouseWheelBackwardEvent,
                           nullptr);
  event->accept();
}

void SurfaceView::keyPressEvent(QKeyEvent* event) {
  // VTK's own key bindings (wireframe, stereo, exit) are not forwarded: they would surprise.
  if (event->key() == Qt::Key_R) {
    resetCamera();
    event->accept();
    return;
  }
  QWidget::keyPressEvent(event);
}

void SurfaceView::requestRepaint(vtkObject*, unsigned long, void* client_data, void*) {
  static_cast<SurfaceView*>(client_data)->requestFrame();
}

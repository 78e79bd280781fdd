#include "surface_view.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkColorTransferFunction.h>
#include <vtkCubeAxesActor.h>
#include <vtkDoubleArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkImageData.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkScalarBarActor.h>
#include <vtkSphereSource.h>
#include <vtkStringArray.h>
#include <vtkTextProperty.h>
#include <vtkTubeFilter.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QSurfaceFormat>
#include <QWheelEvent>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace {

// The data are drawn inside a fixed box so that decades, sparsity and loss, whose ranges differ by
// orders of magnitude, get comparable room; the axes label the box with the data values.
constexpr double kBoxWidth = 1.0;
constexpr double kBoxDepth = 1.0;
constexpr double kBoxHeight = 0.7;
constexpr int kPickRadiusPixels = 10;
constexpr int kClickSlackPixels = 4;

struct Rgb {
  double r, g, b;
};
constexpr Rgb kBackground = {1.0, 1.0, 1.0};
constexpr Rgb kInk = {0.12, 0.12, 0.12};
constexpr Rgb kGridLines = {0.82, 0.82, 0.82};
constexpr Rgb kMeasuredRuns = {0.86, 0.16, 0.12};
constexpr Rgb kRidge = {1.0, 1.0, 1.0};

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

// vtkCubeAxesActor spreads custom labels evenly over the axis range, which niceTicks guarantees
// matches the tick values; its own tick choice cannot be steered and crowds short axes.
vtkSmartPointer<vtkStringArray> tickLabels(const std::vector<double>& ticks, const char* format) {
  auto labels = vtkSmartPointer<vtkStringArray>::New();
  for (double tick : ticks) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), format, tick);
    labels->InsertNextValue(text.data());
  }
  return labels;
}

// Viridis sampled every tenth: perceptually uniform and readable in grey, unlike VTK's rainbow.
vtkSmartPointer<vtkLookupTable> makeViridis(double loss_min, double loss_max) {
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
  vtkNew<vtkColorTransferFunction> ramp;
  for (std::size_t i = 0; i < kViridis.size(); ++i) {
    const auto& rgb = kViridis[i];
    ramp->AddRGBPoint(static_cast<double>(i) / (kViridis.size() - 1), rgb[0], rgb[1], rgb[2]);
  }
  constexpr int kEntries = 256;
  auto table = vtkSmartPointer<vtkLookupTable>::New();
  table->SetNumberOfTableValues(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    std::array<double, 3> rgb{};
    ramp->GetColor(static_cast<double>(i) / (kEntries - 1), rgb.data());
    table->SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0);
  }
  table->SetTableRange(loss_min, loss_max);
  return table;
}

vtkSmartPointer<vtkActor> makeSurfaceActor(const SurfaceScene& scene, const WorldFrame& frame,
                                           vtkLookupTable* colours) {
  const std::size_t columns = scene.x_values.size();
  const std::size_t rows = scene.y_values.size();
  vtkNew<vtkPoints> points;
  vtkNew<vtkDoubleArray> loss;
  loss->SetName("Loss");
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const double value = scene.z[row * columns + column];
      points->InsertNextPoint(
          frame.toWorld(scene.x_values[column], scene.y_values[row], value).data());
      loss->InsertNextValue(value);
    }
  }
  vtkNew<vtkCellArray> triangles;
  for (std::size_t row = 0; row + 1 < rows; ++row) {
    for (std::size_t column = 0; column + 1 < columns; ++column) {
      const auto corner = static_cast<vtkIdType>(row * columns + column);
      const auto above = corner + static_cast<vtkIdType>(columns);
      const vtkIdType lower[3] = {corner, corner + 1, above + 1};
      const vtkIdType upper[3] = {corner, above + 1, above};
      triangles->InsertNextCell(3, lower);
      triangles->InsertNextCell(3, upper);
    }
  }
  vtkNew<vtkPolyData> grid;
  grid->SetPoints(points);
  grid->SetPolys(triangles);
  grid->GetPointData()->SetScalars(loss);

  // Smooth normals keep the lighting from showing the triangulation.
  vtkNew<vtkPolyDataNormals> normals;
  normals->SetInputData(grid);
  normals->SplittingOff();

  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(normals->GetOutputPort());
  mapper->SetLookupTable(colours);
  mapper->UseLookupTableScalarRangeOn();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  // Enough ambient light that viridis' dark end stays purple rather than black in shadow.
  actor->GetProperty()->SetAmbient(0.4);
  actor->GetProperty()->SetDiffuse(0.7);
  actor->GetProperty()->SetSpecular(0.1);
  return actor;
}

vtkSmartPointer<vtkActor> makeMeasuredRunsActor(const SurfaceScene& scene,
                                                const WorldFrame& frame) {
  vtkNew<vtkPoints> centres;
  for (const auto& point : scene.points) {
    centres->InsertNextPoint(frame.toWorld(point.x, point.y, point.z).data());
  }
  vtkNew<vtkPolyData> runs;
  runs->SetPoints(centres);
  vtkNew<vtkSphereSource> sphere;
  sphere->SetRadius(0.016);
  sphere->SetThetaResolution(16);
  sphere->SetPhiResolution(12);
  vtkNew<vtkGlyph3DMapper> mapper;
  mapper->SetInputData(runs);
  mapper->SetSourceConnection(sphere->GetOutputPort());
  mapper->ScalingOff();
  mapper->ScalarVisibilityOff();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(kMeasuredRuns.r, kMeasuredRuns.g, kMeasuredRuns.b);
  actor->GetProperty()->SetSpecular(0.3);
  return actor;
}

vtkSmartPointer<vtkActor> makeRidgeActor(const SurfaceScene& scene, const WorldFrame& frame) {
  vtkNew<vtkPoints> vertices;
  vtkNew<vtkCellArray> line;
  line->InsertNextCell(static_cast<int>(scene.ridge.size()));
  for (const auto& vertex : scene.ridge) {
    line->InsertCellPoint(
        vertices->InsertNextPoint(frame.toWorld(vertex[0], vertex[1], vertex[2]).data()));
  }
  vtkNew<vtkPolyData> ridge;
  ridge->SetPoints(vertices);
  ridge->SetLines(line);
  vtkNew<vtkTubeFilter> tube;
  tube->SetInputData(ridge);
  tube->SetRadius(0.007);
  tube->SetNumberOfSides(12);
  tube->CappingOn();
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(tube->GetOutputPort());
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(kRidge.r, kRidge.g, kRidge.b);
  actor->GetProperty()->SetAmbient(0.4);
  return actor;
}

void styleText(vtkTextProperty* text, int font_size, bool bold) {
  text->SetColor(kInk.r, kInk.g, kInk.b);
  text->SetFontFamilyToArial();
  text->SetFontSize(font_size);
  text->SetBold(bold);
  text->SetItalic(false);
  text->SetShadow(false);
}

vtkSmartPointer<vtkCubeAxesActor> makeAxes(const SurfaceScene& scene, const WorldFrame& frame,
                                           vtkCamera* camera) {
  auto axes = vtkSmartPointer<vtkCubeAxesActor>::New();
  axes->SetBounds(0.0, kBoxWidth, 0.0, kBoxDepth, 0.0, kBoxHeight);
  axes->SetXAxisRange(frame.x.min, frame.x.max);
  axes->SetYAxisRange(frame.y.min, frame.y.max);
  axes->SetZAxisRange(frame.z.min, frame.z.max);
  axes->SetCamera(camera);
  axes->SetXTitle(scene.x_label.c_str());
  axes->SetYTitle(scene.y_label.c_str());
  axes->SetZTitle(scene.z_label.c_str());
  axes->SetAxisLabels(0, tickLabels(frame.x_ticks, "1e%g"));
  axes->SetAxisLabels(1, tickLabels(frame.y_ticks, "%g"));
  axes->SetAxisLabels(2, tickLabels(frame.z_ticks, "%g"));
  // VTK would otherwise factor out powers of ten into the titles.
  axes->SetLabelScaling(false, 0, 0, 0);
  axes->SetFlyModeToOuterEdges();
  // Text height as a share of the view, so that exports of any size read alike.
  axes->SetScreenSize(13.0);
  axes->SetTickLocationToOutside();
  axes->XAxisMinorTickVisibilityOff();
  axes->YAxisMinorTickVisibilityOff();
  axes->ZAxisMinorTickVisibilityOff();
  axes->DrawXGridlinesOn();
  axes->DrawYGridlinesOn();
  axes->DrawZGridlinesOn();
  axes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
  for (int axis = 0; axis < 3; ++axis) {
    styleText(axes->GetTitleTextProperty(axis), 18, true);
    styleText(axes->GetLabelTextProperty(axis), 16, false);
  }
  for (vtkProperty* lines : {axes->GetXAxesLinesProperty(), axes->GetYAxesLinesProperty(),
                             axes->GetZAxesLinesProperty()}) {
    lines->SetColor(kInk.r, kInk.g, kInk.b);
  }
  for (vtkProperty* lines : {axes->GetXAxesGridlinesProperty(), axes->GetYAxesGridlinesProperty(),
                             axes->GetZAxesGridlinesProperty()}) {
    lines->SetColor(kGridLines.r, kGridLines.g, kGridLines.b);
  }
  return axes;
}

vtkSmartPointer<vtkScalarBarActor> makeScalarBar(vtkLookupTable* colours) {
  auto bar = vtkSmartPointer<vtkScalarBarActor>::New();
  bar->SetLookupTable(colours);
  bar->SetTitle("Loss");
  bar->SetNumberOfLabels(5);
  bar->SetLabelFormat("%.2f");
  bar->SetPosition(0.9, 0.2);
  bar->SetWidth(0.06);
  bar->SetHeight(0.6);
  bar->SetBarRatio(0.35);
  styleText(bar->GetTitleTextProperty(), 18, true);
  styleText(bar->GetLabelTextProperty(), 15, false);
  return bar;
}

// Fills a renderer from the scene; called for the widget and again for every exported image,
// because VTK actors hold graphics resources of one window and should not be shared.
void populateRenderer(vtkRenderer* renderer, const SurfaceScene& scene) {
  renderer->SetBackground(kBackground.r, kBackground.g, kBackground.b);
  // Qt composites the widget's framebuffer with its alpha; VTK's default of 0 lets the window's
  // grey show through and blends the grid lines with it.
  renderer->SetBackgroundAlpha(1.0);
  const auto frame = frameOf(scene);
  if (!frame)
    return;
  if (hasSurface(scene)) {
    DataRange loss;
    for (double value : scene.z)
      loss.include(value);
    loss.widenIfFlat(0.5);
    auto colours = makeViridis(loss.min, loss.max);
    renderer->AddActor(makeSurfaceActor(scene, *frame, colours));
    renderer->AddViewProp(makeScalarBar(colours));
  }
  if (!scene.points.empty())
    renderer->AddActor(makeMeasuredRunsActor(scene, *frame));
  if (scene.ridge.size() >= 2)
    renderer->AddActor(makeRidgeActor(scene, *frame));
  renderer->AddViewProp(makeAxes(scene, *frame, renderer->GetActiveCamera()));
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

QImage toQImage(vtkImageData* image) {
  int dimensions[3] = {0, 0, 0};
  image->GetDimensions(dimensions);
  const int width = dimensions[0];
  const int height = dimensions[1];
  auto* pixels = static_cast<const unsigned char*>(image->GetScalarPointer());
  const int components = image->GetNumberOfScalarComponents();
  QImage result(width, height, QImage::Format_RGB888);
  // VTK's rows run bottom to top.
  for (int row = 0; row < height; ++row) {
    const unsigned char* source = pixels + static_cast<std::ptrdiff_t>(row) * width * components;
    uchar* target = result.scanLine(height - 1 - row);
    for (int column = 0; column < width; ++column) {
      std::copy_n(source + column * components, 3, target + column * 3);
    }
  }
  return result;
}

}  // namespace

SurfaceView::SurfaceView(QWidget* parent) : QOpenGLWidget(parent) {
  render_window_->SetOwnContext(false);
  render_window_->SetFrameBlitModeToBlitToCurrent();
  render_window_->AddRenderer(renderer_);
  renderer_->SetBackground(kBackground.r, kBackground.g, kBackground.b);
  renderer_->SetBackgroundAlpha(1.0);

  interactor_->SetRenderWindow(render_window_);
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor_->SetInteractorStyle(style);
  // VTK may only draw inside paintGL, where Qt's context and framebuffer are bound; its render
  // requests become Qt repaints.
  interactor_->EnableRenderOff();
  repaint_command_->SetCallback(&SurfaceView::requestRepaint);
  repaint_command_->SetClientData(this);
  interactor_->AddObserver(vtkCommand::RenderEvent, repaint_command_);

  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(320, 240);
}

SurfaceView::~SurfaceView() {
  makeCurrent();
  render_window_->ReleaseGraphicsResources(render_window_);
  doneCurrent();
}

void SurfaceView::installDefaultSurfaceFormat() {
  QSurfaceFormat format = QSurfaceFormat::defaultFormat();
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(8);
  format.setSamples(0);
  QSurfaceFormat::setDefaultFormat(format);
}

void SurfaceView::setScene(const SurfaceScene* scene) {
  const bool first_scene = scene_ == nullptr;
  scene_ = scene;
  renderer_->RemoveAllViewProps();
  if (scene_ != nullptr)
    populateRenderer(renderer_, *scene_);
  // Later scenes keep the reader's viewpoint; only the first one needs a sensible start.
  if (first_scene)
    placeDefaultCamera(renderer_);
  update();
}

void SurfaceView::resetCamera() {
  placeDefaultCamera(renderer_);
  update();
}

QImage SurfaceView::renderImage(int width, int height) {
  if (scene_ == nullptr || width <= 0 || height <= 0)
    return {};
  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(true);
  window->SetSize(width, height);
  window->SetMultiSamples(8);
  vtkNew<vtkRenderer> renderer;
  window->AddRenderer(renderer);
  populateRenderer(renderer, *scene_);
  renderer->GetActiveCamera()->DeepCopy(renderer_->GetActiveCamera());
  renderer->ResetCameraClippingRange();
  window->Render();

  vtkNew<vtkWindowToImageFilter> capture;
  capture->SetInput(window);
  capture->SetInputBufferTypeToRGB();
  capture->ReadFrontBufferOff();
  capture->Update();
  QImage image = toQImage(capture->GetOutput());
  window->Finalize();
  return image;
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
  const double ratio = devicePixelRatioF();
  const int device_height = render_window_->GetSize()[1];
  return QPoint(static_cast<int>(std::lround(display[0] / ratio)),
                static_cast<int>(std::lround((device_height - display[1]) / ratio)));
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

void SurfaceView::initializeGL() {
  // No OpenGL (Qt's offscreen platform): VTK would crash drawing into a context that is not there.
  if (context() == nullptr || !context()->isValid())
    return;
  render_window_->OpenGLInitContext();
  interactor_->Initialize();
}

void SurfaceView::resizeGL(int width, int height) {
  const double ratio = devicePixelRatioF();
  const int device_width = static_cast<int>(std::lround(width * ratio));
  const int device_height = static_cast<int>(std::lround(height * ratio));
  render_window_->SetSize(device_width, device_height);
  interactor_->SetSize(device_width, device_height);
}

void SurfaceView::paintGL() {
  if (context() == nullptr || !context()->isValid())
    return;
  render_window_->SetReadyForRendering(true);
  render_window_->SetIsCurrent(true);
  render_window_->Render();
  render_window_->SetReadyForRendering(false);
}

void SurfaceView::forwardMouseEvent(QMouseEvent* event, unsigned long vtk_event) {
  const double ratio = devicePixelRatioF();
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
}

void SurfaceView::mouseMoveEvent(QMouseEvent* event) {
  forwardMouseEvent(event, vtkCommand::MouseMoveEvent);
}

void SurfaceView::wheelEvent(QWheelEvent* event) {
  const double ratio = devicePixelRatioF();
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
  QOpenGLWidget::keyPressEvent(event);
}

void SurfaceView::requestRepaint(vtkObject*, unsigned long, void* client_data, void*) {
  static_cast<SurfaceView*>(client_data)->update();
}

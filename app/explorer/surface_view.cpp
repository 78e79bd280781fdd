#include "surface_view.h"

#include <vtkCamera.h>
#include <vtkInteractorStyleTrackballCamera.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <array>
#include <cmath>

#include "surface_box.h"
#include "surface_vtk_scene.h"

namespace moescope::explorer {
namespace {

// A click picks the run drawn nearest to it within this many pixels; a press and release this
// close together is a click, not a rotation.
constexpr int kPickRadiusPixels = 10;
constexpr int kClickSlackPixels = 4;
// A wheel step within this long of the last is one zoom: drafts until it ends.
constexpr int kWheelSettleMilliseconds = 200;
// Exports are rendered with this many samples per pixel.
constexpr int kExportMultiSamples = 8;

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

SurfaceView::SurfaceView(QWidget* parent)
    : QWidget(parent), vtk_scene_(std::make_unique<SurfaceVtkScene>(renderer_)) {
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
  wheel_settled_.setSingleShot(true);
  wheel_settled_.setInterval(kWheelSettleMilliseconds);
  connect(&wheel_settled_, &QTimer::timeout, this, [this] { setCameraDragged(false); });
}

SurfaceView::~SurfaceView() {
  // The props' graphics resources belong to the window's context.
  render_window_->Finalize();
}

void SurfaceView::setScene(const SurfaceScene* scene) {
  const bool first_scene = scene_ == nullptr;
  scene_ = scene;
  if (scene_ != nullptr)
    vtk_scene_->show(*scene_);
  else
    vtk_scene_->show(SurfaceScene{});
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
  vtk_scene_->setOverlayShown(shown);
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
    // VTK props hold graphics resources of one window and are not shared with the widget's: the
    // export draws with a scene of its own.
    SurfaceVtkScene export_scene(renderer);
    export_scene.setOverlayShown(overlay_shown_);
    export_scene.show(*scene_);
    renderer->GetActiveCamera()->DeepCopy(renderer_->GetActiveCamera());
    export_scene.placeAxes(renderer);
    clipToBox(renderer);
    window->Render();
    vtkNew<vtkUnsignedCharArray> pixels;
    readFrame(window, pixels, image);
    QPainter painter(&image);
    export_scene.paintText(painter, renderer, image.rect());
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
  vtk_scene_->placeAxes(renderer_);
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
  vtk_scene_->paintText(painter, renderer_, rect());
}

void SurfaceView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  matchRenderWindowToWidget();
}

std::optional<QPoint> SurfaceView::widgetPositionOfRun(std::size_t run_index) {
  if (scene_ == nullptr)
    return std::nullopt;
  const auto run = std::find_if(scene_->points.begin(), scene_->points.end(),
                                [&](const auto& point) { return point.run_index == run_index; });
  if (run == scene_->points.end())
    return std::nullopt;
  return widgetPositionOf(run->x, run->y, run->z);
}

std::optional<QPoint> SurfaceView::widgetPositionOfProposal(std::size_t index) {
  if (scene_ == nullptr || index >= scene_->proposed.size() || index >= vtk_scene_->proposalCount())
    return std::nullopt;
  const SurfaceScene::ProposedPoint& proposal = scene_->proposed[index];
  return widgetPositionOf(proposal.x, proposal.y, proposal.z);
}

std::optional<QPoint> SurfaceView::widgetPositionOf(double x, double y, double z) {
  const auto frame = frameOf(*scene_);
  if (!frame)
    return std::nullopt;
  const auto world = frame->toWorld(x, y, z);
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
  setCameraDragged(true);
  wheel_settled_.start();
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

}  // namespace moescope::explorer

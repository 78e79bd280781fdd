#pragma once

#include <vtkCallbackCommand.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkNew.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <QImage>
#include <QPoint>
#include <QTimer>
#include <QWidget>
#include <cstddef>
#include <memory>
#include <optional>

#include "surface_scene.h"

namespace moescope::explorer {

class SurfaceVtkScene;

// The 3-D IsoFLOP surface: loss over (log10 size, sparsity) with the measured runs and the
// compute-optimal ridge, what it is said over it (the scene's title) with a key, and optionally a
// second surface over the same nodes as a wireframe (the law's, to compare with a fitted Eq. 8
// surface).
//
// VTK draws into its own offscreen window and the widget paints the image it reads back. Hosting
// VTK in a QOpenGLWidget instead (Debian's VTK Qt module is built against Qt 5, so
// QVTKOpenGLNativeWidget is out) switches the whole top-level window to OpenGL composition for
// good: on a software renderer every repaint of any widget, a chart tab included, then costs a
// full-window texture upload and draw, about as much as the chart itself. Reading back one image
// per rendered frame is cheaper, and frames are rendered only when the scene, the camera or the
// size changes. VTK's window needs an X display (Xvfb will do). What is drawn, and the text over
// it, is SurfaceVtkScene's; the widget hosts it, renders frames and turns mouse events into camera
// moves and picks.
class SurfaceView : public QWidget {
  Q_OBJECT

 public:
  explicit SurfaceView(QWidget* parent = nullptr);
  ~SurfaceView() override;

  // The scene stays owned by the caller and must outlive the view or be replaced first. A scene
  // of the same shape as the last one updates the drawn geometry in place.
  void setScene(const SurfaceScene* scene);

  // Renders the current scene from the current viewpoint at any size, independent of the widget's
  // size, for export. Returns a null image when there is nothing to render or no display.
  QImage renderImage(int width, int height);

  // Where a measured run is drawn, in widget coordinates, if it is in front of the camera.
  std::optional<QPoint> widgetPositionOfRun(std::size_t run_index);
  // Where the scene's proposed run `index` (into SurfaceScene::proposed) is drawn, ringed, if the
  // view draws it and it is in front of the camera.
  std::optional<QPoint> widgetPositionOfProposal(std::size_t index);

  // While the reader drags something that changes the scene on every step (a slider), frames are
  // rendered at half the resolution, a quarter of the pixels, and scaled up; the text stays sharp
  // and the frame after the drag is full resolution again. The view does the same for its own
  // camera drags. Call with true when the drag starts and false when it ends.
  void setDragging(bool dragging);

  // Whether the scene's overlay (the law's surface at a fitted budget) is drawn: a wireframe, solid
  // where it lies above the surface and faint where the surface hides it, with its own ridge.
  // Shown by default; exports follow it.
  void setOverlayShown(bool shown);
  bool overlayShown() const { return overlay_shown_; }

 public slots:
  void resetCamera();

 signals:
  void pointPicked(std::size_t run_index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void renderFrame();
  void requestFrame();
  bool drawsDrafts() const { return dragging_ || camera_dragged_; }
  void setCameraDragged(bool dragged);
  // Pixels of VTK's window per widget point: the device pixel ratio, halved for drafts.
  double windowPixelsPerPoint() const;
  void matchRenderWindowToWidget();
  std::optional<std::size_t> nearestRunAt(QPoint widget_position);
  // Where a point of the scene's data is drawn, as above.
  std::optional<QPoint> widgetPositionOf(double x, double y, double z);
  void forwardMouseEvent(QMouseEvent* event, unsigned long vtk_event);
  static void requestRepaint(vtkObject* caller, unsigned long event_id, void* client_data,
                             void* call_data);

  const SurfaceScene* scene_ = nullptr;
  vtkNew<vtkRenderWindow> render_window_;
  vtkNew<vtkGenericRenderWindowInteractor> interactor_;
  vtkNew<vtkRenderer> renderer_;
  vtkNew<vtkCallbackCommand> repaint_command_;
  std::unique_ptr<SurfaceVtkScene> vtk_scene_;
  // The last rendered frame, as read back, and the image painted from it.
  vtkNew<vtkUnsignedCharArray> pixels_;
  QImage frame_;
  bool frame_outdated_ = true;
  bool dragging_ = false;
  bool camera_dragged_ = false;
  // Wheel zooming draws drafts as a drag does; the full frame follows a pause in the wheel.
  QTimer wheel_settled_;
  bool overlay_shown_ = true;
  QPoint press_position_;
};

}  // namespace moescope::explorer

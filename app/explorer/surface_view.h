#pragma once

#include <vtkCallbackCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkNew.h>
#include <vtkRenderer.h>

#include <QImage>
#include <QOpenGLWidget>
#include <QPoint>
#include <cstddef>
#include <optional>

#include "surface_scene.h"

// The 3-D IsoFLOP surface: loss over (log10 size, sparsity) with the measured runs and the
// compute-optimal ridge. VTK is hosted in a Qt 6 QOpenGLWidget through
// vtkGenericOpenGLRenderWindow because Debian's VTK Qt module is built against Qt 5.
class SurfaceView : public QOpenGLWidget {
  Q_OBJECT

 public:
  explicit SurfaceView(QWidget* parent = nullptr);
  ~SurfaceView() override;

  // VTK needs a 3.2 core-profile context; Qt only honours the default format if it is installed
  // before the QApplication exists.
  static void installDefaultSurfaceFormat();

  // The scene stays owned by the caller and must outlive the view or be replaced first.
  void setScene(const SurfaceScene* scene);

  // Renders the current scene from the current viewpoint at any size, independent of the widget's
  // size, for export. Returns a null image when there is nothing to render.
  QImage renderImage(int width, int height);

  // Where a measured run is drawn, in widget coordinates, if it is in front of the camera.
  std::optional<QPoint> widgetPositionOfRun(std::size_t run_index);

 public slots:
  void resetCamera();

 signals:
  void pointPicked(std::size_t run_index);

 protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void rebuildActors();
  std::optional<std::size_t> nearestRunAt(QPoint widget_position);
  void forwardMouseEvent(QMouseEvent* event, unsigned long vtk_event);
  static void requestRepaint(vtkObject* caller, unsigned long event_id, void* client_data,
                             void* call_data);

  const SurfaceScene* scene_ = nullptr;
  vtkNew<vtkGenericOpenGLRenderWindow> render_window_;
  vtkNew<vtkGenericRenderWindowInteractor> interactor_;
  vtkNew<vtkRenderer> renderer_;
  vtkNew<vtkCallbackCommand> repaint_command_;
  QPoint press_position_;
};

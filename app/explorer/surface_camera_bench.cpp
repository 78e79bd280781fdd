#include "surface_camera_bench.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QWheelEvent>

#include "surface_view.h"

namespace moescope::explorer {
namespace {

// A step of a brisk drag: a few pixels per mouse event, as a pointer reports them.
constexpr int kStepPixels = 4;
constexpr int kWheelStep = 120;  // one notch
constexpr int kZoomNotches = 5;  // a zoom in or out, in notches

// Sends `event` to the view and processes what it queued (the repaint that renders the frame),
// returning the milliseconds this took.
double timed(SurfaceView& view, QEvent& event) {
  QElapsedTimer timer;
  timer.start();
  QApplication::sendEvent(&view, &event);
  QApplication::processEvents();
  return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

}  // namespace

std::vector<double> replayCameraMoves(SurfaceView& view, int moves) {
  std::vector<double> milliseconds;
  const QPointF centre(view.width() / 2.0, view.height() / 2.0);
  QPointF position = centre;
  QMouseEvent press(QEvent::MouseButtonPress, position, view.mapToGlobal(position), Qt::LeftButton,
                    Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&view, &press);
  const int turns = moves / 2;
  const int tilts = moves / 4;
  for (int i = 0; i < turns + tilts; ++i) {
    // Back and forth, so that a long replay stays over the widget.
    const double direction = (i / 40) % 2 == 0 ? 1.0 : -1.0;
    position +=
        i < turns ? QPointF(direction * kStepPixels, 0) : QPointF(0, direction * kStepPixels);
    QMouseEvent move(QEvent::MouseMove, position, view.mapToGlobal(position), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    milliseconds.push_back(timed(view, move));
  }
  QMouseEvent release(QEvent::MouseButtonRelease, position, view.mapToGlobal(position),
                      Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(&view, &release);
  QApplication::processEvents();
  const int zooms = moves - turns - tilts;
  for (int i = 0; i < zooms; ++i) {
    // In and out by a few notches at a time, as a reader looks closer and back: a hundred notches
    // one way would fly the camera into the surface.
    const int notch = (i / kZoomNotches) % 2 == 0 ? kWheelStep : -kWheelStep;
    QWheelEvent wheel(centre, view.mapToGlobal(centre), QPoint(), QPoint(0, notch), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    milliseconds.push_back(timed(view, wheel));
  }
  return milliseconds;
}

}  // namespace moescope::explorer

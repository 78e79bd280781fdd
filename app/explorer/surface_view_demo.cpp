// Shows the IsoFLOP surface view on a synthetic scene, saves what the widget shows and an export
// at the requested size, and checks that both images, a frame drawn during a drag and a click on a
// run work, so that it can run unattended under xvfb-run as a test.
#include <QApplication>
#include <QMouseEvent>
#include <QSet>
#include <QString>
#include <QTimer>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "surface_scene.h"
#include "surface_view.h"

namespace moescope::explorer {
namespace {

// A loss that falls with sparsity and whose best size shifts down as sparsity grows.
double syntheticLoss(double log10_size, double sparsity) {
  return 2.3 + 0.08 * std::pow(log10_size - 9.5, 2) - 0.3 * sparsity +
         0.2 * sparsity * sparsity * (log10_size - 9.0) / 3.0;
}

SurfaceScene makeSyntheticScene() {
  SurfaceScene scene;
  constexpr int kColumns = 51;
  constexpr int kRows = 50;
  for (int column = 0; column < kColumns; ++column) {
    scene.x_values.push_back(8.0 + 2.5 * column / (kColumns - 1));
  }
  for (int row = 0; row < kRows; ++row) {
    scene.y_values.push_back(0.98 * row / (kRows - 1));
  }
  for (double sparsity : scene.y_values) {
    for (double log10_size : scene.x_values) {
      scene.z.push_back(syntheticLoss(log10_size, sparsity));
    }
  }
  // Where dL/dx = 0 for each sparsity.
  for (double sparsity : scene.y_values) {
    const double best_size = 9.5 - 0.2 * sparsity * sparsity / (3.0 * 0.16);
    scene.ridge.push_back({best_size, sparsity, syntheticLoss(best_size, sparsity)});
  }
  std::size_t run_index = 100;
  for (double sparsity : {0.0, 0.5, 0.875}) {
    for (double log10_size : {8.5, 9.0, 9.5, 10.0}) {
      // Measurements scatter around the fitted surface.
      const double noise = 0.012 * std::sin(3.7 * static_cast<double>(run_index));
      scene.points.push_back(
          {log10_size, sparsity, syntheticLoss(log10_size, sparsity) + noise, run_index++});
    }
  }
  scene.x_label = "Parameters";
  scene.y_label = "Sparsity";
  scene.z_label = "Loss";
  return scene;
}

// A blank or failed render is one or two flat colours; a shaded surface has hundreds.
bool looksRendered(const QImage& image, const char* what) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 2) {
    for (int x = 0; x < image.width(); x += 2)
      colours.insert(image.pixel(x, y));
  }
  std::printf("%s: %dx%d, %lld distinct colours\n", what, image.width(), image.height(),
              static_cast<long long>(colours.size()));
  return colours.size() >= 200;
}

bool clickPicksRun(SurfaceView& view, std::size_t run_index) {
  const std::optional<QPoint> drawn_at = view.widgetPositionOfRun(run_index);
  if (!drawn_at)
    return false;
  std::optional<std::size_t> picked;
  QObject::connect(&view, &SurfaceView::pointPicked,
                   [&picked](std::size_t picked_run) { picked = picked_run; });
  const QPointF local(*drawn_at);
  const QPointF global(view.mapToGlobal(*drawn_at));
  QMouseEvent press(QEvent::MouseButtonPress, local, global, Qt::LeftButton, Qt::LeftButton,
                    Qt::NoModifier);
  QMouseEvent release(QEvent::MouseButtonRelease, local, global, Qt::LeftButton, Qt::NoButton,
                      Qt::NoModifier);
  QApplication::sendEvent(&view, &press);
  QApplication::sendEvent(&view, &release);
  std::printf("click at (%d, %d) picked run %s\n", drawn_at->x(), drawn_at->y(),
              picked ? std::to_string(*picked).c_str() : "none");
  return picked == run_index;
}

}  // namespace
}  // namespace moescope::explorer

int main(int argc, char** argv) {
  using namespace moescope::explorer;
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: %s OUT.png [WIDTH HEIGHT]\n", argv[0]);
    return 2;
  }
  const QString export_path = QString::fromLocal8Bit(argv[1]);
  const int export_width = argc == 4 ? std::atoi(argv[2]) : 1600;
  const int export_height = argc == 4 ? std::atoi(argv[3]) : 1000;
  QString widget_path = export_path;
  if (widget_path.endsWith(".png"))
    widget_path.chop(4);
  widget_path += "-widget.png";

  QApplication app(argc, argv);
  const SurfaceScene scene = makeSyntheticScene();
  SurfaceView view;
  view.setWindowTitle("MoEScope: IsoFLOP surface");
  view.resize(960, 640);
  view.setScene(&scene);
  view.show();

  int exit_code = 0;
  // The window needs a few event-loop turns to be exposed and painted before it can be grabbed.
  QTimer::singleShot(500, [&] {
    const QImage shown = view.grab().toImage();
    const QImage exported = view.renderImage(export_width, export_height);
    const bool saved = shown.save(widget_path) && exported.save(export_path);
    const bool shown_ok = looksRendered(shown, "widget");
    const bool exported_ok = looksRendered(exported, "export");
    // A drag draws at half the resolution, scaled to the widget's size, and the frame after it
    // is the full one again.
    view.setDragging(true);
    view.setScene(&scene);
    const QImage draft = view.grab().toImage();
    view.setDragging(false);
    const QImage after_drag = view.grab().toImage();
    const bool draft_ok = draft.size() == shown.size() && looksRendered(draft, "draft") &&
                          draft != shown && after_drag == shown;
    if (!draft_ok)
      std::fprintf(stderr, "the frames during and after a drag are not a draft and the full one\n");
    const bool picks = clickPicksRun(view, 105);
    std::printf("saved %s and %s\n", qPrintable(widget_path), qPrintable(export_path));
    exit_code = saved && shown_ok && exported_ok && draft_ok && picks ? 0 : 1;
    app.quit();
  });
  app.exec();
  return exit_code;
}

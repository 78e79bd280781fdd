#include "view_export.h"

#include <QImage>
#include <QObject>

#include "figure_view.h"
#include "surface_view.h"

namespace moescope::explorer {

bool exportFigureFiles(FigureView& view, const QString& base, int dpi, QString* error) {
  if (!view.exportPng(base + ".png", dpi) || !view.exportSvg(base + ".svg") ||
      !view.exportPdf(base + ".pdf") || !view.exportCsv(base + ".csv")) {
    *error = view.lastError();
    return false;
  }
  return true;
}

bool exportFigureTo(FigureView& view, const QString& path, int dpi, QString* error) {
  bool written = false;
  if (path.endsWith(".svg"))
    written = view.exportSvg(path);
  else if (path.endsWith(".pdf"))
    written = view.exportPdf(path);
  else if (path.endsWith(".csv"))
    written = view.exportCsv(path);
  else
    written = view.exportPng(path, dpi);
  if (!written)
    *error = view.lastError();
  return written;
}

bool exportSurfaceTo(SurfaceView& view, const QString& path, QString* error) {
  if (view.renderImage(kSurfaceExportWidth, kSurfaceExportHeight).save(path))
    return true;
  *error = QObject::tr("cannot write %1").arg(path);
  return false;
}

QString exportFilter(bool figure) {
  return figure ? QObject::tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf);;Curves as CSV (*.csv)")
                : QObject::tr("PNG image (*.png)");
}

}  // namespace moescope::explorer

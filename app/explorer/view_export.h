#pragma once

#include <QString>

namespace moescope::explorer {

class FigureView;
class SurfaceView;

// The views' exports to files: which formats, at which size, under which names.

// The 3-D view's exports, in pixels.
inline constexpr int kSurfaceExportWidth = 1600;
inline constexpr int kSurfaceExportHeight = 1200;
// A figure exported by the menu as PNG.
inline constexpr int kInteractiveExportDpi = 300;

// Writes a figure in every format beside `base`: base.png at `dpi`, base.svg, base.pdf and
// base.csv.
bool exportFigureFiles(FigureView& view, const QString& base, int dpi, QString* error);
// Writes a figure to `path` in the format its suffix names: .svg, .pdf, .csv, PNG at `dpi`
// otherwise.
bool exportFigureTo(FigureView& view, const QString& path, int dpi, QString* error);
// Writes the 3-D view as PNG, at kSurfaceExportWidth x kSurfaceExportHeight.
bool exportSurfaceTo(SurfaceView& view, const QString& path, QString* error);
// The file dialog's filter for exporting the 3-D view (PNG) or a figure (any format).
QString exportFilter(bool figure);

}  // namespace moescope::explorer

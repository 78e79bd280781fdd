#pragma once

#include <QString>
#include <QStringList>
#include <vector>

class QCommandLineParser;

#include "figure_bundle.h"
#include "figure_export_options.h"
#include "moescope/explore/figure.h"

namespace moescope::explorer {

class FigureView;
class SurfaceView;

// The views' exports to files: which formats, at which size and in which style, under which
// names, with the bundle (figure_bundle.h) beside each.

// The 3-D view's exports, in pixels.
inline constexpr int kSurfaceExportWidth = 1600;
inline constexpr int kSurfaceExportHeight = 1200;
// A figure exported by the menu as PNG.
inline constexpr int kInteractiveExportDpi = 300;

// The style this process exports figures in: the command line's (--style, --size, ...) or the
// export dialog's last choice; the screen's until either sets it.
const FigureExportStyle& figureExportStyle();
void setFigureExportStyle(const FigureExportStyle& style);

// Writes a figure in every format beside `base`, in figureExportStyle(): base.png at `dpi`,
// base.svg, base.pdf, base.csv, and the bundle base.json and base.tex. A figure with nothing to
// draw (only its message) is not written: a note on stderr says so, and it counts as done.
bool exportFigureFiles(FigureView& view, const QString& base, int dpi, QString* error,
                       const FigureSource& source = {});
// Writes a figure to `path` in the format its suffix names: .svg, .pdf, .csv, PNG at `dpi`
// otherwise, with the bundle beside it. A figure with nothing to draw is refused, `error` saying
// why (its message).
bool exportFigureTo(FigureView& view, const QString& path, int dpi, QString* error,
                    const FigureSource& source = {});
// The figures named `names` side by side in BASE.{png,svg,pdf}, in figureExportStyle(), with
// their bundle; `figures` holds every figure drawn, to pick from by name, and a figure drawn per
// task (Figure 5) gives a panel per task (split_by_facet). Refused, `error` saying why, when none
// of them has anything to draw.
bool exportPanelsTo(const std::vector<moescope::Figure>& figures, const QStringList& names,
                    const QString& base, const FigureSource& source, QString* error);
// exportPanelsTo for figureExportStyle().panels, in DIR/panels-A+B+C (the figures' names);
// nothing where no panels are asked for.
bool exportPanelFiles(const std::vector<moescope::Figure>& figures, const QString& directory,
                      const FigureSource& source, QString* error);
// Reads --style, --size, --font-size, --no-title, --dpi and --panels (addFigureExportOptions)
// into figureExportStyle(); returns what is wrong with them, empty when nothing is.
QString useFigureExportOptions(const QCommandLineParser& parser);
// Writes the 3-D view as PNG, at kSurfaceExportWidth x kSurfaceExportHeight.
bool exportSurfaceTo(SurfaceView& view, const QString& path, QString* error);
// The file dialog's filter for exporting the 3-D view (PNG) or a figure (any format).
QString exportFilter(bool figure);

}  // namespace moescope::explorer

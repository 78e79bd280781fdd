#pragma once

#include <QStringList>

class QWidget;

namespace moescope::explorer {

// File > Export's choices before the file dialog: the style (paper, slides, screen), the size
// (inches or a named size such as column), the text size, the title and the PNG resolution,
// as --style, --size, --font-size, --no-title and --dpi give them on the command line; with
// `panel_figures` (the names of the figures drawn), also which of the paper's multi-panel
// figures, as --panels' presets give them (figure_export_options.h's parsePanels). Starts from the
// last choices (QSettings) and, when accepted, remembers them and makes them the process's export
// style (view_export.h's figureExportStyle; its panels are empty without `panel_figures`);
// returns whether it was accepted.
bool chooseFigureExportStyle(QWidget* parent, const QStringList& panel_figures = {});

}  // namespace moescope::explorer

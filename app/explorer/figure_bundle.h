#pragma once

#include <QString>
#include <QStringList>

#include "figure_export_options.h"
#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"

namespace moescope::explorer {

// What a figure was drawn from, for the files that let it be drawn again.
struct FigureSource {
  const moescope::ExplorerData* data = nullptr;
  const moescope::ExplorerState* state = nullptr;
};

// Beside every exported figure (BASE.png, .svg, ...), BASE.json and BASE.tex: the law's
// parameters with their 95 % bootstrap intervals (percentile, as `moescope fit law` reports
// them), the runs' content hash (runs_content_hash), the settings (budget, cap, slice, style,
// size, the fit's form and Huber delta) and MoEScope's version; the TeX file a booktabs table of
// the parameters. `figures` names what the files show (one figure, or a multi-panel file's
// panels), `files` the files written. No NaN: a value that is not finite is null. Returns false
// with `error` naming the file that cannot be written.
bool writeFigureBundle(const QString& base, const QStringList& figures, const QString& title,
                       const QStringList& files, const FigureSource& source,
                       const FigureExportStyle& style, QString* error);

}  // namespace moescope::explorer

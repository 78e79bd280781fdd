#pragma once

#include <QString>
#include <QStringList>
#include <vector>

#include "figure_export_options.h"
#include "moescope/explore/figure.h"

namespace moescope::explorer {

// Several figures side by side in one file, as the paper prints Figures 2, 3, 5 and 6: panels of
// equal width in one style, at most four to a row, each lettered (a), (b), ... under it (with its
// Figure::caption, where it has one), with one legend for all under the last row (each label
// once: a sparsity's colour is the same in every panel), the whole file
// style.width_inches x style.height_inches. Writes BASE.png (style.dpi), BASE.svg and BASE.pdf
// and returns their paths; panels with nothing to draw are left out (and named in `skipped`).
// Returns an empty list with `error` saying why when no panel has anything to draw or a file
// cannot be written.
QStringList exportPanels(const std::vector<const moescope::Figure*>& figures,
                         const FigureExportStyle& style, const QString& base, QString* error,
                         QStringList* skipped = nullptr);

}  // namespace moescope::explorer

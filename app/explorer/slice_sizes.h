#pragma once

#include <QString>
#include <optional>
#include <vector>

namespace moescope::explorer {

// Figure 2a's sizes N as a user writes them, `--sizes 1e7,1e8` or the View menu's field: numbers
// separated by commas or spaces, each finite and > 0, at most kMostChosenSliceSizes, sorted and
// without repeats; empty text is an empty list (the figure chooses from the data). Anything else
// is refused with `*error` naming the entry.
std::optional<std::vector<double>> parseSliceSizes(const QString& text, QString* error);

// The list as parseSliceSizes reads it back ("1e+07, 1e+08"); empty for none.
QString sliceSizesText(const std::vector<double>& sizes);

}  // namespace moescope::explorer

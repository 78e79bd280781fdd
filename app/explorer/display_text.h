#pragma once

#include <QString>
#include <string>

#include "moescope/io/number_format.h"

namespace moescope::explorer {

// A number as the explorer shows it: moescope::format_brief's few significant digits ("1.5e20",
// "0.98").
inline QString number(double value) {
  return QString::fromStdString(moescope::format_brief(value));
}

inline QString qs(const std::string& text) {
  return QString::fromStdString(text);
}

}  // namespace moescope::explorer

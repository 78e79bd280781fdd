#pragma once

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QStringList>

namespace moescope::explorer::testing_support {

// The labels a chart's legend shows, in its order.
inline QStringList visibleLegendLabels(QChart* chart) {
  QStringList labels;
  for (const QLegendMarker* marker : chart->legend()->markers()) {
    if (marker->isVisible())
      labels << marker->label();
  }
  return labels;
}

}  // namespace moescope::explorer::testing_support

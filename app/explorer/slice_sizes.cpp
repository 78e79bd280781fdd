#include "slice_sizes.h"

#include <QRegularExpression>
#include <QStringList>
#include <algorithm>
#include <cmath>

#include "moescope/explore/figure.h"

namespace moescope::explorer {

std::optional<std::vector<double>> parseSliceSizes(const QString& text, QString* error) {
  static const QRegularExpression kSeparators(QStringLiteral("[,\\s]+"));
  std::vector<double> sizes;
  for (const QString& entry : text.split(kSeparators, Qt::SkipEmptyParts)) {
    bool ok = false;
    const double size = entry.toDouble(&ok);
    if (!ok || !std::isfinite(size) || !(size > 0)) {
      *error = QStringLiteral("'%1' is not a size N: each must be a finite number > 0, such as 1e8")
                   .arg(entry);
      return std::nullopt;
    }
    sizes.push_back(size);
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.size() > moescope::kMostChosenSliceSizes) {
    *error = QStringLiteral("%1 sizes: Figure 2a draws at most %2")
                 .arg(sizes.size())
                 .arg(moescope::kMostChosenSliceSizes);
    return std::nullopt;
  }
  return sizes;
}

QString sliceSizesText(const std::vector<double>& sizes) {
  QStringList entries;
  for (const double size : sizes)
    entries << QString::number(size, 'g', 6);
  return entries.join(QStringLiteral(", "));
}

}  // namespace moescope::explorer

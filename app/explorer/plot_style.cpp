#include "plot_style.h"

#include <QRegularExpression>
#include <cmath>

namespace moescope::explorer::plot_style {

QColor toQColor(const Rgb& rgb, double alpha) {
  return QColor::fromRgbF(static_cast<float>(rgb.r), static_cast<float>(rgb.g),
                          static_cast<float>(rgb.b), static_cast<float>(alpha));
}

Rgb rampColour(const ColourRamp& ramp, double position) {
  const double scaled = std::clamp(position, 0.0, 1.0) * static_cast<double>(ramp.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(scaled));
  const std::size_t above = std::min(below + 1, ramp.size() - 1);
  const double fraction = scaled - static_cast<double>(below);
  const Rgb& from = ramp[below];
  const Rgb& to = ramp[above];
  return {from.r + fraction * (to.r - from.r), from.g + fraction * (to.g - from.g),
          from.b + fraction * (to.b - from.b)};
}

double niceStep(double rough, StepRounding rounding) {
  const double decade = std::pow(10.0, std::floor(std::log10(rough)));
  if (rounding == StepRounding::kUp) {
    for (const double multiple : {1.0, 2.0, 5.0}) {
      if (multiple * decade >= rough * (1.0 - 1e-9))
        return multiple * decade;
    }
    return 10.0 * decade;
  }
  double best = decade;
  for (const double multiple : {2.0, 5.0, 10.0}) {
    if (std::fabs(std::log(multiple * decade / rough)) < std::fabs(std::log(best / rough)))
      best = multiple * decade;
  }
  return best;
}

std::vector<double> ticksWithin(double lo, double hi, double step) {
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  for (double multiple = first; multiple <= last + 0.5; multiple += 1.0) {
    const double value = multiple * step;
    ticks.push_back(value == 0.0 ? 0.0 : value);
  }
  return ticks;
}

Range widenedToTicks(const Range& range, double step) {
  Range widened;
  widened.lo = std::floor(range.lo / step + 1e-9) * step;
  widened.hi = std::ceil(range.hi / step - 1e-9) * step;
  return widened;
}

QString superscriptNumbers(const QString& plain) {
  static const QRegularExpression kScientific(
      QStringLiteral("(?<![\\w.])(\\d+(?:\\.\\d+)?)e([+-]?)(\\d+)(?![\\w.])"));
  static const QString kDigits =
      QStringLiteral("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079");
  QString typeset;
  qsizetype from = 0;
  for (auto it = kScientific.globalMatch(plain); it.hasNext();) {
    const QRegularExpressionMatch match = it.next();
    typeset += plain.mid(from, match.capturedStart() - from);
    QString power = QStringLiteral("10");
    if (match.captured(2) == QStringLiteral("-"))
      power += QChar(0x207b);
    for (const QChar digit : match.captured(3))
      power += kDigits.at(digit.digitValue());
    const QString mantissa = match.captured(1);
    typeset += mantissa == QStringLiteral("1") ? power : mantissa + QChar(0x00d7) + power;
    from = match.capturedEnd();
  }
  return typeset + plain.mid(from);
}

}  // namespace moescope::explorer::plot_style

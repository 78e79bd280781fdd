#pragma once

#include <QFont>
#include <QRegularExpression>
#include <QString>
#include <QTextDocument>
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

// A label of core's plain text typeset as rich text for Qt's text items (chart and axis titles,
// legends, tick labels, SVG and PDF alike): "N_a" as N with a subscript a, "C^0.5" with a
// superscript, "1e20" as 10^20 and "1.5e20" as 1.5×10^20, " * " as a centred dot, "<=" and ">="
// as ≤ and ≥; everything else as it is, escaped.
inline QString richLabel(const QString& plain) {
  QString text = plain;
  text.replace(QStringLiteral("<="), QString(QChar(0x2264)));
  text.replace(QStringLiteral(">="), QString(QChar(0x2265)));
  text = text.toHtmlEscaped();
  text.replace(QStringLiteral(" * "), QStringLiteral(" \u00b7 "));
  static const QRegularExpression kScientific(
      QStringLiteral("(?<![\\w.])(\\d+(?:\\.\\d+)?)e([+-]?)(\\d+)(?![\\w.])"));
  QString typeset;
  qsizetype from = 0;
  for (auto it = kScientific.globalMatch(text); it.hasNext();) {
    const QRegularExpressionMatch match = it.next();
    typeset += text.mid(from, match.capturedStart() - from);
    const QString mantissa = match.captured(1);
    const QString sign = match.captured(2) == QStringLiteral("-") ? QStringLiteral("\u2212") : "";
    const QString power = QStringLiteral("10<sup>") + sign + match.captured(3) + "</sup>";
    typeset +=
        mantissa == QStringLiteral("1") ? power : mantissa + QStringLiteral("\u00d7") + power;
    from = match.capturedEnd();
  }
  text = typeset + text.mid(from);
  static const QRegularExpression kSubscript(
      QStringLiteral("(?<![\\w])([A-Za-z])_(\\{([^}]*)\\}|[A-Za-z0-9]+)"));
  text.replace(kSubscript, QStringLiteral("\\1<sub>\\2</sub>"));
  text.replace(QStringLiteral("<sub>{"), QStringLiteral("<sub>"));
  text.replace(QStringLiteral("}</sub>"), QStringLiteral("</sub>"));
  static const QRegularExpression kSuperscript(QStringLiteral("\\^(-?[0-9.]*[0-9]|[A-Za-z])"));
  text.replace(kSuperscript, QStringLiteral("<sup>\\1</sup>"));
  return text;
}

inline QString richLabel(const std::string& plain) {
  return richLabel(QString::fromStdString(plain));
}

// How wide rich text (richLabel's) sets in `font`, on one line, without margins.
inline double richWidth(const QString& html, const QFont& font) {
  QTextDocument document;
  document.setDefaultFont(font);
  document.setDocumentMargin(0);
  document.setHtml(html);
  return document.idealWidth();
}

}  // namespace moescope::explorer

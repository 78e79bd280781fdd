#include "figure_export_options.h"

#include <QCommandLineParser>
#include <QSettings>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace moescope::explorer {
namespace {

// Larger than any page or slide; a typo such as 325 (for 3.25) is refused rather than drawn.
constexpr double kLargestInches = 40.0;

bool parseInches(const QString& text, double* inches) {
  bool ok = false;
  const double value = text.trimmed().toDouble(&ok);
  if (!ok || !std::isfinite(value) || value <= 0 || value > kLargestInches)
    return false;
  *inches = value;
  return true;
}

}  // namespace

double FigureExportStyle::bodyPoints() const {
  if (font_points > 0)
    return font_points;
  switch (look) {
    case FigureLook::kPaper:
      // 8 pt at a column's width, as a journal's captions; larger figures a little larger.
      return std::clamp(8.0 * std::sqrt(width_inches / 3.25), 7.0, 10.0);
    case FigureLook::kSlides:
      return 16.0;
    case FigureLook::kScreen:
      break;
  }
  return 9.0;
}

FigureExportStyle FigureExportStyle::of(FigureLook look) {
  FigureExportStyle style;
  style.look = look;
  if (look == FigureLook::kPaper) {
    // A page's width: the legend beside the plot needs it (--size column for one column).
    style.width_inches = kNamedSizes[1].width_inches;
    style.height_inches = 3.4;
    style.dpi = 300;
  } else if (look == FigureLook::kSlides) {
    style.width_inches = kNamedSizes[2].width_inches;
    style.height_inches = kNamedSizes[2].height_inches;
  }
  return style;
}

QString toString(FigureLook look) {
  switch (look) {
    case FigureLook::kPaper:
      return QStringLiteral("paper");
    case FigureLook::kSlides:
      return QStringLiteral("slides");
    case FigureLook::kScreen:
      break;
  }
  return QStringLiteral("screen");
}

std::optional<FigureLook> parseLook(const QString& text, QString* error) {
  for (const FigureLook look : {FigureLook::kPaper, FigureLook::kSlides, FigureLook::kScreen}) {
    if (text.trimmed().compare(toString(look), Qt::CaseInsensitive) == 0)
      return look;
  }
  *error = QStringLiteral("no style '%1'; styles: paper, slides, screen").arg(text);
  return std::nullopt;
}

bool parseSize(const QString& text, double* width_inches, double* height_inches, QString* error) {
  const QString trimmed = text.trimmed();
  QStringList names;
  for (const NamedSize& size : kNamedSizes) {
    names << QString::fromLatin1(size.name);
    if (trimmed.compare(QLatin1String(size.name), Qt::CaseInsensitive) == 0) {
      *width_inches = size.width_inches;
      *height_inches = size.height_inches;
      return true;
    }
  }
  QString spelled = trimmed;
  spelled.replace(QChar(0x00d7), QLatin1Char('x'));  // ×
  spelled.replace(QLatin1Char('X'), QLatin1Char('x'));
  if (spelled.endsWith(QStringLiteral("in")))
    spelled.chop(2);
  const QStringList sides = spelled.split(QLatin1Char('x'));
  double width = 0, height = 0;
  if (sides.size() != 2) {
    *error = QStringLiteral("size '%1' is neither WIDTHxHEIGHT in inches (3.25x2.4) nor one of %2")
                 .arg(text, names.join(QStringLiteral(", ")));
    return false;
  }
  if (!parseInches(sides[0], &width) || !parseInches(sides[1], &height)) {
    *error = QStringLiteral("size '%1': %2 must be a number of inches in (0, %3]")
                 .arg(text, parseInches(sides[0], &width) ? QStringLiteral("the height")
                                                          : QStringLiteral("the width"))
                 .arg(kLargestInches);
    return false;
  }
  *width_inches = width;
  *height_inches = height;
  return true;
}

QStringList parsePanels(const QString& text, const QStringList& known, QString* error) {
  const QString name = text.trimmed();
  QStringList figures;
  if (name == QStringLiteral("figure-2")) {
    figures = {QStringLiteral("loss-vs-sparsity"), QStringLiteral("loss-vs-params"),
               QStringLiteral("loss-vs-active-params")};
  } else if (name == QStringLiteral("figure-3")) {
    figures = {QStringLiteral("optimal-params-vs-sparsity"),
               QStringLiteral("optimal-active-vs-sparsity"),
               QStringLiteral("optimal-loss-vs-sparsity")};
  } else if (name == QStringLiteral("figure-5")) {
    figures = {QStringLiteral("downstream-vs-upstream")};  // a panel per task (split_by_facet)
  } else if (name == QStringLiteral("figure-6")) {
    for (const QString& figure : known) {
      if (figure.contains(QStringLiteral("held-out")))
        figures << figure;
    }
  } else {
    for (const QString& figure : name.split(QLatin1Char(','), Qt::SkipEmptyParts))
      figures << figure.trimmed();
  }
  for (const QString& figure : figures) {
    if (!known.contains(figure)) {
      QStringList presets;
      for (const PanelPreset& preset : kPanelPresets)
        presets << QString::fromLatin1(preset.name);
      *error =
          QStringLiteral("--panels: no figure '%1'; presets: %2; figures: %3")
              .arg(figure, presets.join(QStringLiteral(", ")), known.join(QStringLiteral(", ")));
      return {};
    }
  }
  if (figures.isEmpty())
    *error = QStringLiteral("--panels '%1' names no figure").arg(text);
  return figures;
}

void renameQtStyleArgument(int argc, char** argv) {
  // Kept for the process's life, as argv's strings are.
  static std::vector<std::string> renamed;
  renamed.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--style" || argument.rfind("--style=", 0) == 0) {
      renamed.push_back("--figure-style" + argument.substr(std::strlen("--style")));
      argv[i] = renamed.back().data();
    }
  }
}

void addFigureExportOptions(QCommandLineParser& parser) {
  parser.addOptions({
      {{"style", "figure-style"},
       "Exported figures' look: paper (a real font at print size, thin lines), "
       "slides or screen (the default).",
       "STYLE"},
      {"size",
       "Exported figures' size in inches, WIDTHxHEIGHT (3.25x2.4), or column (3.25 in, one "
       "column of ICML/NeurIPS), page (6.75 in) or slide (10x5.63). Default: the style's.",
       "SIZE"},
      {"font-size", "Exported figures' text size in points (default: the style's).", "PT"},
      {"no-title", "Export figures without their titles (a paper's caption says it)."},
      {"panels",
       "Also export these figures side by side in one file, panels (a), (b), ...: figure-2, "
       "figure-3, figure-5 (a panel per downstream task), figure-6 or a comma list of figure "
       "names.",
       "LIST"},
  });
}

std::optional<FigureExportStyle> figureExportStyleFrom(const QCommandLineParser& parser,
                                                       const QStringList& figure_names,
                                                       QString* error) {
  FigureLook look = FigureLook::kScreen;
  if (parser.isSet("style")) {
    const std::optional<FigureLook> parsed = parseLook(parser.value("style"), error);
    if (!parsed) {
      *error = QStringLiteral("--style: ") + *error;
      return std::nullopt;
    }
    look = *parsed;
  }
  FigureExportStyle style = FigureExportStyle::of(look);
  if (parser.isSet("size") &&
      !parseSize(parser.value("size"), &style.width_inches, &style.height_inches, error)) {
    *error = QStringLiteral("--size: ") + *error;
    return std::nullopt;
  }
  if (parser.isSet("font-size")) {
    bool ok = false;
    const double points = parser.value("font-size").toDouble(&ok);
    if (!ok || !std::isfinite(points) || points < 4 || points > 72) {
      *error = QStringLiteral("--font-size takes a number of points in [4, 72], not '%1'")
                   .arg(parser.value("font-size"));
      return std::nullopt;
    }
    style.font_points = points;
  }
  style.title = !parser.isSet("no-title");
  if (parser.isSet("dpi"))
    style.dpi = parser.value("dpi").toInt();
  if (parser.isSet("panels")) {
    style.panels = parsePanels(parser.value("panels"), figure_names, error);
    if (style.panels.isEmpty())
      return std::nullopt;
  }
  return style;
}

FigureExportStyle rememberedExportStyle(QSettings& settings) {
  settings.beginGroup(QStringLiteral("figureExport"));
  QString ignored;
  const FigureLook look =
      parseLook(settings.value("style", toString(FigureLook::kPaper)).toString(), &ignored)
          .value_or(FigureLook::kPaper);
  FigureExportStyle style = FigureExportStyle::of(look);
  double width = 0, height = 0;
  if (parseSize(settings.value("size").toString(), &width, &height, &ignored)) {
    style.width_inches = width;
    style.height_inches = height;
  }
  style.font_points = std::clamp(settings.value("fontPoints", 0.0).toDouble(), 0.0, 72.0);
  style.title = settings.value("title", true).toBool();
  style.dpi = std::clamp(settings.value("dpi", style.dpi).toInt(), 30, 2400);
  settings.endGroup();
  return style;
}

void rememberExportStyle(QSettings& settings, const FigureExportStyle& style) {
  settings.beginGroup(QStringLiteral("figureExport"));
  settings.setValue("style", toString(style.look));
  settings.setValue("size",
                    QStringLiteral("%1x%2").arg(style.width_inches).arg(style.height_inches));
  settings.setValue("fontPoints", style.font_points);
  settings.setValue("title", style.title);
  settings.setValue("dpi", style.dpi);
  settings.endGroup();
}

}  // namespace moescope::explorer

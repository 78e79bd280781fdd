#pragma once

#include <QString>
#include <QStringList>
#include <optional>

class QCommandLineParser;
class QSettings;

namespace moescope::explorer {

// How an exported figure looks and how large it is, the command line's --style, --size,
// --font-size, --no-title, --dpi and --panels, and the export dialog's same choices.
enum class FigureLook { kScreen, kPaper, kSlides };

struct FigureExportStyle {
  FigureLook look = FigureLook::kScreen;
  // The figure's size as printed; a multi-panel file is this wide in all, each panel as tall.
  double width_inches = 6.4;
  double height_inches = 4.8;
  // The body text (ticks, legend, axis titles) in points; the title is a point larger. 0: the
  // look's own, matched to the width (a column-wide paper figure at 8 pt).
  double font_points = 0;
  bool title = true;
  int dpi = 150;
  // Figures drawn side by side in one file, by name (figure-2 = the three panels of Figure 2);
  // empty: none.
  QStringList panels;

  // The body text's size this style draws at.
  double bodyPoints() const;
  // Each look's default size: paper a page's width (6.75 x 3.4 in), slides 10 x 5.63, screen
  // 6.4 x 4.8.
  static FigureExportStyle of(FigureLook look);
};

QString toString(FigureLook look);
// "paper", "slides", "screen"; an error naming the choices otherwise.
std::optional<FigureLook> parseLook(const QString& text, QString* error);

// Sizes a journal prints at, by name: column (3.25 in, one column of ICML or NeurIPS), page
// (6.75 in, both columns), slide (10 x 5.63 in).
struct NamedSize {
  const char* name;
  double width_inches, height_inches;
};
inline constexpr NamedSize kNamedSizes[] = {
    {"column", 3.25, 2.5}, {"page", 6.75, 3.0}, {"slide", 10.0, 5.63}};

// "3.25x2.4", "3.25×2.4" (inches), or a named size; each side in (0, 40] inches. Sets width and
// height, or returns false with `error` saying what is wrong with `text`.
bool parseSize(const QString& text, double* width_inches, double* height_inches, QString* error);

// --panels' presets, the paper's multi-panel figures, with what each draws (the export dialog's
// choices).
struct PanelPreset {
  const char* name;
  const char* description;
};
inline constexpr PanelPreset kPanelPresets[] = {
    {"figure-2", "Figure 2 (a–c): loss against S, N and Nₐ"},
    {"figure-3", "Figure 3 (a–c): optimal N, Nₐ and loss against S"},
    {"figure-5", "Figure 5: a panel per downstream task"},
    {"figure-6", "Figure 6 (a, b): fitted and held-out runs"},
};

// The figures a --panels value names: a preset or a comma list of figure names, each one of
// `known` (the figures this build draws); empty with `error` naming the unknown one otherwise.
// Presets, as the paper's multi-panel figures: figure-2 (2a-c), figure-3 (3a-c), figure-5 (the
// downstream figure, which exportPanelFiles splits into a panel per task), figure-6 (every
// figure of `known` about the held-out runs, so that Figure 6's second panel joins once core
// draws it).
QStringList parsePanels(const QString& text, const QStringList& known, QString* error);

// The options above, on the explorer's command line. --style is also --figure-style: QApplication
// takes --style for itself (the widgets' style), so renameQtStyleArgument must run first.
void addFigureExportOptions(QCommandLineParser& parser);
// Renames --style (and --style=X) in `argv` to --figure-style before QApplication reads and drops
// it as a widget style it does not know.
void renameQtStyleArgument(int argc, char** argv);
// The style the command line asks for, or nullopt with `error` naming the option and what is
// wrong; `figure_names` are the names --panels may list.
std::optional<FigureExportStyle> figureExportStyleFrom(const QCommandLineParser& parser,
                                                       const QStringList& figure_names,
                                                       QString* error);

// The export dialog's last choices, remembered across sessions.
FigureExportStyle rememberedExportStyle(QSettings& settings);
void rememberExportStyle(QSettings& settings, const FigureExportStyle& style);

}  // namespace moescope::explorer

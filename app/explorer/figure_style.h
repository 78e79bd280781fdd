#pragma once

#include <QColor>
#include <QPen>
#include <array>
#include <optional>
#include <vector>

#include "figure_export_options.h"
#include "moescope/explore/figure.h"

// How the 2-D figures draw their series: which colour a series takes (by sparsity from a
// qualitative palette, by budget from plot_style's plasma), which pen a line takes, the figures'
// ink, and the sizes of text, lines and markers each look (screen, paper, slides) draws at.
namespace moescope::explorer::figure_style {

const QColor kAxisColour(0x33, 0x33, 0x33);
const QColor kGridColour(0xe3, 0xe3, 0xe3);
const QColor kTextColour(0x1a, 0x1a, 0x1a);
// Limits that are not data (SeriesKind::kBound): thin, grey, dotted.
const QColor kBoundColour(0x80, 0x80, 0x80);
// For series that carry neither a sparsity nor a budget (fit vs held-out points).
const std::array<QColor, 4> kCategorical = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28),
                                            QColor(0x2c, 0xa0, 0x2c), QColor(0xff, 0x7f, 0x0e)};

// The user-defined laws' curves (Series::fit_colour, law_collection.h), each fit in one colour:
// red, near-black, brown, orange, pink and olive, away from viridis' blues and greens (the
// sparsities), and drawn dash-dotted, unlike the main law's dashes.
const std::array<QColor, 6> kFitColours = {QColor(0xd6, 0x27, 0x28), QColor(0x22, 0x22, 0x22),
                                           QColor(0x8c, 0x56, 0x4b), QColor(0xff, 0x7f, 0x0e),
                                           QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x00)};
QColor fitColour(int index);
// Their line: dash-dotted, so that it reads apart from the main law's dashes.
QPen fitPen(const QColor& colour);

inline constexpr double kLineWidth = 2.0;  // the screen's; Look::line_width is an export's

// What one look draws at, in pixels of the layout (FigureView::kLayoutDpi per inch), so that a
// figure laid out at its printed size in inches prints its text at the points asked for.
struct Look {
  QString font_family;
  // Text sizes in pixels; on screen (pixels = 0) the fonts' point sizes below are used instead.
  double title_pixels = 0, body_pixels = 0;
  double line_width = kLineWidth;
  double law_line_width = 1.0;
  double run_marker_size = 7.5;
  double marked_value_size = 12.0;
  double band_opacity = 0.18;
  double grid_width = 0.8;
  bool title = true;
};
// The screen's look, as the explorer's window shows its figures.
Look screenLook();
Look lookOf(const FigureExportStyle& style);
inline constexpr int kTitlePointSize = 13;
inline constexpr int kAxisTitlePointSize = 10;
inline constexpr int kTickLabelPointSize = 9;
inline constexpr int kLegendPointSize = 9;

// The family every figure is set in: DejaVu Sans (Debian's fonts-dejavu-core, matplotlib's own
// font), loaded from its installed file where fontconfig does not list it, so that SVG and PDF
// name and embed a real font rather than Qt's "Sans Serif"; without it, the default font, with
// one note on stderr.
QString figureFontFamily();

// A sparsity's colour, the same in every figure: a data set has a few sparsity levels (0, 0.25,
// 0.5, 0.75, 0.9, 0.95, 0.98 in the paper), which bunch up at 0.9 .. 0.98, where a continuous
// ramp gives three greens. Each level takes a colour of a qualitative palette ordered from cool
// to warm, by its place in steps of half of log2(1 / (1 - S)): the paper's levels take indigo,
// blue, cyan, green, orange, red and wine.
QColor sparsityColour(double sparsity);

// The curve the budget slider moves is labelled so by the model; it is dashed to tell it from the
// data budget it may lie on.
bool isSliderCurve(const Series& series);

// The data's own fits, independent of the law: a budget's IsoFLOP surface (Eq. 8) or Approach 2's
// curves and power law.
bool isDataFit(const Series& series);

// A figure that reads the IsoFLOP surfaces (Figures 2 and 4 at a fitted budget) or Approach 2's
// curves (N* vs C) draws their curves solid, with their bands, and the law's dashed over them,
// with a key saying which is which.
bool comparesSurfacesWithTheLaw(const Figure& figure);

// The law's dashed line where it is drawn over the data's fits.
QPen lawPen(const QColor& colour);

// The ramp is spread evenly over the data's budgets, by rank: a data set's budgets bunch up in
// log (3e19, 6e19 and 1e20 in the default data) and would take neighbouring, barely different
// colours. A budget between two of them, the slider's, is placed between their colours, in log;
// beyond them it takes the nearest end. The slider's curve does not count as data, so that a
// budget keeps its colour as the slider moves.
class BudgetScale {
 public:
  static BudgetScale of(const Figure& figure);
  QColor colour(double budget) const;
  // Figure 2a's sizes (Series::total_params) take the same kind of ramp, by rank: a few N a
  // decade or more apart, each its own colour.
  QColor sizeColour(double total_params) const;

 private:
  static double position(const std::vector<double>& log_keys, double log_key);

  std::vector<double> log_budgets_;  // increasing, distinct
  std::vector<double> log_sizes_;    // increasing, distinct
};

// A series' colour by its size N (Figure 2a), else by its sparsity, else by its budget; none for a
// series with none of them.
std::optional<QColor> keyedColour(const Series& series, const BudgetScale& budgets);

// A set of markers' shape (a QScatterSeries::MarkerShape): a star for an optimum; for runs keyed
// by Series::key (Figure 5's tasks), one shape per key, in the order the keys first come among the
// figure's points; else a circle.
int markerShape(const Figure& figure, const Series& series);

}  // namespace moescope::explorer::figure_style

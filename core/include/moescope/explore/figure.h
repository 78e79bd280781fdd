#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moescope/explore/explorer_data.h"

namespace moescope {

// The paper's figures, by number.
enum class FigureId {
  kLossVsSparsity,           // 2a: L vs S at a few fixed N, through the surface and the law at C
  kLossVsParams,             // 2b: L vs N at the data's sparsities
  kLossVsActiveParams,       // 2c: L vs N_a at the data's sparsities
  kOptimalParamsVsSparsity,  // 3a: N* vs S per budget
  kOptimalActiveVsSparsity,  // 3b: N_a* vs S per budget
  kOptimalLossVsSparsity,    // 3c: L* vs S per budget
  kOptimalSparsityVsParams,  // 4: S* vs N per budget, through the surfaces and the law
  kDownstreamVsUpstream,     // 5: downstream error vs upstream loss
  kLawFitVsHeldOut,          // 6a: predicted vs observed loss of the runs fitted
  kFlopRatio,                // 7: Eq. 9 / 6 N_a vs N
  kOptimalParamsVsBudget,    // N* vs C per sparsity: Approach 2's optima and the law's N*(C)
  kOptimalTokensVsBudget,    // D* vs C per sparsity: the same for the tokens
  // A fit's residuals ln(L / L̂) against N (law_collection.h's residual_figure); drawn from the
  // explorer's collection of fits, so not one of kAllFigures, which ExplorerModel draws.
  kResiduals,
  // 6b: predicted vs observed loss of the runs held out of the fit (the paper's S = 0.98), on
  // the same square axes as 6a: the paper's Figure 6 is these two panels side by side.
  kLawHeldOut,
};

inline constexpr FigureId kAllFigures[] = {
    FigureId::kLossVsSparsity,
    FigureId::kLossVsParams,
    FigureId::kLossVsActiveParams,
    FigureId::kOptimalParamsVsSparsity,
    FigureId::kOptimalActiveVsSparsity,
    FigureId::kOptimalLossVsSparsity,
    FigureId::kOptimalSparsityVsParams,
    FigureId::kOptimalParamsVsBudget,
    FigureId::kOptimalTokensVsBudget,
    FigureId::kDownstreamVsUpstream,
    FigureId::kLawFitVsHeldOut,
    FigureId::kLawHeldOut,
    FigureId::kFlopRatio,
};

// A stable name for files and --view: "loss-vs-sparsity", "flop-ratio", ...
std::string_view to_string(FigureId id);

// What a series is drawn from, so that a view can tell the paper's surface-based curves from the
// law's (Figures 2 and 4 show both: the surfaces' solid with their bands, the law's dashed).
enum class SeriesKind {
  kLaw,      // through the parametric law (Eq. 6, or Chinchilla's form at one sparsity)
  kSurface,  // through a budget's IsoFLOP surface, Eq. 8, over its data's range
  kRuns,     // measured runs
  kOther,    // anything else: a reference line, another fit, FLOP accounting
  // Approach 2: the minima of the 2-D IsoFLOP curves, one per budget (markers, their interval as
  // an error bar), and the power law fitted through them (a line): like a surface's, an account
  // of the runs independent of the law.
  kIsoflopCurves,
  // Runs proposed to train next (active design, `moescope train plan --next`), not measured: at
  // the loss the fit predicts for them. The explorer adds them to the figures it shows.
  kProposed,
  // Runs held out of the law's fit (--holdout, or a validation's held-out budget): markers drawn
  // hollow and named as held out in the legend.
  kHeldOut,
  // An optimum: a curve's minimum, or a budget's empirical optimum read from its runs (one marker
  // per point, drawn as a star), with its interval as an error bar where lo and hi are given.
  kOptimum,
  // A limit that is not data (Figure 4's cap on N, the data's range): a thin grey dotted line,
  // named in the legend for what it is.
  kBound,
};

// One line or one set of markers. x, y (and lo, hi when present) have equal lengths.
struct Series {
  std::string label;
  SeriesKind kind = SeriesKind::kOther;
  std::vector<double> x, y;
  // A band around y, from the bootstrap replicates; both empty when there is none. On markers
  // (Figure::points) an interval per point, drawn as an error bar.
  std::vector<double> lo, hi;
  // What the series is drawn at, for colouring: the sparsity level or the budget C.
  std::optional<double> sparsity;
  std::optional<double> budget;
  // Figure 2a's curves, markers and runs are drawn at one total parameter count N each, and
  // coloured by it (the budget and the sparsity are the same for all, or the x axis).
  std::optional<double> total_params;
  // A user-defined law's curve (law_collection.h): drawn dashed in that fit's colour (an index
  // into the view's palette of fits) rather than by sparsity or budget, and named once in the
  // legend however many curves the fit has.
  std::optional<int> fit_colour;
  // The legend's shared entry: series with the same key are named once, by a grey sample drawn as
  // they are (a star, a task's marker shape, a dashed line), rather than one entry each in their
  // colours: every curve's minimum, every budget's optima, Figure 5's tasks and their fits. A
  // figure sets it where a curve or a colour_key names the colours already. Empty: named by label.
  std::string key;
  // The legend's name for this series' colour, given once (a circle of the colour) for all series
  // that share it: Figure 5's sparsity levels, which its tasks share. Empty: none.
  std::string colour_key;
  // Markers drawn hollow: a value of the law marked beside the data's own (Figure 2a's S* of
  // Eq. 6 beside Eq. 8's), as its curve is dashed beside the surface's. (Held-out runs and
  // proposals are hollow by their kind.)
  bool hollow = false;
  // Per point, the id of the run a marker stands for (the CSV export names it); empty for curves.
  std::vector<std::string> run_ids;
  // The panel the series belongs to where the figure is drawn as panels, one per facet
  // (split_by_facet): Figure 5's task, as the paper's Figure 5 gives each task a panel. Empty:
  // in every panel.
  std::string facet;
};

struct Figure {
  FigureId id = FigureId::kLossVsSparsity;
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> curves;  // lines, through the law or a fit
  std::vector<Series> points;  // measured runs (or marked values), drawn as markers
  // Why the figure shows nothing, or not what its title promises, one paragraph for the reader
  // ("The data has one sparsity level, S = 0: ..."); drawn over the plot. Empty otherwise.
  std::string message;
  // The legend's key where a figure draws the data's own fits (surfaces or Approach 2, solid)
  // and the law's curves (dashed) together: what solid and dashed lines are.
  std::string solid_key = "Eq. 8 surface, 95 % band";
  std::string dashed_key = "Eq. 6 law";
  // Short text drawn in the plot's upper left corner, one line each (Figure 6's MSE and Huber).
  std::vector<std::string> annotations;
  // The axis ranges the figure asks for, in data units (spanning its runs rather than every
  // curve's reach); none: the view fits the axes to all series.
  std::optional<std::pair<double, double>> x_range, y_range;
  // Observed against predicted: equal ranges on both axes, drawn square.
  bool square = false;
  // What a panel of several shows after its letter, "(a) gcide-continuation": the facet a figure
  // of split_by_facet draws. Empty otherwise (the letter alone, as the paper's Figure 2).
  std::string caption;
};

// `figure` as one figure per facet of its series (Series::facet), in the order they first
// appear (points, then curves), each with the series of that facet and those of none, its facet
// as title and caption. A series keyed by its facet (Figure 5's task shape) loses that key: the
// caption names it. A figure without facets is returned as it is, alone.
std::vector<Figure> split_by_facet(const Figure& figure);

// A figure with no series (curves and points both empty) has nothing to draw: a view shows its
// message, and an export writes no file for it (Figure 5 without downstream metrics, 6b with
// nothing held out, the sparsity figures on dense data).
inline bool nothing_to_draw(const Figure& figure) {
  return figure.curves.empty() && figure.points.empty();
}

// Points per curve. Sparsity axes are spaced evenly in -ln(1 - S), as the optimum search is, so
// that 0.9 .. 0.98, where the paper's curves bend, gets as many points as the dense end; size
// axes are spaced evenly in log N.
inline constexpr int kCurvePoints = 48;

// Figure 2a draws at most this many sizes when it chooses them from the data.
inline constexpr std::size_t kMostSliceSizes = 4;
// ... and at most this many that a user chooses (ExplorerState::slice_total_params), so that its
// legend stays readable.
inline constexpr std::size_t kMostChosenSliceSizes = 8;
// A run is drawn on Figure 2a's curve at N when its own N lies within this factor of N.
inline constexpr double kNearSize = 1.1;
// Axis ranges that span runs (Figures 2b, 2c) reach this factor beyond them on a log axis, so
// that no marker sits on the frame.
inline constexpr double kRangeMargin = 1.25;

// Figures 2 and 4 read the IsoFLOP surfaces (Eq. 8), as the paper's do, with the law's curves
// (Eq. 6) beside them; a surface is "at" the state's budget when that falls in its budget
// (surface_at_budget: within the tolerance, or in the bin), and its curves (kind kSurface) come
// after the law's (kLaw), drawn over them:
//  - 2b, 2c: at a fitted budget, one curve per data sparsity through the surface, over the sizes
//    that sparsity's runs span at that budget (on the other axis than the fit's, placed at the
//    runs' other size, interpolated in log between them), with SurfaceFit::band as its band;
//    the law's curve per sparsity at the state's budget, and the runs (kRuns), as before.
//  - 2a: one curve per N of ExplorerModel::loss_vs_sparsity_sizes (the state's, or a few of the
//    data's), as the paper shows S* rising with N: the law's L(S) at that N (kLaw) and, at a
//    fitted budget with a surface over N whose runs reach that N, the surface's with its band
//    (kSurface); each with its S* as a kOptimum marker (the surface's with the replicates'
//    interval of the loss there); and the runs of that budget within kNearSize of that N (kRuns,
//    with run ids). Curves, markers and runs carry their N (Series::total_params).
//  - 2b, 2c: the law's curves with the replicates' band; each curve's minimum (the vertex through
//    its lowest drawn points; none where that is an end) as a kOptimum marker with the curve's
//    band there as its interval; the runs held out of the law's fit (ExplorerData::holdout) as
//    their own kHeldOut series beside the fitted ones (kRuns), both with run ids; x_range spans
//    the runs shown (a factor kRangeMargin either side) rather than the law's reach.
//  - 4: per surface over N, S*(N) over its data's sizes (optimal_sparsity), with the replicates'
//    interval of S* as its band (a point where a replicate search fails gets a band of no width
//    rather than the curve losing its band); the law's S*(N) per shown budget with the
//    replicates' interval of S* as its band, and at the slider's (without a band) unless that is
//    a shown budget (no curve twice); the largest sparsity searched and the state's cap on N as
//    kBound lines.
//  - 3a-c: beside the law's curves, each shown budget's empirical optima per sparsity
//    (kOptimum): Approach 2's minimum of that budget's IsoFLOP curve where one was fitted, with
//    its 95 % interval (N_a* read at the runs' N_a for that N*, as 2c places sizes), else the
//    run of lowest loss at that budget and sparsity (its run id). The slider's curve is left out
//    where the slider sits on a shown budget.
// Like Figure 3's, the bands come only with state.replicate_intervals. Titles say when a figure
// shows the law only ("...: Eq. 6 law only").
//
// Honest on data that cannot answer:
//  - Data of one sparsity level (dense data such as Chinchilla's): the sparsity figures (2a,
//    3a-c, 4) draw nothing and say why in Figure::message ("The data has one sparsity level,
//    S = 0: ..."); 2b and 2c show L against size per budget instead (the law's curve and the
//    runs of each of the budgets shown, shown_budgets), and the N*-vs-C and D*-vs-C figures show
//    the compute-optimal model at that level.
//  - A Chinchilla-form law (one sparsity level in the fit) is drawn only at its level and named
//    as such (law_name), never "Eq. 6"; where the figure needs the law across sparsity, its
//    curves are left out and the title says so.
//  - No law (refused): the law's curves are left out, the surfaces' and the runs' stay, and a
//    figure that is the law's alone (3a-c, 6) says why in its message.
//  - The slider's budget beyond the data's budgets by more than kExtrapolationFactor: the
//    slider's curves are labelled "extrapolated", and so are titles drawn at that budget.
//
// Figures N* vs C and D* vs C (kOptimalParamsVsBudget, kOptimalTokensVsBudget): per sparsity
// level, Approach 2's per-budget optima with their 95 % intervals (ExplorerData::isoflop_curves,
// kind kIsoflopCurves, markers) and their power law fitted through them
// (fit_optimal_size_power_law, fit_optimal_tokens_power_law; the exponent and its interval in
// the label), and the law's N*(C) (D*(C)) at that level (optimal_size, dashed) over the data's
// budgets and a factor kExtrapolationFactor either side, with the replicates' band.
//
// Figure 6 is two figures, its panels: the runs fitted (kLawFitVsHeldOut, kRuns) and those held
// out (kLawHeldOut, kHeldOut), observed against the law's prediction, each with run ids, the
// line y = x (kOther), square axes over one range that spans the points of both panels, and
// annotations "n = ...", "MSE = ...", "Huber (δ = ...) = ..." as measure_errors computes them
// on that panel's points. A panel without points (nothing held out) has no series.
// Figure 7 sweeps the model family's widths at its real depth (d_model over its aspect ratio,
// not rounded to whole layers): the ratio is smooth in N, as the paper draws it.
//
// The figure at this state, computed from scratch. ExplorerModel gives the same figures faster
// by keeping what does not depend on the budget.
Figure figure(FigureId id, const ExplorerData& data, const ExplorerState& state);

// The budgets drawn one curve each (Figures 2b/2c on data of one sparsity level, 3 and 4): every
// data budget where there are at most kMostShownBudgets; else the span of log C from the
// smallest to the largest budget is cut into that many equal parts and each part that holds a
// budget shows its budget with the most runs (the smallest of those tied). Data whose C varies
// continuously (Chinchilla's, read off a plot) has a hundred budgets of one to nine runs around
// a few nominal ones: this finds those, and a figure of a hundred curves would say nothing.
// `runs_per_budget` has one count per data budget, which are increasing.
inline constexpr std::size_t kMostShownBudgets = 8;
std::vector<double> shown_budgets(const std::vector<double>& data_budgets,
                                  const std::vector<std::size_t>& runs_per_budget);

}  // namespace moescope

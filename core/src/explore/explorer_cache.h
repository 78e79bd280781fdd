#pragma once

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/model/sparsity_law.h"

namespace moescope {

// Sparsities 0 .. max_sparsity, evenly spaced in -ln(1 - S); the last is max_sparsity exactly.
std::vector<double> sparsity_axis(double max_sparsity, int points);
// Evenly spaced in log between lo and hi, both included.
std::vector<double> log_axis(double lo, double hi, int points);

struct SizeRange {
  double lo = 1e7, hi = 1e11;
};

// N*, N_a*, L* against S at one budget (Figure 3), as optimal_size finds them (to about 1e-7
// relative, from a coarse grid over its range of N refined by Brent's method, at a third of the
// cost); sparsities where the law has no interior optimum are left out. The bands are empty
// without replicates.
struct OptimalSizeCurve {
  double budget = 0;
  std::vector<double> sparsity, total, active, loss;
  std::vector<double> total_lo, total_hi, active_lo, active_hi, loss_lo, loss_hi;
};
OptimalSizeCurve optimal_size_curve(const SparsityLaw& law,
                                    const std::vector<SparsityLaw>& replicates, double budget,
                                    double max_sparsity);

// N*, D* against the budget at one sparsity (the N*-vs-C and D*-vs-C figures), as
// optimal_size_curve finds them, at each of `budgets`; budgets where the law has no interior
// optimum are left out. The bands are empty without replicates.
struct BudgetOptimaCurve {
  double sparsity = 0;
  std::vector<double> budget, total, tokens;
  std::vector<double> total_lo, total_hi, tokens_lo, tokens_hi;
};
BudgetOptimaCurve optimal_size_over_budgets(const SparsityLaw& law,
                                            const std::vector<SparsityLaw>& replicates,
                                            double sparsity, const std::vector<double>& budgets);

// L(N, D = budget / (6 N_a), S), with N_a from `model`.
double loss_at_budget(const SparsityLaw& law, double budget, double total, double sparsity,
                      const ActiveParameterModel& model);
// That loss at each of `sparsities`, at fixed N.
std::vector<double> losses_over_sparsity(const SparsityLaw& law, double budget, double total,
                                         const std::vector<double>& sparsities,
                                         const ActiveParameterModel& model);

// S* at fixed N (Eq. 4), as optimal_sparsity finds it, from `losses` already known at `sparsities`
// (a sparsity_axis): the lowest of them brackets S*, and Brent's method refines it to about 1e-8
// in -ln(1 - S) in a dozen loss evaluations. optimal_sparsity makes about a hundred, each with the
// law's derivatives, because it scans the range on a grid of its own and bisects on the slope to
// 1e-10; for a redraw the grid is there already. Throws std::invalid_argument unless there are 2+
// sparsities and a loss for each.
LawSparsityOptimum refine_optimal_sparsity(const SparsityLaw& law, double budget, double total,
                                           const ActiveParameterModel& model,
                                           const std::vector<double>& sparsities,
                                           const std::vector<double>& losses);

// S* against N at one budget (Figure 4), at `totals` and, where S* changes fast, between them;
// with the central 95 % of the replicates' S* at each N as its band (empty without replicates).
struct OptimalSparsityCurve {
  double budget = 0;
  std::vector<double> total, sparsity;
  std::vector<double> sparsity_lo, sparsity_hi;
};
OptimalSparsityCurve optimal_sparsity_curve(const SparsityLaw& law,
                                            const std::vector<SparsityLaw>& replicates,
                                            double budget, const std::vector<double>& totals,
                                            double max_sparsity);

// What ExplorerModel keeps between calls: facts about the runs, and the curves and figures that no
// budget move changes.
struct ExplorerCache {
  // The data's budgets as ExplorerData::binning groups them (members: indices into
  // ExplorerData::runs), and their budgets alone; increasing.
  std::vector<BudgetBin> data_budget_bins;
  std::vector<double> data_budgets;
  std::vector<double> data_sparsities;  // increasing, distinct
  SizeRange total_range, active_range;  // of the finished runs
  // The budgets drawn one curve each (shown_budgets(data_budgets)).
  std::vector<double> shown_budgets;
  // Per run of ExplorerData::runs, whether it was held out of the law's fit
  // (ExplorerData::holdout, which is per scaling point); empty when nothing was held out.
  std::vector<bool> held_out_runs;
  // The law as Eq. 6 (FittedLaw::as_sparsity_law: a Chinchilla-form law has c = d = 0), and its
  // replicates; nullopt without a law.
  std::optional<SparsityLaw> law;
  std::vector<SparsityLaw> replicates;

  // By max_sparsity, one per data budget.
  std::map<double, std::vector<OptimalSizeCurve>> data_size_curves;
  std::map<double, std::vector<OptimalSparsityCurve>> data_sparsity_curves;
  // The current budget's curves, shared by Figures 3a-c; keyed by (budget, max_sparsity, bands).
  struct SizeCurveKey {
    double budget = 0, max_sparsity = 0;
    bool bands = false;
    bool operator==(const SizeCurveKey&) const = default;
  };
  std::optional<SizeCurveKey> current_size_key;
  OptimalSizeCurve current_size_curve;

  std::optional<Figure> downstream, law_fit, law_held_out, flop_ratio;
  // The N*-vs-C and D*-vs-C figures, without and with their bands.
  std::optional<Figure> params_vs_budget[2], tokens_vs_budget[2];

  // What the surfaces give, which depends on no slider but the budget's choice of surface.
  // The 3-D grid of a surface, by (surface, axis asked for, steps, max_sparsity).
  struct SurfaceGridKey {
    std::size_t surface = 0;
    SizeAxis axis = SizeAxis::kTotal;
    int size_steps = 0, sparsity_steps = 0;
    double max_sparsity = 0;
    auto operator<=>(const SurfaceGridKey&) const = default;
  };
  std::map<SurfaceGridKey, SurfaceGrid> surface_grids;
  // Figures 2b and 2c's surface curves (with their bands), by (surface, the figure's axis).
  std::map<std::pair<std::size_t, SizeAxis>, std::vector<Series>> surface_slices;
  // Figure 4's surface curves (with their bands), by max_sparsity: one per surface over N.
  std::map<double, std::vector<Series>> surface_sparsity_curves;
};

ExplorerCache make_cache(const ExplorerData& data);

// The data budget `budget` falls in (binning.same_budget: within its tolerance, or in its bin),
// if any; the nearest where several do.
std::optional<std::size_t> data_budget_index(const ExplorerCache& cache,
                                             const BudgetBinning& binning, double budget);
std::optional<double> nearest_data_budget(const ExplorerCache& cache, const BudgetBinning& binning,
                                          double budget);
// Whether a finished run with a loss was trained at `data_budget` (in the same budget, as
// data.binning says).
bool run_at_budget(const ExplorerData& data, const Run& run, double data_budget);
// Whether a finished run with a loss is one of `fit`'s: at its budget, or without C where the
// surface has no budget (data at one token count, such as routed-LM results).
bool run_of_surface(const ExplorerData& data, const Run& run, const SurfaceFit& fit);

// ---- Shared by the figures and the 3-D view ----
const ActiveParameterModel& family();
// "S = 0.5", "C = 1e20".
std::string sparsity_label(double sparsity);
std::string budget_label(double budget);
// At most one sparsity level among the runs: no view across sparsity has anything to draw.
bool one_sparsity_level(const ExplorerCache& cache);
// "The data has one sparsity level, S = 0: " + `what`; where the cache has no level at all,
// "The data has no runs with a sparsity: " + `what`.
std::string one_level_message(const ExplorerCache& cache, const std::string& what);
// Whether the law speaks of sparsity at all (Eq. 6), and whether it describes `sparsity` (Eq. 6,
// or a Chinchilla-form law fitted to that level, or one that ignores S).
bool law_over_sparsity(const ExplorerData& data);
bool law_at_sparsity(const ExplorerData& data, double sparsity);
// ", extrapolated (C beyond the data's budgets 1e18 .. 1e21)" where `budget` lies more than
// kExtrapolationFactor beyond the data's range of C; empty otherwise or where it is unknown.
std::string budget_extrapolation_note(const ExplorerData& data, double budget);

// A figure with its titles and axes, and nothing drawn yet.
Figure make_figure(FigureId id, std::string title, std::string x_label, std::string y_label,
                   bool log_x, bool log_y);
// Adds a curve, without its band while a slider is held (!state.replicate_intervals).
void add_curve(Figure& figure, const Series& curve, const ExplorerState& state);
// What a curve label ends with: read off an IsoFLOP surface (Eq. 8) or off the law (Eq. 6).
inline constexpr const char* kSurfaceTag = ", Eq. 8";
inline constexpr const char* kLawTag = ", Eq. 6";
// Curves of Figures 2b, 2c and 4 reach half a decade beyond the runs' sizes, so the law's shape
// around the data shows, not only between its ends.
inline constexpr double kSizeMargin = 3.16;
// What a figure that reads the law across sparsity says where the law cannot: refused, or of
// Chinchilla's form (one sparsity level).
std::string no_sparsity_law(const ExplorerData& data);
// Figure 4 through a surface over N: S*(N) over its data's sizes, with the replicates' interval
// of S* as its band (figures.cpp).
Series surface_sparsity_curve(const SurfaceFit& fit, double max_sparsity);
// A copy of `fit` searched over sparsities up to `max_sparsity` at most; without its replicates
// (and so without intervals) unless `with_replicates`.
SurfaceFit capped(const SurfaceFit& fit, double max_sparsity, bool with_replicates);
// Figure 2a and the sizes it draws at (sparsity_slice_figure.cpp; ExplorerModel says which).
std::vector<double> loss_vs_sparsity_sizes(const ExplorerData& data, const ExplorerCache& cache,
                                           const ExplorerState& state);
Figure loss_vs_sparsity(const ExplorerData& data, const ExplorerCache& cache,
                        const ExplorerState& state);
// Figures 3a-c and 4 (optima_figures.cpp).
Figure optimal_vs_sparsity(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                           const ExplorerState& state);
Figure optimal_sparsity_vs_size(const ExplorerData& data, ExplorerCache& cache,
                                const ExplorerState& state);
// Figures 5, 6 and 7, which no slider moves (data_figures.cpp).
Figure downstream_vs_upstream(const ExplorerData& data);
// Figure 6's panels: the runs fitted (6a, kLawFitVsHeldOut) or those held out (6b, kLawHeldOut),
// observed against predicted on square axes shared by both panels.
Figure law_fit_panel(const ExplorerData& data, bool held_out);
Figure flop_ratio();
// The N*-vs-C and D*-vs-C figures (budget_figures.cpp).
Figure optimal_vs_budget(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                         const ExplorerState& state);

// The work of ExplorerModel's methods, on its cache.
Figure build_figure(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                    const ExplorerState& state);
SurfaceGrid build_surface_grid(const ExplorerData& data, ExplorerCache& cache,
                               const ExplorerState& state, SizeAxis axis, int size_steps,
                               int sparsity_steps);

}  // namespace moescope

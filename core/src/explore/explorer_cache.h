#pragma once

#include <map>
#include <optional>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/sparsity_law.h"

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

// S* against N at one budget (Figure 4), at `totals` and, where S* changes fast, between them.
struct OptimalSparsityCurve {
  double budget = 0;
  std::vector<double> total, sparsity;
};
OptimalSparsityCurve optimal_sparsity_curve(const SparsityLaw& law, double budget,
                                            const std::vector<double>& totals, double max_sparsity);

// What ExplorerModel keeps between calls: facts about the runs, and the curves and figures that no
// budget move changes.
struct ExplorerCache {
  std::vector<double> data_budgets;     // increasing
  std::vector<double> data_sparsities;  // increasing, distinct
  SizeRange total_range, active_range;  // of the finished runs
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

  std::optional<Figure> downstream, law_fit, flop_ratio;
};

ExplorerCache make_cache(const ExplorerData& data);

// The data budget within 2 % of `budget`, if any (the nearest one).
std::optional<double> nearest_data_budget(const ExplorerCache& cache, double budget);
// Whether a finished run with a loss was trained at `data_budget` (within 2 %).
bool run_at_budget(const Run& run, double data_budget);

// The work of ExplorerModel's methods, on its cache.
Figure build_figure(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                    const ExplorerState& state);
SurfaceGrid build_surface_grid(const ExplorerData& data, const ExplorerCache& cache,
                               const ExplorerState& state, SizeAxis axis, int size_steps,
                               int sparsity_steps);

}  // namespace moescope

#pragma once

#include <map>
#include <optional>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/sparsity_law.h"

namespace moescope {

// Sparsities 0 .. max_sparsity, evenly spaced in -ln(1 - S); the last is max_sparsity exactly.
std::vector<double> sparsity_axis(double max_sparsity, int points);
// Evenly spaced in log between lo and hi, both included.
std::vector<double> log_axis(double lo, double hi, int points);

struct SizeRange {
  double lo = 1e7, hi = 1e11;
};

// N*, N_a*, L* against S at one budget (Figure 3); sparsities where the law has no interior
// optimum are left out. The bands are empty without replicates.
struct OptimalSizeCurve {
  double budget = 0;
  std::vector<double> sparsity, total, active, loss;
  std::vector<double> total_lo, total_hi, active_lo, active_hi, loss_lo, loss_hi;
};
OptimalSizeCurve optimal_size_curve(const SparsityLaw& law,
                                    const std::vector<SparsityLaw>& replicates, double budget,
                                    double max_sparsity);

// S* against N at one budget (Figure 4).
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

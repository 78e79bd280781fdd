// Figures 3a-c (the optimum's N*, N_a* and L* against sparsity) and 4 (S* against N).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "explorer_cache.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

const std::vector<OptimalSizeCurve>& data_size_curves(ExplorerCache& cache, double max_sparsity) {
  auto found = cache.data_size_curves.find(max_sparsity);
  if (found == cache.data_size_curves.end()) {
    std::vector<OptimalSizeCurve> curves;
    for (const double budget : cache.shown_budgets)
      curves.push_back(optimal_size_curve(*cache.law, cache.replicates, budget, max_sparsity));
    found = cache.data_size_curves.emplace(max_sparsity, std::move(curves)).first;
  }
  return found->second;
}

const OptimalSizeCurve& current_size_curve(ExplorerCache& cache, const ExplorerState& state) {
  const ExplorerCache::SizeCurveKey key{state.budget, state.max_sparsity,
                                        state.replicate_intervals};
  if (cache.current_size_key != key) {
    cache.current_size_curve = optimal_size_curve(
        *cache.law, state.replicate_intervals ? cache.replicates : std::vector<SparsityLaw>{},
        state.budget, state.max_sparsity);
    cache.current_size_key = key;
  }
  return cache.current_size_curve;
}

// The slider's curve: dashed, and named as extrapolated where it is.
std::string slider_label(const ExplorerData& data, double budget, const char* tag = "") {
  return budget_label(budget) + tag +
         (budget_extrapolation_note(data, budget).empty() ? "" : " extrapolated") + " (slider)";
}

}  // namespace

Figure optimal_vs_sparsity(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                           const ExplorerState& state) {
  using Values = std::vector<double> OptimalSizeCurve::*;
  struct Choice {
    const char* title;
    std::string y_label;
    bool log_y;
    Values y, lo, hi;
  };
  const Choice choice =
      id == FigureId::kOptimalParamsVsSparsity   ? Choice{"Optimal total parameters vs sparsity",
                                                        "Optimal total parameters N*",
                                                        true,
                                                        &OptimalSizeCurve::total,
                                                        &OptimalSizeCurve::total_lo,
                                                        &OptimalSizeCurve::total_hi}
      : id == FigureId::kOptimalActiveVsSparsity ? Choice{"Optimal active parameters vs sparsity",
                                                          "Optimal active parameters N_a*",
                                                          true,
                                                          &OptimalSizeCurve::active,
                                                          &OptimalSizeCurve::active_lo,
                                                          &OptimalSizeCurve::active_hi}
                                                 : Choice{"Optimal loss vs sparsity",
                                                          loss_label(data, "Optimal loss L*"),
                                                          false,
                                                          &OptimalSizeCurve::loss,
                                                          &OptimalSizeCurve::loss_lo,
                                                          &OptimalSizeCurve::loss_hi};
  Figure figure = make_figure(id, choice.title, "Sparsity S", choice.y_label, false, choice.log_y);
  if (one_sparsity_level(cache)) {
    figure.message = one_level_message(
        cache,
        "the compute-optimal model against sparsity needs runs at several sparsities, so this "
        "view is empty. The compute-optimal size against the budget at that level is in "
        "'N* vs C' and 'D* vs C'.");
    return figure;
  }
  if (!law_over_sparsity(data)) {
    figure.message = "Nothing to draw: these curves are read off the law across sparsity, and " +
                     no_sparsity_law(data) + ".";
    return figure;
  }
  figure.title += ", Eq. 6 law";
  auto add = [&](const OptimalSizeCurve& curve, std::string label) {
    Series series;
    series.label = std::move(label);
    series.kind = SeriesKind::kLaw;
    series.budget = curve.budget;
    series.x = curve.sparsity;
    series.y = curve.*choice.y;
    // The data budgets' bands are at hand, but bands are intervals: like the read-out's, they
    // are shown once the slider settles, not while it moves.
    if (state.replicate_intervals) {
      series.lo = curve.*choice.lo;
      series.hi = curve.*choice.hi;
    }
    figure.curves.push_back(std::move(series));
  };
  for (const OptimalSizeCurve& curve : data_size_curves(cache, state.max_sparsity))
    add(curve, budget_label(curve.budget));
  add(current_size_curve(cache, state), slider_label(data, state.budget));
  return figure;
}

Figure optimal_sparsity_vs_size(const ExplorerData& data, ExplorerCache& cache,
                                const ExplorerState& state) {
  Figure figure =
      make_figure(FigureId::kOptimalSparsityVsParams, "Optimal sparsity vs total parameters",
                  "Total parameters N", "Optimal sparsity S*", true, false);
  if (one_sparsity_level(cache)) {
    figure.message = one_level_message(
        cache,
        "the optimal sparsity needs runs at several sparsities, so this view is empty and no "
        "sparsity is recommended.");
    return figure;
  }
  const std::vector<double> totals = log_axis(cache.total_range.lo / kSizeMargin,
                                              cache.total_range.hi * kSizeMargin, kCurvePoints);
  auto add = [&](const OptimalSparsityCurve& curve, std::string label) {
    Series series;
    series.label = std::move(label);
    series.kind = SeriesKind::kLaw;
    series.budget = curve.budget;
    series.x = curve.total;
    series.y = curve.sparsity;
    figure.curves.push_back(std::move(series));
  };
  const bool with_law = law_over_sparsity(data);
  if (with_law) {
    auto found = cache.data_sparsity_curves.find(state.max_sparsity);
    if (found == cache.data_sparsity_curves.end()) {
      std::vector<OptimalSparsityCurve> curves;
      for (const double budget : cache.shown_budgets)
        curves.push_back(optimal_sparsity_curve(*cache.law, budget, totals, state.max_sparsity));
      found = cache.data_sparsity_curves.emplace(state.max_sparsity, std::move(curves)).first;
    }
    for (const OptimalSparsityCurve& curve : found->second)
      add(curve, budget_label(curve.budget) + kLawTag);
    add(optimal_sparsity_curve(*cache.law, state.budget, totals, state.max_sparsity),
        slider_label(data, state.budget, kLawTag));
  }

  // The surfaces' S*(N), drawn over the law's. A surface fitted over N_a says S*(N_a), which is
  // not this figure's.
  auto surfaces = cache.surface_sparsity_curves.find(state.max_sparsity);
  if (surfaces == cache.surface_sparsity_curves.end()) {
    std::vector<Series> curves;
    for (const SurfaceFit& fit : data.surfaces) {
      if (fit.axis == SizeAxis::kTotal && !fit.single_sparsity_level())
        curves.push_back(surface_sparsity_curve(fit, state.max_sparsity));
    }
    surfaces = cache.surface_sparsity_curves.emplace(state.max_sparsity, std::move(curves)).first;
  }
  for (const Series& curve : surfaces->second)
    add_curve(figure, curve, state);
  const bool over_active =
      std::any_of(data.surfaces.begin(), data.surfaces.end(),
                  [](const SurfaceFit& fit) { return fit.axis == SizeAxis::kActive; });
  if (!surfaces->second.empty()) {
    figure.title += with_law ? ": Eq. 8 surfaces and Eq. 6 law"
                             : ": Eq. 8 surfaces only (" + no_sparsity_law(data) + ")";
  } else if (with_law) {
    figure.title += over_active ? ": Eq. 6 law only (surfaces over N_a)" : ": Eq. 6 law only";
  } else {
    figure.message = "Nothing to draw: " + no_sparsity_law(data) +
                     (over_active ? ", and the surfaces are over N_a" : ", and no Eq. 8 surface") +
                     ".";
  }
  return figure;
}

}  // namespace moescope

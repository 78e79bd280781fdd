// Figures 3a-c (the optimum's N*, N_a* and L* against sparsity) and 4 (S* against N).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "explorer_cache.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_curves.h"
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

// Whether the slider sits on a budget that has its curve already: its own would be that curve
// again.
bool slider_on_shown_budget(const ExplorerData& data, const ExplorerCache& cache, double budget) {
  const std::optional<double> data_budget = nearest_data_budget(cache, data.binning, budget);
  return data_budget && std::find(cache.shown_budgets.begin(), cache.shown_budgets.end(),
                                  *data_budget) != cache.shown_budgets.end();
}

constexpr double kSameSparsity = 1e-6;

// A budget's empirical optimum at one sparsity, read from its runs rather than the law.
struct EmpiricalOptimum {
  double sparsity = 0, total = 0, loss = 0;
  std::optional<double> active;
  std::optional<Interval> total_interval, active_interval, loss_interval;
  std::string run_id;  // the run of lowest loss; empty for Approach 2's minimum
};

// The runs' N_a at `total` for one budget and sparsity: piecewise linear in (ln N, ln N_a) through
// their runs, as Figure 2c places sizes (which N_a an N has is the runs' architecture).
std::optional<double> runs_active_at(const ExplorerData& data, double budget, double sparsity,
                                     double total) {
  std::vector<std::pair<double, double>> sizes;
  for (const Run& run : data.runs) {
    if (run_at_budget(data, run, budget) && run.sparsity &&
        std::abs(*run.sparsity - sparsity) <= kSameSparsity && run.total_params &&
        run.active_params && *run.total_params > 0 && *run.active_params > 0)
      sizes.emplace_back(std::log(*run.total_params), std::log(*run.active_params));
  }
  if (sizes.empty())
    return std::nullopt;
  std::sort(sizes.begin(), sizes.end());
  const double log_total = std::log(total);
  if (log_total <= sizes.front().first)
    return std::exp(sizes.front().second);
  for (std::size_t i = 1; i < sizes.size(); ++i) {
    if (log_total <= sizes[i].first) {
      const double fraction =
          (log_total - sizes[i - 1].first) / (sizes[i].first - sizes[i - 1].first);
      return std::exp(sizes[i - 1].second + fraction * (sizes[i].second - sizes[i - 1].second));
    }
  }
  return std::exp(sizes.back().second);
}

// Per data sparsity, `budget`'s optimum: Approach 2's minimum of its IsoFLOP curve over N where
// one was fitted (with its 95 % intervals), else the run of lowest loss.
std::vector<EmpiricalOptimum> empirical_optima(const ExplorerData& data, const ExplorerCache& cache,
                                               double budget) {
  std::vector<EmpiricalOptimum> optima;
  for (const double sparsity : cache.data_sparsities) {
    const IsoFlopCurve* curve = nullptr;
    if (data.isoflop_curves) {
      for (const IsoFlopCurve& candidate : data.isoflop_curves->curves) {
        if (candidate.axis == SizeAxis::kTotal && candidate.budget &&
            data.binning.same_budget(*candidate.budget, budget) &&
            std::abs(candidate.sparsity - sparsity) <= kSameSparsity)
          curve = &candidate;
      }
    }
    EmpiricalOptimum best;
    best.sparsity = sparsity;
    if (curve) {
      best.total = curve->optimal_size;
      best.loss = curve->optimal_loss;
      best.active = runs_active_at(data, budget, sparsity, best.total);
      best.total_interval = curve->size_interval;
      best.loss_interval = curve->loss_interval;
      if (curve->size_interval && best.active) {
        best.active_interval =
            Interval{*runs_active_at(data, budget, sparsity, curve->size_interval->lo),
                     *runs_active_at(data, budget, sparsity, curve->size_interval->hi)};
        if (best.active_interval->lo > best.active_interval->hi)
          std::swap(best.active_interval->lo, best.active_interval->hi);
      }
      optima.push_back(best);
      continue;
    }
    const Run* lowest = nullptr;
    for (const Run& run : data.runs) {
      if (run_at_budget(data, run, budget) && run.sparsity && run.total_params &&
          std::abs(*run.sparsity - sparsity) <= kSameSparsity &&
          (!lowest || *run.loss < *lowest->loss))
        lowest = &run;
    }
    if (!lowest)
      continue;
    best.total = *lowest->total_params;
    best.active = lowest->active_params;
    best.loss = *lowest->loss;
    best.run_id = lowest->id;
    optima.push_back(best);
  }
  return optima;
}

// Where a budget's optima come from: Approach 2's minima, the lowest-loss runs, or both.
std::string optima_source(bool approach_2, bool lowest_run) {
  return approach_2 && lowest_run ? "Approach 2 or the lowest-loss run"
         : approach_2             ? "Approach 2"
                                  : "lowest-loss run";
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
  if (!slider_on_shown_budget(data, cache, state.budget))
    add(current_size_curve(cache, state), slider_label(data, state.budget));

  // Beside each budget's curve, its optima read from its runs.
  const bool active = id == FigureId::kOptimalActiveVsSparsity;
  for (const double budget : cache.shown_budgets) {
    Series markers;
    markers.kind = SeriesKind::kOptimum;
    markers.budget = budget;
    bool approach_2 = false, lowest_run = false;
    for (const EmpiricalOptimum& best : empirical_optima(data, cache, budget)) {
      const double value = id == FigureId::kOptimalParamsVsSparsity ? best.total
                           : active                                 ? best.active.value_or(NAN)
                                                                    : best.loss;
      if (!std::isfinite(value))
        continue;  // a run without N_a has no place on 3b
      const std::optional<Interval>& interval = id == FigureId::kOptimalParamsVsSparsity
                                                    ? best.total_interval
                                                : active ? best.active_interval
                                                         : best.loss_interval;
      markers.x.push_back(best.sparsity);
      markers.y.push_back(value);
      // A point without an interval gets a bar of no length, so every point has one.
      markers.lo.push_back(interval ? interval->lo : value);
      markers.hi.push_back(interval ? interval->hi : value);
      markers.run_ids.push_back(best.run_id);
      (best.run_id.empty() ? approach_2 : lowest_run) = true;
    }
    if (markers.x.empty())
      continue;
    if (!lowest_run)
      markers.run_ids.clear();
    markers.label = budget_label(budget) + ": optima, " + optima_source(approach_2, lowest_run);
    // Named once for every budget, whatever each budget's optima come from (its label says).
    markers.key = "empirical optima";
    figure.points.push_back(std::move(markers));
  }
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
    // The data budgets' bands are at hand, but shown once the slider settles, as Figure 3's.
    if (state.replicate_intervals) {
      series.lo = curve.sparsity_lo;
      series.hi = curve.sparsity_hi;
    }
    figure.curves.push_back(std::move(series));
  };
  const bool with_law = law_over_sparsity(data);
  if (with_law) {
    auto found = cache.data_sparsity_curves.find(state.max_sparsity);
    if (found == cache.data_sparsity_curves.end()) {
      std::vector<OptimalSparsityCurve> curves;
      for (const double budget : cache.shown_budgets)
        curves.push_back(optimal_sparsity_curve(*cache.law, cache.replicates, budget, totals,
                                                state.max_sparsity));
      found = cache.data_sparsity_curves.emplace(state.max_sparsity, std::move(curves)).first;
    }
    for (const OptimalSparsityCurve& curve : found->second)
      add(curve, budget_label(curve.budget) + kLawTag);
    // The slider's curve without a band: a replicate's S* at every N of it would cost a settled
    // redraw some 50 ms (explorer_model_benchmark), three times all the other figures; the data
    // budgets' bands, computed once, stay.
    if (!slider_on_shown_budget(data, cache, state.budget)) {
      add(optimal_sparsity_curve(*cache.law, {}, state.budget, totals, state.max_sparsity),
          slider_label(data, state.budget, kLawTag));
    }
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
    return figure;
  }
  // The limits the curves run into, which are the search's, not the data's.
  Series ceiling;
  ceiling.label = sparsity_label(state.max_sparsity) +
                  ": the largest sparsity searched (S* on it is at the bound)";
  ceiling.kind = SeriesKind::kBound;
  ceiling.x = {totals.front(), totals.back()};
  ceiling.y = {state.max_sparsity, state.max_sparsity};
  figure.curves.push_back(std::move(ceiling));
  if (state.max_total_params) {
    Series cap;
    cap.label = "N = " + format_brief(*state.max_total_params) + ": the cap on N (memory bound)";
    cap.kind = SeriesKind::kBound;
    cap.x = {*state.max_total_params, *state.max_total_params};
    cap.y = {0.0, state.max_sparsity};
    figure.curves.push_back(std::move(cap));
  }
  return figure;
}

}  // namespace moescope

// Figure 2a: the loss against sparsity at a few fixed N at one budget, through the law and the
// budget's IsoFLOP surface, each curve with its S*: the paper's way of showing S* rising with N.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "explorer_cache.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

// Sizes closer than this factor are one size (runs of one architecture at several sparsities
// differ in N by rounding only).
constexpr double kSameSize = 1.001;

std::string size_label(double total) {
  return "N = " + format_brief(total);
}

// The runs of `data_budget` whose N lies within kNearSize of `total`: loss against sparsity.
Series runs_near(const ExplorerData& data, double data_budget, double total) {
  Series runs;
  runs.label = "runs at N \u2248 " + format_brief(total);
  runs.kind = SeriesKind::kRuns;
  runs.budget = data_budget;
  runs.total_params = total;
  for (const Run& run : data.runs) {
    if (!run_at_budget(data, run, data_budget) || !run.sparsity || !run.total_params ||
        !(*run.total_params > 0) ||
        std::abs(std::log(*run.total_params / total)) > std::log(kNearSize))
      continue;
    runs.x.push_back(*run.sparsity);
    runs.y.push_back(*run.loss);
    runs.run_ids.push_back(run.id);
  }
  return runs;
}

// Named once in the legend by `key` ("S* (Eq. 6)"), its size by its colour.
Series optimum_marker(const std::string& key, double total, double sparsity, double loss) {
  Series marker;
  marker.label = size_label(total) + ", " + key;
  marker.key = key;
  marker.kind = SeriesKind::kOptimum;
  marker.total_params = total;
  marker.x = {sparsity};
  marker.y = {loss};
  return marker;
}

}  // namespace

std::vector<double> loss_vs_sparsity_sizes(const ExplorerData& data, const ExplorerCache& cache,
                                           const ExplorerState& state) {
  if (!state.slice_total_params.empty())
    return state.slice_total_params;
  const std::optional<double> budget = nearest_data_budget(cache, data.binning, state.budget);
  std::vector<double> sizes;
  for (const Run& run : data.runs) {
    const bool counted = budget ? run_at_budget(data, run, *budget)
                                : run.status == RunStatus::kDone && run.loss.has_value();
    if (counted && run.total_params && std::isfinite(*run.total_params) && *run.total_params > 0)
      sizes.push_back(*run.total_params);
  }
  std::sort(sizes.begin(), sizes.end());
  std::vector<double> distinct;
  for (const double size : sizes) {
    if (distinct.empty() || size > distinct.back() * kSameSize)
      distinct.push_back(size);
  }
  if (distinct.size() <= kMostSliceSizes)
    return distinct;
  // The ends, and between them the sizes nearest to even steps in log N.
  const double lo = std::log(distinct.front()), hi = std::log(distinct.back());
  std::vector<double> chosen;
  for (std::size_t k = 0; k < kMostSliceSizes; ++k) {
    const double target =
        lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(kMostSliceSizes - 1);
    const auto nearest =
        std::min_element(distinct.begin(), distinct.end(), [&](double a, double b) {
          return std::abs(std::log(a) - target) < std::abs(std::log(b) - target);
        });
    if (std::find(chosen.begin(), chosen.end(), *nearest) == chosen.end())
      chosen.push_back(*nearest);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

Figure loss_vs_sparsity(const ExplorerData& data, const ExplorerCache& cache,
                        const ExplorerState& state) {
  const std::vector<double> totals = loss_vs_sparsity_sizes(data, cache, state);
  Figure figure = make_figure(FigureId::kLossVsSparsity,
                              "Loss vs sparsity at fixed N, " + budget_label(state.budget) +
                                  budget_extrapolation_note(data, state.budget),
                              "Sparsity S", loss_label(data, "Loss L"), false, false);
  figure.dashed_key = law_name(data);
  if (one_sparsity_level(cache)) {
    figure.message = one_level_message(
        cache,
        "loss against sparsity needs runs at several sparsities, so this view is empty. "
        "Loss against size per budget is in 2b, the compute-optimal size against the budget in "
        "'N* vs C'.");
    return figure;
  }
  if (totals.empty()) {
    figure.message = "Nothing to draw: no run has a total parameter count N to fix.";
    return figure;
  }
  const bool with_law = law_over_sparsity(data);
  // The budget's surface, where it was fitted over N across sparsity.
  const std::optional<std::size_t> index = surface_at_budget(data, state.budget);
  const SurfaceFit* fit = index ? &data.surfaces[*index] : nullptr;
  std::string no_surface = fit ? "" : ", no Eq. 8 surface at this budget";
  if (fit && fit->axis != SizeAxis::kTotal) {
    no_surface = " (surface over N_a)";
    fit = nullptr;
  } else if (fit && fit->single_sparsity_level()) {
    no_surface = " (this budget's runs have one sparsity level)";
    fit = nullptr;
  }
  const bool bands = fit && state.replicate_intervals && !fit->replicates.empty();
  const std::optional<SurfaceFit> searched =
      fit ? std::optional(capped(*fit, state.max_sparsity, bands)) : std::nullopt;
  const std::optional<double> data_budget = nearest_data_budget(cache, data.binning, state.budget);
  bool any_surface = false;
  for (const double total : totals) {
    if (with_law) {
      Series curve;
      curve.label = size_label(total) + kLawTag;
      curve.kind = SeriesKind::kLaw;
      curve.budget = state.budget;
      curve.total_params = total;
      curve.x = sparsity_axis(state.max_sparsity, kCurvePoints);
      curve.y = losses_over_sparsity(*cache.law, state.budget, total, curve.x, family());
      const LawSparsityOptimum best =
          optimal_sparsity(*cache.law, state.budget, total, family(), state.max_sparsity);
      figure.curves.push_back(std::move(curve));
      Series marker = optimum_marker("S* (Eq. 6)", total, best.sparsity, best.loss);
      marker.hollow = true;  // the law's, beside the surface's filled star
      figure.points.push_back(std::move(marker));
    }
    // The surface's slice, where its runs reach this N.
    const double log_total = std::log(total);
    if (searched && log_total >= fit->log_size_min && log_total <= fit->log_size_max) {
      Series slice;
      slice.label = size_label(total) + kSurfaceTag;
      slice.kind = SeriesKind::kSurface;
      slice.budget = fit->budget;
      slice.total_params = total;
      for (const double sparsity : sparsity_axis(searched->sparsity_max, kCurvePoints)) {
        slice.x.push_back(sparsity);
        slice.y.push_back(fit->loss(total, sparsity));
        if (bands) {
          const Interval band = fit->band(total, sparsity);
          slice.lo.push_back(band.lo);
          slice.hi.push_back(band.hi);
        }
      }
      figure.curves.push_back(std::move(slice));
      const SparsityOptimum best = optimal_sparsity(*searched, total);
      Series marker = optimum_marker("S* (Eq. 8)", total, best.sparsity, best.loss);
      if (best.loss_interval) {
        marker.lo = {best.loss_interval->lo};
        marker.hi = {best.loss_interval->hi};
      }
      figure.points.push_back(std::move(marker));
      any_surface = true;
    }
    if (data_budget) {
      Series runs = runs_near(data, *data_budget, total);
      if (!runs.x.empty())
        figure.points.push_back(std::move(runs));
    }
  }
  if (any_surface) {
    figure.title += with_law ? ": Eq. 8 surface and Eq. 6 law"
                             : ": Eq. 8 surface only (" + no_sparsity_law(data) + ")";
  } else if (with_law) {
    figure.title += ": Eq. 6 law only" + (fit ? std::string(" (N beyond the runs)") : no_surface);
  } else {
    figure.points.clear();  // runs without a curve to read them against
    figure.message = "Nothing to draw: " + no_sparsity_law(data) +
                     (fit ? std::string(", and every N lies beyond the runs") : no_surface) + ".";
  }
  return figure;
}

}  // namespace moescope

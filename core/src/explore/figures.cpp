#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "explorer_cache.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/downstream_fit.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"
#include "moescope/model/accounting.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace moescope {
namespace {

double law_loss(const SparsityLaw& law, double budget, double total, double sparsity) {
  return law.loss(total, budget / (6.0 * family().active(total, sparsity)), sparsity);
}

}  // namespace

Figure make_figure(FigureId id, std::string title, std::string x_label, std::string y_label,
                   bool log_x, bool log_y) {
  Figure figure;
  figure.id = id;
  figure.title = std::move(title);
  figure.x_label = std::move(x_label);
  figure.y_label = std::move(y_label);
  figure.log_x = log_x;
  figure.log_y = log_y;
  return figure;
}

// ---- The surfaces' curves -------------------------------------------------------------------
// As in the paper, Figures 2 and 4 read the IsoFLOP surfaces (Eq. 8), each over its own data's
// range; the law's curves (Eq. 6) come with them for comparison.

SurfaceFit capped(const SurfaceFit& fit, double max_sparsity, bool with_replicates) {
  SurfaceFit copy;
  copy.axis = fit.axis;
  copy.polynomial = fit.polynomial;
  copy.points = fit.points;
  copy.budget = fit.budget;
  copy.log_size_min = fit.log_size_min;
  copy.log_size_max = fit.log_size_max;
  copy.sparsity_max = std::min(fit.sparsity_max, max_sparsity);
  if (with_replicates)
    copy.replicates = fit.replicates;
  return copy;
}

namespace {

// Where a slice of a surface at one sparsity is known: the runs of that sparsity at its budget,
// as (ln size on the fit's axis, ln size on the other axis), by increasing size; runs of equal
// size are merged. Without `other_axis` the other size is not asked for (runs need not give it)
// and is left NaN.
std::vector<std::pair<double, double>> slice_sizes(const ExplorerData& data, const SurfaceFit& fit,
                                                   double sparsity, bool other_axis) {
  const bool total_axis = fit.axis == SizeAxis::kTotal;
  std::vector<std::pair<double, double>> sizes;
  for (const Run& run : data.runs) {
    const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
    const std::optional<double>& other = total_axis ? run.active_params : run.total_params;
    if (!run_of_surface(data, run, fit) || !run.sparsity || !size || (other_axis && !other) ||
        std::abs(*run.sparsity - sparsity) > 1e-6)
      continue;
    sizes.emplace_back(std::log(*size), other_axis ? std::log(*other) : std::nan(""));
  }
  std::sort(sizes.begin(), sizes.end());
  std::vector<std::pair<double, double>> merged;
  for (std::size_t i = 0; i < sizes.size();) {
    std::size_t j = i;
    double other = 0;
    for (; j < sizes.size() && sizes[j].first == sizes[i].first; ++j)
      other += sizes[j].second;
    merged.emplace_back(sizes[i].first, other / static_cast<double>(j - i));
    i = j;
  }
  return merged;
}

// Piecewise linear in (ln size, ln other size) through `sizes`, at `log_size` within their span.
double other_log_size(const std::vector<std::pair<double, double>>& sizes, double log_size) {
  const auto above = std::upper_bound(
      sizes.begin(), sizes.end(), log_size,
      [](double value, const std::pair<double, double>& pair) { return value < pair.first; });
  if (above == sizes.begin())
    return sizes.front().second;
  if (above == sizes.end())
    return sizes.back().second;
  const auto below = above - 1;
  const double fraction = (log_size - below->first) / (above->first - below->first);
  return below->second + fraction * (above->second - below->second);
}

// Figures 2b and 2c through the surface: the loss at each data sparsity the surface spans, over
// the sizes that sparsity's runs span at its budget, with the replicates' band. On the other axis
// than the fit's, a size is placed at the other size of its runs (interpolated in log between
// them): which N_a an N has is the runs' architecture, not the surface's.
std::vector<Series> surface_slices(const ExplorerData& data, const ExplorerCache& cache,
                                   const SurfaceFit& fit, SizeAxis axis) {
  std::vector<Series> curves;
  for (const double sparsity : cache.data_sparsities) {
    if (sparsity > fit.sparsity_max + 1e-9)
      continue;
    const std::vector<std::pair<double, double>> sizes =
        slice_sizes(data, fit, sparsity, axis != fit.axis);
    if (sizes.size() < 2)
      continue;
    Series curve;
    curve.label = sparsity_label(sparsity) + kSurfaceTag;
    curve.kind = SeriesKind::kSurface;
    curve.sparsity = sparsity;
    curve.budget = fit.budget;
    for (const double size :
         log_axis(std::exp(sizes.front().first), std::exp(sizes.back().first), kCurvePoints)) {
      curve.x.push_back(axis == fit.axis ? size : std::exp(other_log_size(sizes, std::log(size))));
      curve.y.push_back(fit.loss(size, sparsity));
      if (!fit.replicates.empty()) {
        const Interval band = fit.band(size, sparsity);
        curve.lo.push_back(band.lo);
        curve.hi.push_back(band.hi);
      }
    }
    curves.push_back(std::move(curve));
  }
  return curves;
}

const std::vector<Series>& cached_surface_slices(const ExplorerData& data, ExplorerCache& cache,
                                                 std::size_t surface, SizeAxis axis) {
  auto found = cache.surface_slices.find({surface, axis});
  if (found == cache.surface_slices.end()) {
    found = cache.surface_slices
                .emplace(std::pair{surface, axis},
                         surface_slices(data, cache, data.surfaces[surface], axis))
                .first;
  }
  return found->second;
}

}  // namespace

// Bands are intervals: like the read-out's, they are shown once the slider settles.
void add_curve(Figure& figure, const Series& curve, const ExplorerState& state) {
  figure.curves.push_back(curve);
  if (!state.replicate_intervals) {
    figure.curves.back().lo.clear();
    figure.curves.back().hi.clear();
  }
}

// Figure 4 through a surface over N: S*(N) over its data's sizes, as optimal_sparsity reads it,
// with the replicates' interval of S* as its band. Where S* climbs fast, sizes are added between
// the evenly spaced ones, as for the law's curves.
Series surface_sparsity_curve(const SurfaceFit& fit, double max_sparsity) {
  const SurfaceFit searched = capped(fit, max_sparsity, true);
  Series curve;
  curve.label =
      (fit.budget ? budget_label(*fit.budget) : std::string("runs without C")) + kSurfaceTag;
  curve.kind = SeriesKind::kSurface;
  curve.budget = fit.budget;
  struct Point {
    double total;
    SparsityOptimum best;
  };
  auto at = [&](double total) { return Point{total, optimal_sparsity(searched, total)}; };
  std::vector<Point> points;
  for (const double total :
       log_axis(std::exp(fit.log_size_min), std::exp(fit.log_size_max), kCurvePoints))
    points.push_back(at(total));
  constexpr double kLargestStep = 0.04;
  constexpr int kSplits = 3;
  for (int split = 0; split < kSplits; ++split) {
    std::vector<Point> finer;
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i > 0 && std::abs(points[i].best.sparsity - points[i - 1].best.sparsity) > kLargestStep)
        finer.push_back(at(std::sqrt(points[i - 1].total * points[i].total)));
      finer.push_back(points[i]);
    }
    const bool split_any = finer.size() > points.size();
    points = std::move(finer);
    if (!split_any)
      break;
  }
  // A size where no replicate gave S* gets a band of no width there, rather than the whole curve
  // losing its band.
  const bool bands = std::any_of(points.begin(), points.end(), [](const Point& point) {
    return point.best.sparsity_interval.has_value();
  });
  for (const Point& point : points) {
    curve.x.push_back(point.total);
    curve.y.push_back(point.best.sparsity);
    if (bands) {
      const Interval interval =
          point.best.sparsity_interval.value_or(Interval{point.best.sparsity, point.best.sparsity});
      curve.lo.push_back(interval.lo);
      curve.hi.push_back(interval.hi);
    }
  }
  return curve;
}

// ---- Figure 2 ------------------------------------------------------------------------------

// What a figure that reads the law across sparsity says where the law cannot: refused, or of
// Chinchilla's form (one sparsity level).
std::string no_sparsity_law(const ExplorerData& data) {
  if (!data.law)
    return "no law (" + data.law_refused + ")";
  return "the law is " + law_name(data) + ", which says nothing of other sparsities";
}

namespace {

// The runs of one data budget at one sparsity, on the figure's size axis, with their ids; where
// `data_budget` is empty, the runs without C (data at one token count). The runs held out of the
// law's fit (ExplorerData::holdout) come as a kHeldOut series of their own.
struct BudgetRuns {
  Series fitted, held_out;
};
BudgetRuns runs_at(const ExplorerData& data, const ExplorerCache& cache,
                   std::optional<double> data_budget, double sparsity, bool total_axis) {
  BudgetRuns runs;
  const std::string where =
      data_budget ? "at " + budget_label(*data_budget) : std::string("without C");
  runs.fitted.label = sparsity_label(sparsity) + " (runs " + where + ")";
  runs.held_out.label = sparsity_label(sparsity) + " (runs " + where + ", held out of the fit)";
  runs.fitted.kind = SeriesKind::kRuns;
  runs.held_out.kind = SeriesKind::kHeldOut;
  for (Series* series : {&runs.fitted, &runs.held_out}) {
    series->sparsity = sparsity;
    series->budget = data_budget;
  }
  for (std::size_t i = 0; i < data.runs.size(); ++i) {
    const Run& run = data.runs[i];
    const bool of_budget =
        data_budget ? run_at_budget(data, run, *data_budget)
                    : run.status == RunStatus::kDone && !run.compute && run.loss.has_value();
    const std::optional<double>& size = total_axis ? run.total_params : run.active_params;
    if (!of_budget || !run.sparsity || !size || std::abs(*run.sparsity - sparsity) > 1e-6)
      continue;
    Series& series =
        i < cache.held_out_runs.size() && cache.held_out_runs[i] ? runs.held_out : runs.fitted;
    series.x.push_back(*size);
    series.y.push_back(*run.loss);
    series.run_ids.push_back(run.id);
  }
  return runs;
}

void add_runs(Figure& figure, BudgetRuns runs) {
  for (Series* series : {&runs.fitted, &runs.held_out}) {
    if (!series->x.empty())
      figure.points.push_back(std::move(*series));
  }
}

// The law's L against size at one budget and sparsity, over `totals`; with the central 95 % of
// the replicates' losses as its band where `replicates` are given.
Series law_size_curve(const SparsityLaw& law, const std::vector<SparsityLaw>& replicates,
                      double budget, double sparsity, const std::vector<double>& totals,
                      bool total_axis) {
  Series curve;
  curve.kind = SeriesKind::kLaw;
  curve.sparsity = sparsity;
  curve.budget = budget;
  std::vector<double> losses(replicates.size());
  for (const double total : totals) {
    curve.x.push_back(total_axis ? total : family().active(total, sparsity));
    curve.y.push_back(law_loss(law, budget, total, sparsity));
    if (replicates.empty())
      continue;
    for (std::size_t r = 0; r < replicates.size(); ++r)
      losses[r] = law_loss(replicates[r], budget, total, sparsity);
    const bool any_finite =
        std::any_of(losses.begin(), losses.end(), [](double loss) { return std::isfinite(loss); });
    // No replicate with a loss here: a band of no width rather than none along the whole curve.
    const Interval band =
        any_finite ? percentile_interval(losses) : Interval{curve.y.back(), curve.y.back()};
    curve.lo.push_back(band.lo);
    curve.hi.push_back(band.hi);
  }
  return curve;
}

// A curve's minimum over its drawn sizes as a kOptimum marker: the vertex of the parabola in
// ln(size) through the lowest point and its neighbours, with the curve's band at the nearest
// drawn point as its interval. None where the lowest point is an end: the minimum lies beyond
// the curve (or it has none), and a marker at its end would claim one.
std::optional<Series> curve_minimum(const Series& curve) {
  if (curve.x.size() < 3)
    return std::nullopt;
  const auto lowest =
      static_cast<std::size_t>(std::min_element(curve.y.begin(), curve.y.end()) - curve.y.begin());
  if (lowest == 0 || lowest + 1 == curve.y.size())
    return std::nullopt;
  const double u0 = std::log(curve.x[lowest - 1]), u1 = std::log(curve.x[lowest]),
               u2 = std::log(curve.x[lowest + 1]);
  const double y0 = curve.y[lowest - 1], y1 = curve.y[lowest], y2 = curve.y[lowest + 1];
  // Newton's divided differences: y = y0 + d01 (u - u0) + d012 (u - u0)(u - u1).
  const double d01 = (y1 - y0) / (u1 - u0), d12 = (y2 - y1) / (u2 - u1);
  const double d012 = (d12 - d01) / (u2 - u0);
  if (!(d012 > 0))
    return std::nullopt;
  const double u = std::clamp(0.5 * (u0 + u1) - d01 / (2 * d012), u0, u2);
  Series marker;
  marker.label = curve.label + ", minimum";
  marker.key = "minimum of each curve";
  marker.kind = SeriesKind::kOptimum;
  marker.sparsity = curve.sparsity;
  marker.budget = curve.budget;
  marker.fit_colour = curve.fit_colour;
  marker.x = {std::exp(u)};
  marker.y = {y0 + d01 * (u - u0) + d012 * (u - u0) * (u - u1)};
  if (!curve.lo.empty()) {
    const std::size_t nearest = std::abs(u - u0) < std::abs(u - u1)   ? lowest - 1
                                : std::abs(u - u2) < std::abs(u - u1) ? lowest + 1
                                                                      : lowest;
    marker.lo = {std::min(curve.lo[nearest], marker.y[0])};
    marker.hi = {std::max(curve.hi[nearest], marker.y[0])};
  }
  return marker;
}

void add_minima(Figure& figure) {
  std::vector<Series> minima;
  for (const Series& curve : figure.curves) {
    if (std::optional<Series> marker = curve_minimum(curve))
      minima.push_back(std::move(*marker));
  }
  for (Series& marker : minima)
    figure.points.push_back(std::move(marker));
}

// The x axis over the runs shown (kRuns, kHeldOut), a factor kRangeMargin beyond them: the
// law's curves reach further, to show their shape, but the figure is about the data.
void span_runs(Figure& figure) {
  double lo = INFINITY, hi = 0;
  for (const Series& points : figure.points) {
    if (points.kind != SeriesKind::kRuns && points.kind != SeriesKind::kHeldOut)
      continue;
    for (const double x : points.x) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  if (hi > 0 && lo <= hi)
    figure.x_range = std::pair(lo / kRangeMargin, hi * kRangeMargin);
}

// Figures 2b and 2c on data of one sparsity level (dense data): loss against size per budget,
// as Chinchilla's IsoFLOP profiles are drawn. The law's curve and the runs of each shown budget,
// coloured by budget, and the slider's budget dashed, with its runs where it is a data budget.
Figure loss_vs_size_per_budget(const ExplorerData& data, ExplorerCache& cache,
                               const ExplorerState& state, SizeAxis axis) {
  const bool total_axis = axis == SizeAxis::kTotal;
  const double level = cache.data_sparsities.empty() ? 0.0 : cache.data_sparsities.front();
  Figure figure = make_figure(
      total_axis ? FigureId::kLossVsParams : FigureId::kLossVsActiveParams,
      std::string(total_axis ? "Loss vs total parameters" : "Loss vs active parameters") +
          " per budget at " + sparsity_label(level),
      total_axis ? "Total parameters N" : "Active parameters N_a", loss_label(data, "Loss L"), true,
      false);
  figure.dashed_key = law_name(data);
  const bool with_law = law_at_sparsity(data, level);
  figure.title += with_law ? ": runs and the " + law_name(data) : ": runs only (no law)";
  if (!with_law && !data.law)
    figure.message = "No law (" + data.law_refused + "): the runs alone.";
  const std::vector<double> totals = log_axis(cache.total_range.lo / kSizeMargin,
                                              cache.total_range.hi * kSizeMargin, kCurvePoints);
  const std::optional<double> slider_budget =
      nearest_data_budget(cache, data.binning, state.budget);
  const bool slider_shown =
      slider_budget && std::find(cache.shown_budgets.begin(), cache.shown_budgets.end(),
                                 *slider_budget) != cache.shown_budgets.end();
  const std::vector<SparsityLaw> no_replicates;
  const std::vector<SparsityLaw>& replicates =
      state.replicate_intervals ? cache.replicates : no_replicates;
  // Coloured by budget: the runs' labels name the budget, the sparsity is the figure's.
  auto add_budget_runs = [&](double budget) {
    BudgetRuns runs = runs_at(data, cache, budget, level, total_axis);
    runs.fitted.sparsity.reset();
    runs.held_out.sparsity.reset();
    runs.fitted.label = "runs at " + budget_label(budget);
    runs.held_out.label = "runs at " + budget_label(budget) + ", held out of the fit";
    add_runs(figure, std::move(runs));
  };
  for (const double budget : cache.shown_budgets) {
    if (with_law) {
      Series curve = law_size_curve(*cache.law, replicates, budget, level, totals, total_axis);
      curve.sparsity.reset();
      curve.label = budget_label(budget);
      figure.curves.push_back(std::move(curve));
    }
    add_budget_runs(budget);
  }
  // The slider's curve, unless it sits on a budget drawn already.
  if (with_law && !slider_shown) {
    Series curve = law_size_curve(*cache.law, replicates, state.budget, level, totals, total_axis);
    curve.sparsity.reset();
    curve.label = budget_label(state.budget) +
                  (budget_extrapolation_note(data, state.budget).empty() ? "" : " extrapolated") +
                  " (slider)";
    figure.curves.push_back(std::move(curve));
  }
  if (slider_budget && !slider_shown)
    add_budget_runs(*slider_budget);
  add_minima(figure);
  span_runs(figure);
  if (cache.shown_budgets.size() < cache.data_budgets.size()) {
    figure.title += " (" + std::to_string(cache.shown_budgets.size()) + " of " +
                    std::to_string(cache.data_budgets.size()) + " budgets)";
  }
  return figure;
}

Figure loss_vs_size(const ExplorerData& data, ExplorerCache& cache, const ExplorerState& state,
                    SizeAxis axis) {
  if (one_sparsity_level(cache) && !cache.data_budgets.empty())
    return loss_vs_size_per_budget(data, cache, state, axis);
  const bool total_axis = axis == SizeAxis::kTotal;
  Figure figure = make_figure(
      total_axis ? FigureId::kLossVsParams : FigureId::kLossVsActiveParams,
      std::string(total_axis ? "Loss vs total parameters" : "Loss vs active parameters") + ", " +
          budget_label(state.budget) + budget_extrapolation_note(data, state.budget),
      total_axis ? "Total parameters N" : "Active parameters N_a", loss_label(data, "Loss L"), true,
      false);
  figure.dashed_key = law_name(data);
  std::vector<double> sparsities = cache.data_sparsities;
  if (law_over_sparsity(data) && std::none_of(sparsities.begin(), sparsities.end(), [&](double s) {
        return std::abs(s - state.slice_sparsity) < 1e-6;
      }))
    sparsities.push_back(state.slice_sparsity);
  const std::vector<double> totals = log_axis(cache.total_range.lo / kSizeMargin,
                                              cache.total_range.hi * kSizeMargin, kCurvePoints);
  const std::optional<std::size_t> surface = surface_at_budget(data, state.budget);
  const std::vector<SparsityLaw> no_replicates;
  bool any_law = false;
  for (const double sparsity : sparsities) {
    // A law of one sparsity level draws that level only; a refused law, nothing.
    if (!law_at_sparsity(data, sparsity))
      continue;
    Series curve =
        law_size_curve(*cache.law, state.replicate_intervals ? cache.replicates : no_replicates,
                       state.budget, sparsity, totals, total_axis);
    curve.label = sparsity_label(sparsity) + ", " + law_name(data);
    figure.curves.push_back(std::move(curve));
    any_law = true;
  }
  // Drawn after the law's, over them.
  if (surface) {
    for (const Series& curve : cached_surface_slices(data, cache, *surface, axis))
      add_curve(figure, curve, state);
  }
  const bool any_surface = surface && !cached_surface_slices(data, cache, *surface, axis).empty();
  if (any_surface && any_law)
    figure.title += ": Eq. 8 surface and " + law_name(data);
  else if (any_surface)
    figure.title += ": Eq. 8 surface only (" + no_sparsity_law(data) + ")";
  else if (any_law)
    figure.title += ": " + law_name(data) + " only";
  // The runs of the budget on display: the data budget it falls in, or those without C where the
  // surface on display has no budget.
  std::optional<double> data_budget = nearest_data_budget(cache, data.binning, state.budget);
  const bool budgetless = !data_budget && surface && !data.surfaces[*surface].budget;
  add_minima(figure);
  if (data_budget || budgetless) {
    for (const double sparsity : cache.data_sparsities)
      add_runs(figure, runs_at(data, cache, data_budget, sparsity, total_axis));
  }
  span_runs(figure);
  if (!any_law && !any_surface) {
    figure.message =
        "No curve at this budget: " + no_sparsity_law(data) +
        (data.law ? "" : ", and no Eq. 8 surface fitted at " + budget_label(state.budget)) + ".";
  }
  return figure;
}

const Figure& kept(std::optional<Figure>& slot, const auto& compute) {
  if (!slot)
    slot = compute();
  return *slot;
}

}  // namespace

std::string_view to_string(FigureId id) {
  switch (id) {
    case FigureId::kLossVsSparsity:
      return "loss-vs-sparsity";
    case FigureId::kLossVsParams:
      return "loss-vs-params";
    case FigureId::kLossVsActiveParams:
      return "loss-vs-active-params";
    case FigureId::kOptimalParamsVsSparsity:
      return "optimal-params-vs-sparsity";
    case FigureId::kOptimalActiveVsSparsity:
      return "optimal-active-vs-sparsity";
    case FigureId::kOptimalLossVsSparsity:
      return "optimal-loss-vs-sparsity";
    case FigureId::kOptimalSparsityVsParams:
      return "optimal-sparsity-vs-params";
    case FigureId::kDownstreamVsUpstream:
      return "downstream-vs-upstream";
    case FigureId::kLawFitVsHeldOut:
      return "law-fit-vs-held-out";
    case FigureId::kLawHeldOut:
      return "law-held-out";
    case FigureId::kFlopRatio:
      return "flop-ratio";
    case FigureId::kOptimalParamsVsBudget:
      return "optimal-params-vs-budget";
    case FigureId::kOptimalTokensVsBudget:
      return "optimal-tokens-vs-budget";
    case FigureId::kResiduals:
      return "residuals";
  }
  return "unknown";
}

namespace {

Figure build_any_figure(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                        const ExplorerState& state) {
  switch (id) {
    case FigureId::kLossVsSparsity:
      return loss_vs_sparsity(data, cache, state);
    case FigureId::kLossVsParams:
      return loss_vs_size(data, cache, state, SizeAxis::kTotal);
    case FigureId::kLossVsActiveParams:
      return loss_vs_size(data, cache, state, SizeAxis::kActive);
    case FigureId::kOptimalParamsVsSparsity:
    case FigureId::kOptimalActiveVsSparsity:
    case FigureId::kOptimalLossVsSparsity:
      return optimal_vs_sparsity(id, data, cache, state);
    case FigureId::kOptimalSparsityVsParams:
      return optimal_sparsity_vs_size(data, cache, state);
    case FigureId::kDownstreamVsUpstream:
      return kept(cache.downstream, [&] { return downstream_vs_upstream(data); });
    case FigureId::kLawFitVsHeldOut:
      return kept(cache.law_fit, [&] { return law_fit_panel(data, false); });
    case FigureId::kLawHeldOut:
      return kept(cache.law_held_out, [&] { return law_fit_panel(data, true); });
    case FigureId::kFlopRatio:
      return kept(cache.flop_ratio, [] { return flop_ratio(); });
    case FigureId::kOptimalParamsVsBudget:
    case FigureId::kOptimalTokensVsBudget:
      return optimal_vs_budget(id, data, cache, state);
    case FigureId::kResiduals:
      throw std::invalid_argument(
          "the residual figure is drawn from a fit of the explorer's collection "
          "(residual_figure, law_collection.h)");
  }
  throw std::invalid_argument("unknown figure");
}

}  // namespace

Figure build_figure(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                    const ExplorerState& state) {
  Figure figure = build_any_figure(id, data, cache, state);
  // Whatever the figure, its key names the law it has (never "Eq. 6" for Chinchilla's form).
  if (figure.dashed_key == Figure{}.dashed_key)
    figure.dashed_key = law_name(data);
  return figure;
}

Figure figure(FigureId id, const ExplorerData& data, const ExplorerState& state) {
  return ExplorerModel(data).figure(id, state);
}

}  // namespace moescope

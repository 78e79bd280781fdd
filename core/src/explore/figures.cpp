#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "explorer_cache.h"
#include "moescope/accounting.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/downstream_fit.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/number_format.h"
#include "moescope/synthetic_grid.h"

namespace moescope {
namespace {

// Curves of Figures 2b, 2c and 4 reach half a decade beyond the runs' sizes, so the law's shape
// around the data shows, not only between its ends.
constexpr double kSizeMargin = 3.16;
// Figure 7's sparsities: the paper's levels from dense to the sparsest it trained.
constexpr double kFlopRatioSparsities[] = {0.0, 0.5, 0.75, 0.9, 0.95, 0.98};
// synthetic_grid.cpp's family of shapes: widths 128 .. 16 384 in head-sized steps, 96 wide per
// layer.
constexpr int kMinWidth = 128, kMaxWidth = 16384, kHeadDim = 64, kWidthPerLayer = 96;

const ActiveParameterModel& family() {
  static const ActiveParameterModel model = ActiveParameterModel::paper_family();
  return model;
}

std::string sparsity_label(double sparsity) {
  return "S = " + format_brief(sparsity);
}
std::string budget_label(double budget) {
  return "C = " + format_brief(budget);
}

double law_loss(const SparsityLaw& law, double budget, double total, double sparsity) {
  return law.loss(total, budget / (6.0 * family().active(total, sparsity)), sparsity);
}

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

// ---- Figure 2 ------------------------------------------------------------------------------

Figure loss_vs_sparsity(const ExplorerData& data, const ExplorerState& state) {
  const double total = state.slice_total_params;
  Figure figure = make_figure(
      FigureId::kLossVsSparsity,
      "Loss vs sparsity at N = " + format_brief(total) + ", " + budget_label(state.budget),
      "Sparsity S", "Loss L", false, false);
  Series curve;
  curve.label = "Eq. 6, N = " + format_brief(total);
  curve.budget = state.budget;
  for (const double sparsity : sparsity_axis(state.max_sparsity, kCurvePoints)) {
    curve.x.push_back(sparsity);
    curve.y.push_back(law_loss(data.law.abnar, state.budget, total, sparsity));
  }
  figure.curves.push_back(std::move(curve));
  const LawSparsityOptimum best =
      optimal_sparsity(data.law.abnar, state.budget, total, family(), state.max_sparsity);
  Series marker;
  marker.label = "S*";
  marker.budget = state.budget;
  marker.sparsity = best.sparsity;
  marker.x = {best.sparsity};
  marker.y = {best.loss};
  figure.points.push_back(std::move(marker));
  return figure;
}

Figure loss_vs_size(const ExplorerData& data, const ExplorerCache& cache,
                    const ExplorerState& state, SizeAxis axis) {
  const bool total_axis = axis == SizeAxis::kTotal;
  Figure figure = make_figure(
      total_axis ? FigureId::kLossVsParams : FigureId::kLossVsActiveParams,
      std::string(total_axis ? "Loss vs total parameters" : "Loss vs active parameters") + ", " +
          budget_label(state.budget),
      total_axis ? "Total parameters N" : "Active parameters N_a", "Loss L", true, false);
  std::vector<double> sparsities = cache.data_sparsities;
  if (std::none_of(sparsities.begin(), sparsities.end(),
                   [&](double s) { return std::abs(s - state.slice_sparsity) < 1e-6; }))
    sparsities.push_back(state.slice_sparsity);
  const std::vector<double> totals = log_axis(cache.total_range.lo / kSizeMargin,
                                              cache.total_range.hi * kSizeMargin, kCurvePoints);
  for (const double sparsity : sparsities) {
    Series curve;
    curve.label = sparsity_label(sparsity);
    curve.sparsity = sparsity;
    curve.budget = state.budget;
    for (const double total : totals) {
      curve.x.push_back(total_axis ? total : family().active(total, sparsity));
      curve.y.push_back(law_loss(data.law.abnar, state.budget, total, sparsity));
    }
    figure.curves.push_back(std::move(curve));
  }
  const std::optional<double> data_budget = nearest_data_budget(cache, state.budget);
  if (!data_budget)
    return figure;
  for (const double sparsity : cache.data_sparsities) {
    Series measured;
    measured.label = sparsity_label(sparsity) + " (runs at " + budget_label(*data_budget) + ")";
    measured.sparsity = sparsity;
    measured.budget = *data_budget;
    for (const Run& run : data.runs) {
      if (!run_at_budget(run, *data_budget) || !run.sparsity || !run.total_params ||
          !run.active_params || std::abs(*run.sparsity - sparsity) > 1e-6)
        continue;
      measured.x.push_back(total_axis ? *run.total_params : *run.active_params);
      measured.y.push_back(*run.loss);
    }
    if (!measured.x.empty())
      figure.points.push_back(std::move(measured));
  }
  return figure;
}

// ---- Figures 3 and 4 -----------------------------------------------------------------------

const std::vector<OptimalSizeCurve>& data_size_curves(ExplorerCache& cache,
                                                      const ExplorerData& data,
                                                      double max_sparsity) {
  auto found = cache.data_size_curves.find(max_sparsity);
  if (found == cache.data_size_curves.end()) {
    std::vector<OptimalSizeCurve> curves;
    for (const double budget : cache.data_budgets)
      curves.push_back(optimal_size_curve(data.law.abnar, cache.replicates, budget, max_sparsity));
    found = cache.data_size_curves.emplace(max_sparsity, std::move(curves)).first;
  }
  return found->second;
}

const OptimalSizeCurve& current_size_curve(ExplorerCache& cache, const ExplorerData& data,
                                           const ExplorerState& state) {
  const ExplorerCache::SizeCurveKey key{state.budget, state.max_sparsity,
                                        state.replicate_intervals};
  if (cache.current_size_key != key) {
    cache.current_size_curve = optimal_size_curve(
        data.law.abnar, state.replicate_intervals ? cache.replicates : std::vector<SparsityLaw>{},
        state.budget, state.max_sparsity);
    cache.current_size_key = key;
  }
  return cache.current_size_curve;
}

Figure optimal_vs_sparsity(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                           const ExplorerState& state) {
  using Values = std::vector<double> OptimalSizeCurve::*;
  struct Choice {
    const char* title;
    const char* y_label;
    bool log_y;
    Values y, lo, hi;
  };
  const Choice choice =
      id == FigureId::kOptimalParamsVsSparsity ? Choice{"Optimal total parameters vs sparsity",
                                                        "Optimal total parameters N*",
                                                        true,
                                                        &OptimalSizeCurve::total,
                                                        &OptimalSizeCurve::total_lo,
                                                        &OptimalSizeCurve::total_hi}
      : id == FigureId::kOptimalActiveVsSparsity
          ? Choice{"Optimal active parameters vs sparsity",
                   "Optimal active parameters N_a*",
                   true,
                   &OptimalSizeCurve::active,
                   &OptimalSizeCurve::active_lo,
                   &OptimalSizeCurve::active_hi}
          : Choice{
                "Optimal loss vs sparsity", "Optimal loss L*",          false,
                &OptimalSizeCurve::loss,    &OptimalSizeCurve::loss_lo, &OptimalSizeCurve::loss_hi};
  Figure figure = make_figure(id, choice.title, "Sparsity S", choice.y_label, false, choice.log_y);
  auto add = [&](const OptimalSizeCurve& curve, std::string label) {
    Series series;
    series.label = std::move(label);
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
  for (const OptimalSizeCurve& curve : data_size_curves(cache, data, state.max_sparsity))
    add(curve, budget_label(curve.budget));
  add(current_size_curve(cache, data, state), budget_label(state.budget) + " (slider)");
  return figure;
}

Figure optimal_sparsity_vs_size(const ExplorerData& data, ExplorerCache& cache,
                                const ExplorerState& state) {
  Figure figure =
      make_figure(FigureId::kOptimalSparsityVsParams, "Optimal sparsity vs total parameters",
                  "Total parameters N", "Optimal sparsity S*", true, false);
  const std::vector<double> totals = log_axis(cache.total_range.lo / kSizeMargin,
                                              cache.total_range.hi * kSizeMargin, kCurvePoints);
  auto add = [&](const OptimalSparsityCurve& curve, std::string label) {
    Series series;
    series.label = std::move(label);
    series.budget = curve.budget;
    series.x = curve.total;
    series.y = curve.sparsity;
    figure.curves.push_back(std::move(series));
  };
  auto found = cache.data_sparsity_curves.find(state.max_sparsity);
  if (found == cache.data_sparsity_curves.end()) {
    std::vector<OptimalSparsityCurve> curves;
    for (const double budget : cache.data_budgets) {
      curves.push_back(optimal_sparsity_curve(data.law.abnar, budget, totals, state.max_sparsity));
    }
    found = cache.data_sparsity_curves.emplace(state.max_sparsity, std::move(curves)).first;
  }
  for (const OptimalSparsityCurve& curve : found->second)
    add(curve, budget_label(curve.budget));
  add(optimal_sparsity_curve(data.law.abnar, state.budget, totals, state.max_sparsity),
      budget_label(state.budget) + " (slider)");
  return figure;
}

// ---- Figures 5, 6, 7: no slider moves them --------------------------------------------------

Figure downstream_vs_upstream(const ExplorerData& data) {
  std::set<std::string> tasks;
  for (const Run& run : data.runs) {
    for (const TaskMetric& metric : run.downstream) {
      if (metric.kind == MetricKind::kAccuracy || metric.kind == MetricKind::kError)
        tasks.insert(metric.task);
    }
  }
  if (tasks.empty()) {
    return make_figure(FigureId::kDownstreamVsUpstream, "No downstream metrics in the data",
                       "Upstream loss L", "Downstream error", false, false);
  }
  Figure figure = make_figure(FigureId::kDownstreamVsUpstream, "Downstream error vs upstream loss",
                              "Upstream loss L", "Downstream error", false, false);
  for (const std::string& task : tasks) {
    const std::vector<DownstreamPoint> points = downstream_points(data.runs, task);
    if (points.empty())
      continue;
    std::map<double, Series> by_sparsity;
    for (const DownstreamPoint& point : points) {
      Series& series = by_sparsity[point.sparsity];
      series.label = task + ", " + sparsity_label(point.sparsity);
      series.sparsity = point.sparsity;
      series.x.push_back(point.loss);
      series.y.push_back(point.error);
    }
    for (auto& [sparsity, series] : by_sparsity)
      figure.points.push_back(std::move(series));
    try {
      const DownstreamFit fit = fit_downstream(points);
      const auto [lowest, highest] = std::minmax_element(
          points.begin(), points.end(),
          [](const DownstreamPoint& x, const DownstreamPoint& y) { return x.loss < y.loss; });
      Series curve;
      curve.label = task + " (fit)";
      for (int i = 0; i < kCurvePoints; ++i) {
        const double loss = lowest->loss + (highest->loss - lowest->loss) * i / (kCurvePoints - 1);
        curve.x.push_back(loss);
        curve.y.push_back(fit.curve.error(loss));
      }
      figure.curves.push_back(std::move(curve));
    } catch (const FitRefused&) {
      // Too few or degenerate points for a curve: the markers alone still show the relation.
    }
  }
  return figure;
}

Figure law_fit_vs_held_out(const ExplorerData& data) {
  const std::vector<ScalingPoint> points = scaling_points(data.runs).points;
  if (!data.holdout.empty() && data.holdout.size() != points.size()) {
    throw std::invalid_argument("the hold-out mask has " + std::to_string(data.holdout.size()) +
                                " entries for " + std::to_string(points.size()) +
                                " scaling points");
  }
  Figure figure = make_figure(FigureId::kLawFitVsHeldOut, "Eq. 6 fit: predicted vs observed loss",
                              "Observed loss L", "Predicted loss L\u0302", false, false);
  Series fitted, held_out;
  fitted.label = "fit";
  held_out.label = "held out";
  double lowest = INFINITY, highest = -INFINITY;
  for (std::size_t i = 0; i < points.size(); ++i) {
    Series& series = !data.holdout.empty() && data.holdout[i] ? held_out : fitted;
    const double predicted = data.law.loss(points[i]);
    series.x.push_back(points[i].loss);
    series.y.push_back(predicted);
    lowest = std::min({lowest, points[i].loss, predicted});
    highest = std::max({highest, points[i].loss, predicted});
  }
  if (!points.empty()) {
    Series diagonal;
    diagonal.label = "y = x";
    diagonal.x = diagonal.y = {lowest, highest};
    figure.curves.push_back(std::move(diagonal));
  }
  figure.points.push_back(std::move(fitted));
  figure.points.push_back(std::move(held_out));
  return figure;
}

Figure flop_ratio() {
  Figure figure = make_figure(FigureId::kFlopRatio, "FLOPs per token: Eq. 9 over 6 N_a",
                              "Total parameters N", "Eq. 9 / 6 N_a", true, false);
  for (const double sparsity : kFlopRatioSparsities) {
    const ExpertChoice experts = experts_for_sparsity(sparsity);
    Series curve;
    curve.label = sparsity_label(sparsity);
    curve.sparsity = sparsity;
    for (int width = kMinWidth; width <= kMaxWidth; width += kHeadDim) {
      Architecture arch;
      arch.d_model = width;
      arch.n_layers = std::max(2, static_cast<int>(std::lround(double(width) / kWidthPerLayer)));
      arch.n_heads = width / kHeadDim;
      arch.experts = experts.experts;
      arch.active = experts.active;
      curve.x.push_back(count_parameters(arch).total);
      curve.y.push_back(eq9_to_6na_ratio(arch));
    }
    figure.curves.push_back(std::move(curve));
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
    case FigureId::kFlopRatio:
      return "flop-ratio";
  }
  return "unknown";
}

Figure build_figure(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                    const ExplorerState& state) {
  switch (id) {
    case FigureId::kLossVsSparsity:
      return loss_vs_sparsity(data, state);
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
      return kept(cache.law_fit, [&] { return law_fit_vs_held_out(data); });
    case FigureId::kFlopRatio:
      return kept(cache.flop_ratio, [] { return flop_ratio(); });
  }
  throw std::invalid_argument("unknown figure");
}

Figure figure(FigureId id, const ExplorerData& data, const ExplorerState& state) {
  return ExplorerModel(data).figure(id, state);
}

}  // namespace moescope

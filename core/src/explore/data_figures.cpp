// Figures 5, 6 and 7 of the paper: drawn from the data alone, so no slider moves them.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "explorer_cache.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/downstream_fit.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"
#include "moescope/model/accounting.h"

namespace moescope {
namespace {

// Figure 7's sparsities: the paper's levels from dense to the sparsest it trained.
constexpr double kFlopRatioSparsities[] = {0.0, 0.5, 0.75, 0.9, 0.95, 0.98};

}  // namespace

Figure downstream_vs_upstream(const ExplorerData& data) {
  std::set<std::string> tasks;
  for (const Run& run : data.runs) {
    for (const TaskMetric& metric : run.downstream) {
      if (metric.kind == MetricKind::kAccuracy || metric.kind == MetricKind::kError)
        tasks.insert(metric.task);
    }
  }
  Figure figure =
      make_figure(FigureId::kDownstreamVsUpstream, "Downstream error vs upstream loss",
                  loss_label(data, "Upstream loss L"), "Downstream error", false, false);
  if (tasks.empty()) {
    // No series: nothing to draw, and nothing to export (figure.h, nothing_to_draw).
    figure.message =
        "No downstream metrics in the data: no run has an accuracy or error on a downstream task "
        "(a run's \"downstream\" metrics), so there is nothing to draw.";
    return figure;
  }
  for (const std::string& task : tasks) {
    const std::vector<DownstreamPoint> points = downstream_points(data.runs, task);
    if (points.empty())
      continue;
    std::map<double, Series> by_sparsity;
    for (const DownstreamPoint& point : points) {
      Series& series = by_sparsity[point.sparsity];
      series.label = task + ", " + sparsity_label(point.sparsity);
      series.kind = SeriesKind::kRuns;
      series.sparsity = point.sparsity;
      series.key = task;
      series.colour_key = sparsity_label(point.sparsity);
      series.facet = task;
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
      curve.key = "fit per task";
      curve.facet = task;
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

Figure law_fit_panel(const ExplorerData& data, bool held_out) {
  Figure figure = make_figure(held_out ? FigureId::kLawHeldOut : FigureId::kLawFitVsHeldOut,
                              law_name(data) + (held_out ? " on the runs held out of its fit"
                                                         : " fit: predicted vs observed loss"),
                              loss_label(data, "Observed L"), loss_label(data, "Predicted L\u0302"),
                              false, false);
  figure.square = true;
  if (!data.law) {
    figure.title = "Law fit: predicted vs observed loss";
    figure.message = "No law: " + data.law_refused + ".";
    return figure;
  }
  const std::vector<ScalingPoint> points = scaling_points(data.runs).points;
  if (!data.holdout.empty() && data.holdout.size() != points.size()) {
    throw std::invalid_argument("the hold-out mask has " + std::to_string(data.holdout.size()) +
                                " entries for " + std::to_string(points.size()) +
                                " scaling points");
  }
  // Both panels share one square range, over every point of either, so that they read alike
  // side by side.
  std::vector<ScalingPoint> panel;
  double lowest = INFINITY, highest = -INFINITY;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double predicted = data.law->loss(points[i]);
    lowest = std::min({lowest, points[i].loss, predicted});
    highest = std::max({highest, points[i].loss, predicted});
    const bool out = !data.holdout.empty() && data.holdout[i];
    if (out == held_out)
      panel.push_back(points[i]);
  }
  if (panel.empty()) {
    figure.message = held_out ? "Nothing was held out of the fit: a hold-out rule (--holdout; the "
                                "paper holds out S = 0.98) puts its runs here."
                              : "Every run was held out of the fit: none was fitted.";
    return figure;
  }
  const double margin = 0.03 * std::max(highest - lowest, 1e-9 * std::abs(highest));
  figure.x_range = figure.y_range = std::pair(lowest - margin, highest + margin);
  Series identity;
  identity.label = "y = x";
  identity.x = identity.y = {figure.x_range->first, figure.x_range->second};
  figure.curves.push_back(std::move(identity));
  Series runs;
  runs.label = held_out ? "held out" : "fitted";
  runs.kind = held_out ? SeriesKind::kHeldOut : SeriesKind::kRuns;
  for (const ScalingPoint& point : panel) {
    runs.x.push_back(point.loss);
    runs.y.push_back(data.law->loss(point));
    runs.run_ids.push_back(data.runs[point.run_index].id);
  }
  figure.points.push_back(std::move(runs));
  // The paper's measures (Appendix E), as the fit reports them (measure_errors).
  const ErrorMeasures errors = measure_errors(*data.law, panel, data.law_options.huber_delta);
  figure.annotations = {
      "n = " + std::to_string(errors.points),
      "MSE = " + format_brief(errors.mse),
      "Huber (\u03b4 = " + format_brief(data.law_options.huber_delta) +
          ") = " + format_brief(errors.huber),
  };
  return figure;
}

// N, and Eq. 9 and 6 N_a per token, are linear in the depth: their values at one and two layers
// give them at any real depth.
struct DepthLinear {
  double at_one, per_layer;
  double at(double layers) const { return at_one + (layers - 1.0) * per_layer; }
};
template <typename Count>
DepthLinear depth_linear(Architecture arch, const Count& count) {
  arch.n_layers = 1;
  const double one = count(arch);
  arch.n_layers = 2;
  return {one, count(arch) - one};
}

Figure flop_ratio() {
  Figure figure =
      make_figure(FigureId::kFlopRatio, "FLOPs per token: Eq. 9 over 6 N_a (continuous depth)",
                  "Total parameters N", "Eq. 9 / 6 N_a", true, false);
  for (const double sparsity : kFlopRatioSparsities) {
    const ExpertChoice experts = experts_for_sparsity(sparsity);
    // The family's depth grows with width at a fixed aspect ratio, read off its widest shape.
    // Rounded to whole layers (as family_shape builds models) the ratio saws at every width where
    // the depth steps; at the real depth it is the smooth trend the paper draws. From two layers
    // (the family's floor) up.
    const double width_per_layer =
        double(kFamilyMaxWidth) / family_shape(kFamilyMaxWidth, experts).n_layers;
    Series curve;
    curve.label = sparsity_label(sparsity);
    curve.sparsity = sparsity;
    for (const double width : log_axis(2.0 * width_per_layer, kFamilyMaxWidth, kCurvePoints)) {
      const Architecture arch = family_shape(static_cast<int>(std::lround(width)), experts);
      const double layers = arch.d_model / width_per_layer;
      const DepthLinear total =
          depth_linear(arch, [](const Architecture& a) { return count_parameters(a).total; });
      const DepthLinear eq9 =
          depth_linear(arch, [](const Architecture& a) { return flops_per_token_eq9(a); });
      const DepthLinear six_na =
          depth_linear(arch, [](const Architecture& a) { return flops_per_token_6na(a); });
      curve.x.push_back(total.at(layers));
      curve.y.push_back(eq9.at(layers) / six_na.at(layers));
    }
    figure.curves.push_back(std::move(curve));
  }
  return figure;
}

}  // namespace moescope

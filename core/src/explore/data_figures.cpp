// Figures 5, 6 and 7 of the paper: drawn from the data alone, so no slider moves them.
#include <map>
#include <set>
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
  if (tasks.empty()) {
    return make_figure(FigureId::kDownstreamVsUpstream, "No downstream metrics in the data",
                       loss_label(data, "Upstream loss L"), "Downstream error", false, false);
  }
  Figure figure =
      make_figure(FigureId::kDownstreamVsUpstream, "Downstream error vs upstream loss",
                  loss_label(data, "Upstream loss L"), "Downstream error", false, false);
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
  Figure figure =
      make_figure(FigureId::kLawFitVsHeldOut, law_name(data) + " fit: predicted vs observed loss",
                  loss_label(data, "Observed loss L"), loss_label(data, "Predicted loss L\u0302"),
                  false, false);
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
  Series fitted, held_out;
  fitted.label = "fit";
  held_out.label = "held out";
  fitted.kind = held_out.kind = SeriesKind::kRuns;
  double lowest = INFINITY, highest = -INFINITY;
  for (std::size_t i = 0; i < points.size(); ++i) {
    Series& series = !data.holdout.empty() && data.holdout[i] ? held_out : fitted;
    const double predicted = data.law->loss(points[i]);
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
    for (int width = kFamilyMinWidth; width <= kFamilyMaxWidth; width += kFamilyHeadDim) {
      const Architecture arch = family_shape(width, experts);
      curve.x.push_back(count_parameters(arch).total);
      curve.y.push_back(eq9_to_6na_ratio(arch));
    }
    figure.curves.push_back(std::move(curve));
  }
  return figure;
}

}  // namespace moescope

// What the paper's figures hold (issue 19, "Figures a paper can print"): 2a at several N with
// each curve's S*, 2b/2c's minima, held-out runs and axis span, 3a-c's empirical optima beside
// the law's curves, no curve twice for the slider, Figure 4's bounds, Figure 6 as two square
// panels with the fit's MSE and Huber, and Figure 7 without the sawtooth of whole layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "moescope/explore/explorer_model.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"
#include "support/explorer_test_data.h"

namespace moescope {
namespace {

using namespace explorer_test;

std::vector<const Series*> of_kind(const std::vector<Series>& series, SeriesKind kind) {
  std::vector<const Series*> found;
  for (const Series& one : series) {
    if (one.kind == kind)
      found.push_back(&one);
  }
  return found;
}

// The ids of the runs of shared_data() held out of the fit: its mask is per scaling point.
std::set<std::string> held_out_ids(const ExplorerData& data) {
  std::set<std::string> ids;
  const std::vector<ScalingPoint> points = scaling_points(data.runs).points;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (data.holdout[i])
      ids.insert(data.runs[points[i].run_index].id);
  }
  return ids;
}

bool has_label(const std::vector<Series>& series, const std::string& part) {
  return std::any_of(series.begin(), series.end(),
                     [&](const Series& one) { return contains(one.label, part); });
}

// ---- 2a ----

TEST(FigureContentTest, LossVsSparsityDrawsSeveralSizesOfTheDataEachWithItsOptimum) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  const std::vector<double> sizes = model.loss_vs_sparsity_sizes(state);
  ASSERT_GE(sizes.size(), 3u);
  ASSERT_LE(sizes.size(), kMostSliceSizes);
  EXPECT_TRUE(std::is_sorted(sizes.begin(), sizes.end()));
  // Sizes of the runs at that budget, the smallest and the largest among them.
  std::set<double> run_sizes;
  for (const moescope::Run& run : data.runs) {
    if (run.compute == 1e20)
      run_sizes.insert(*run.total_params);
  }
  for (const double size : sizes)
    EXPECT_TRUE(run_sizes.count(size)) << size;
  EXPECT_EQ(sizes.front(), *run_sizes.begin());
  EXPECT_EQ(sizes.back(), *run_sizes.rbegin());

  const Figure fig = model.figure(FigureId::kLossVsSparsity, state);
  const auto laws = of_kind(fig.curves, SeriesKind::kLaw);
  const auto optima = of_kind(fig.points, SeriesKind::kOptimum);
  ASSERT_EQ(laws.size(), sizes.size());
  double previous = -1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(laws[i]->total_params, sizes[i]);
    // Its S*, the law's, as optimal_sparsity finds it; S* rises with N, as in the paper.
    const LawSparsityOptimum best =
        optimal_sparsity(data.law->abnar, state.budget, sizes[i],
                         ActiveParameterModel::paper_family(), state.max_sparsity);
    const auto marker = std::find_if(optima.begin(), optima.end(), [&](const Series* series) {
      return series->total_params == sizes[i] && contains(series->label, "Eq. 6");
    });
    ASSERT_NE(marker, optima.end()) << sizes[i];
    EXPECT_EQ((*marker)->x, std::vector<double>{best.sparsity});
    // Named once in the legend, hollow beside the surface's filled S*.
    EXPECT_EQ((*marker)->key, "S* (Eq. 6)");
    EXPECT_TRUE((*marker)->hollow);
    EXPECT_GE(best.sparsity, previous);
    previous = best.sparsity;
  }
  // The surface's slices where the runs reach N, each with its S* and interval.
  const auto surfaces = of_kind(fig.curves, SeriesKind::kSurface);
  EXPECT_GE(surfaces.size(), 2u);
  for (const Series* slice : surfaces) {
    EXPECT_EQ(slice->lo.size(), slice->x.size()) << "band";
    const auto marker = std::find_if(optima.begin(), optima.end(), [&](const Series* series) {
      return series->total_params == slice->total_params && contains(series->label, "Eq. 8");
    });
    ASSERT_NE(marker, optima.end());
    EXPECT_FALSE((*marker)->hollow);
    EXPECT_EQ((*marker)->lo.size(), 1u);
  }
  // The runs at each N, with their ids.
  const auto runs = of_kind(fig.points, SeriesKind::kRuns);
  ASSERT_FALSE(runs.empty());
  for (const Series* series : runs) {
    ASSERT_EQ(series->run_ids.size(), series->x.size());
    ASSERT_TRUE(series->total_params);
    for (std::size_t i = 0; i < series->x.size(); ++i) {
      const auto run =
          std::find_if(data.runs.begin(), data.runs.end(),
                       [&](const moescope::Run& r) { return r.id == series->run_ids[i]; });
      ASSERT_NE(run, data.runs.end());
      EXPECT_EQ(*run->sparsity, series->x[i]);
      EXPECT_LE(std::abs(std::log(*run->total_params / *series->total_params)),
                std::log(kNearSize));
    }
  }
  // The user's choice of N replaces the data's.
  state.slice_total_params = {1e9, 5e9};
  const Figure chosen = model.figure(FigureId::kLossVsSparsity, state);
  const auto chosen_laws = of_kind(chosen.curves, SeriesKind::kLaw);
  ASSERT_EQ(chosen_laws.size(), 2u);
  EXPECT_EQ(chosen_laws[0]->total_params, 1e9);
  EXPECT_EQ(chosen_laws[1]->total_params, 5e9);
}

// ---- 2b, 2c ----

TEST(FigureContentTest, LossVsSizeMarksMinimaHeldOutRunsAndSpansTheRuns) {
  const ExplorerData& data = shared_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  const std::set<std::string> held_out = held_out_ids(data);
  for (const FigureId id : {FigureId::kLossVsParams, FigureId::kLossVsActiveParams}) {
    const bool total_axis = id == FigureId::kLossVsParams;
    const Figure fig = model.figure(id, state);
    // Every run at the budget once, held out or fitted as the mask says, with its id.
    std::size_t runs = 0;
    double lo = INFINITY, hi = 0;
    for (const SeriesKind kind : {SeriesKind::kRuns, SeriesKind::kHeldOut}) {
      ASSERT_FALSE(of_kind(fig.points, kind).empty()) << to_string(id);
      for (const Series* series : of_kind(fig.points, kind)) {
        ASSERT_EQ(series->run_ids.size(), series->x.size());
        EXPECT_EQ(contains(series->label, "held out"), kind == SeriesKind::kHeldOut);
        for (std::size_t i = 0; i < series->x.size(); ++i) {
          EXPECT_EQ(held_out.count(series->run_ids[i]) == 1, kind == SeriesKind::kHeldOut);
          lo = std::min(lo, series->x[i]);
          hi = std::max(hi, series->x[i]);
          ++runs;
        }
      }
    }
    EXPECT_EQ(runs, 49u);
    // The axis spans the runs, a margin either side, not the law's reach beyond them.
    ASSERT_TRUE(fig.x_range);
    EXPECT_NEAR(fig.x_range->first, lo / kRangeMargin, 1e-9 * lo);
    EXPECT_NEAR(fig.x_range->second, hi * kRangeMargin, 1e-9 * hi);
    EXPECT_LT(fig.x_range->second / fig.x_range->first,
              fig.curves.front().x.back() / fig.curves.front().x.front());
    // A minimum per law curve whose minimum lies inside it, at the law's N* (on 2c, N_a*).
    const auto laws = of_kind(fig.curves, SeriesKind::kLaw);
    const auto minima = of_kind(fig.points, SeriesKind::kOptimum);
    EXPECT_GE(minima.size(), laws.size() - 2) << to_string(id);
    for (const Series* marker : minima) {
      ASSERT_TRUE(marker->sparsity);
      const LawSizeOptimum best = optimal_size(data.law->abnar, state.budget, *marker->sparsity,
                                               ActiveParameterModel::paper_family());
      const double expected = total_axis ? best.total_params : best.active_params;
      EXPECT_NEAR(marker->x[0] / expected, 1.0, 0.01) << marker->label;
      EXPECT_EQ(marker->key, "minimum of each curve") << "named once in the legend";
      EXPECT_NEAR(marker->y[0], best.loss, 1e-4) << marker->label;
      ASSERT_EQ(marker->lo.size(), 1u) << "the replicates' interval";
      EXPECT_LE(marker->lo[0], marker->y[0]);
      EXPECT_GE(marker->hi[0], marker->y[0]);
    }
    for (const Series* law : laws)
      EXPECT_EQ(law->lo.size(), law->x.size()) << "the replicates' band on " << law->label;
  }
}

// ---- 3a-c ----

// Approach 2's curves fitted to the synthetic grid, as the loader fits them.
const ExplorerData& curves_data() {
  static const ExplorerData data = [] {
    ExplorerData fitted = table3_data();
    fitted.isoflop_curves =
        fit_isoflop_curves(curve_points(surface_points(fitted.runs, SizeAxis::kTotal), fitted.runs),
                           CurveFitOptions{});
    return fitted;
  }();
  return data;
}

TEST(FigureContentTest, OptimaAcrossSparsityShowApproachTwosOptimaBesideTheLaw) {
  const ExplorerData& data = curves_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;  // on a data budget: no slider curve besides its curve
  const Figure params = model.figure(FigureId::kOptimalParamsVsSparsity, state);
  const Figure loss = model.figure(FigureId::kOptimalLossVsSparsity, state);
  const Figure active = model.figure(FigureId::kOptimalActiveVsSparsity, state);
  for (const Figure* fig : {&params, &loss, &active}) {
    EXPECT_EQ(count_kind(fig->curves, SeriesKind::kLaw), 5u) << to_string(fig->id);
    EXPECT_FALSE(has_label(fig->curves, "(slider)")) << to_string(fig->id);
    EXPECT_EQ(count_kind(fig->points, SeriesKind::kOptimum), 5u) << to_string(fig->id);
    for (const Series& curve : fig->curves)
      EXPECT_EQ(curve.lo.size(), curve.x.size()) << "band on " << curve.label;
  }
  std::size_t matched = 0;
  for (const Series* optima : of_kind(params.points, SeriesKind::kOptimum)) {
    EXPECT_TRUE(contains(optima->label, "Approach 2")) << optima->label;
    EXPECT_EQ(optima->key, "empirical optima") << "named once in the legend";
    EXPECT_TRUE(optima->run_ids.empty());
    for (std::size_t i = 0; i < optima->x.size(); ++i) {
      for (const IsoFlopCurve& curve : data.isoflop_curves->curves) {
        if (*curve.budget != *optima->budget || std::abs(curve.sparsity - optima->x[i]) > 1e-9)
          continue;
        EXPECT_EQ(optima->y[i], curve.optimal_size);
        EXPECT_EQ(optima->lo[i], curve.size_interval->lo);
        EXPECT_EQ(optima->hi[i], curve.size_interval->hi);
        ++matched;
      }
    }
  }
  EXPECT_EQ(matched, data.isoflop_curves->curves.size());
  for (const Series* optima : of_kind(loss.points, SeriesKind::kOptimum)) {
    for (std::size_t i = 0; i < optima->x.size(); ++i)
      EXPECT_LE(optima->lo[i], optima->y[i]);
  }
  // Between budgets, the slider's curve is there, once.
  state.budget = 2e20;
  const Figure between = model.figure(FigureId::kOptimalParamsVsSparsity, state);
  EXPECT_EQ(count_kind(between.curves, SeriesKind::kLaw), 6u);
  EXPECT_TRUE(has_label(between.curves, "C = 2e20 (slider)"));
}

TEST(FigureContentTest, WithoutApproachTwoTheOptimaAreTheLowestLossRuns) {
  const ExplorerData& data = shared_data();
  ExplorerState state;
  const Figure fig = figure(FigureId::kOptimalLossVsSparsity, data, state);
  const auto optima = of_kind(fig.points, SeriesKind::kOptimum);
  ASSERT_EQ(optima.size(), 5u);
  for (const Series* series : optima) {
    EXPECT_TRUE(contains(series->label, "lowest-loss run")) << series->label;
    ASSERT_EQ(series->run_ids.size(), series->x.size());
    EXPECT_EQ(series->x.size(), 7u);  // one per sparsity
    for (std::size_t i = 0; i < series->x.size(); ++i) {
      double lowest = INFINITY;
      for (const moescope::Run& run : data.runs) {
        if (run.compute == *series->budget && *run.sparsity == series->x[i])
          lowest = std::min(lowest, *run.loss);
      }
      EXPECT_EQ(series->y[i], lowest);
      const auto run =
          std::find_if(data.runs.begin(), data.runs.end(),
                       [&](const moescope::Run& r) { return r.id == series->run_ids[i]; });
      ASSERT_NE(run, data.runs.end());
      EXPECT_EQ(*run->loss, lowest);
    }
  }
}

// ---- 4 ----

TEST(FigureContentTest, OptimalSparsityMarksItsBoundsAndDrawsNoCurveTwice) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  const Figure fig = model.figure(FigureId::kOptimalSparsityVsParams, state);
  EXPECT_FALSE(has_label(fig.curves, "(slider)"));
  const auto bounds = of_kind(fig.curves, SeriesKind::kBound);
  ASSERT_EQ(bounds.size(), 1u);
  EXPECT_EQ(bounds[0]->y, (std::vector<double>{0.98, 0.98}));
  EXPECT_TRUE(contains(bounds[0]->label, "largest sparsity searched")) << bounds[0]->label;
  // Every curve with its band: the surfaces' and the law's replicates'.
  for (const Series& curve : fig.curves) {
    if (curve.kind == SeriesKind::kBound)
      continue;
    ASSERT_EQ(curve.lo.size(), curve.x.size()) << "band on " << curve.label;
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      EXPECT_LE(curve.lo[i], curve.y[i] + 1e-9) << curve.label;
      EXPECT_GE(curve.hi[i], curve.y[i] - 1e-9) << curve.label;
    }
  }

  state.max_total_params = 2e9;
  state.budget = 2e20;
  const Figure capped = model.figure(FigureId::kOptimalSparsityVsParams, state);
  const auto capped_bounds = of_kind(capped.curves, SeriesKind::kBound);
  ASSERT_EQ(capped_bounds.size(), 2u);
  EXPECT_EQ(capped_bounds[1]->x, (std::vector<double>{2e9, 2e9}));
  EXPECT_TRUE(contains(capped_bounds[1]->label, "cap on N")) << capped_bounds[1]->label;
  EXPECT_TRUE(has_label(capped.curves, "C = 2e20, Eq. 6 (slider)"));
}

// ---- 6 ----

TEST(FigureContentTest, LawFitIsTwoSquarePanelsWithTheFitsErrors) {
  const ExplorerData& data = shared_data();
  const ExplorerModel model(data);
  const Figure fitted = model.figure(FigureId::kLawFitVsHeldOut, {});
  const Figure held = model.figure(FigureId::kLawHeldOut, {});
  EXPECT_EQ(to_string(FigureId::kLawHeldOut), "law-held-out");
  EXPECT_NE(std::find(std::begin(kAllFigures), std::end(kAllFigures), FigureId::kLawHeldOut),
            std::end(kAllFigures));
  const std::vector<ScalingPoint> points = scaling_points(data.runs).points;
  const std::set<std::string> held_out = held_out_ids(data);
  double lowest = INFINITY, highest = -INFINITY;
  for (const ScalingPoint& point : points) {
    lowest = std::min({lowest, point.loss, data.law->loss(point)});
    highest = std::max({highest, point.loss, data.law->loss(point)});
  }
  for (const Figure* panel : {&fitted, &held}) {
    const bool out = panel == &held;
    EXPECT_TRUE(panel->square);
    ASSERT_TRUE(panel->x_range && panel->y_range);
    EXPECT_EQ(*panel->x_range, *panel->y_range);
    EXPECT_EQ(*panel->x_range, *fitted.x_range) << "one range for both panels";
    EXPECT_LT(panel->x_range->first, lowest);
    EXPECT_GT(panel->x_range->second, highest);
    ASSERT_EQ(panel->curves.size(), 1u);
    EXPECT_EQ(panel->curves[0].x, panel->curves[0].y);
    EXPECT_EQ(panel->curves[0].x.front(), panel->x_range->first);
    ASSERT_EQ(panel->points.size(), 1u);
    const Series& runs = panel->points[0];
    EXPECT_EQ(runs.kind, out ? SeriesKind::kHeldOut : SeriesKind::kRuns);
    ASSERT_EQ(runs.run_ids.size(), runs.x.size());
    std::vector<ScalingPoint> mine;
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (data.holdout[i] == out)
        mine.push_back(points[i]);
    }
    ASSERT_EQ(runs.x.size(), mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ(runs.x[i], mine[i].loss);
      EXPECT_EQ(runs.y[i], data.law->loss(mine[i]));
      EXPECT_EQ(held_out.count(runs.run_ids[i]) == 1, out);
    }
    // n, MSE and Huber as the fit measures them, computed here independently.
    double squared = 0, huber = 0;
    const double delta = data.law_options.huber_delta;
    for (const ScalingPoint& point : mine) {
      squared += std::pow(point.loss - data.law->loss(point), 2);
      const double r = std::abs(std::log(point.loss) - std::log(data.law->loss(point)));
      huber += r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
    }
    const double n = static_cast<double>(mine.size());
    ASSERT_EQ(panel->annotations.size(), 3u);
    EXPECT_EQ(panel->annotations[0], "n = " + std::to_string(mine.size()));
    EXPECT_EQ(panel->annotations[1], "MSE = " + format_brief(squared / n));
    EXPECT_TRUE(contains(panel->annotations[2], "Huber")) << panel->annotations[2];
    EXPECT_TRUE(contains(panel->annotations[2], "= " + format_brief(huber / n)))
        << panel->annotations[2];
  }
  // Nothing held out: the second panel has nothing to draw, and says so.
  ExplorerData none = table3_data();
  none.holdout.clear();
  const Figure empty = figure(FigureId::kLawHeldOut, none, {});
  EXPECT_TRUE(nothing_to_draw(empty));
  EXPECT_TRUE(contains(empty.message, "Nothing was held out")) << empty.message;
}

// ---- 7 ----

TEST(FigureContentTest, FlopRatioIsSmooth) {
  const Figure fig = figure(FigureId::kFlopRatio, shared_data(), {});
  ASSERT_EQ(fig.curves.size(), 6u);
  // How often a sequence changes sign, ignoring values within `tolerance` of zero.
  auto sign_changes = [](const std::vector<double>& values, double tolerance) {
    int changes = 0, previous = 0;
    for (const double value : values) {
      if (std::abs(value) <= tolerance)
        continue;
      const int sign = value > 0 ? 1 : -1;
      changes += previous != 0 && sign != previous ? 1 : 0;
      previous = sign;
    }
    return changes;
  };
  for (const Series& curve : fig.curves) {
    // Against ln N the ratio rises while the embeddings dominate N_a, then falls: one peak, and
    // its curvature changes sign at most twice. Rounded to whole layers, slope and curvature
    // flip at every step of the depth.
    std::vector<double> slopes, curvatures;
    for (std::size_t i = 0; i + 1 < curve.x.size(); ++i)
      slopes.push_back((curve.y[i + 1] - curve.y[i]) / std::log(curve.x[i + 1] / curve.x[i]));
    for (std::size_t i = 0; i + 1 < slopes.size(); ++i)
      curvatures.push_back(slopes[i + 1] - slopes[i]);
    EXPECT_LE(sign_changes(slopes, 1e-9), 1) << curve.label;
    EXPECT_LE(sign_changes(curvatures, 1e-9), 2) << curve.label;
    EXPECT_LT(slopes.back(), 0.0) << curve.label;
  }
}

}  // namespace
}  // namespace moescope

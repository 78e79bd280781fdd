// The explorer's model on a fitted law: the read-out equals `moescope optimum`, each figure is
// finite and has the paper's shapes, the figures' optima are the law's, and the loader fits what
// `moescope optimum` fits. Eq. 8 surfaces in the 3-D view and the figures are
// explorer_surface_test.cpp's.
#include "moescope/explore/explorer_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/explorer_test_data.h"

namespace moescope {
namespace {

using namespace explorer_test;

TEST(ExplorerReadOutTest, EqualsOptimumWithIntervals) {
  const ExplorerData& data = shared_data();
  std::vector<SparsityLaw> replicates;
  for (const FittedLaw& replicate : data.replicates)
    replicates.push_back(replicate.abnar);
  for (const double budget : {3e19, 1.7e20, 1e21}) {
    for (const std::optional<double> cap : {std::optional<double>(), std::optional<double>(2e9)}) {
      ExplorerState state;
      state.budget = budget;
      state.max_total_params = cap;
      OptimumOptions options;
      options.max_sparsity = state.max_sparsity;
      options.max_total_params = cap;
      const BudgetOptimumWithIntervals expected =
          optimum_with_intervals(data.law->abnar, replicates, budget, options);
      const ReadOut actual = read_out(data, state);
      EXPECT_EQ(actual.budget, budget);
      EXPECT_EQ(actual.point.sparsity, expected.point.sparsity);
      EXPECT_EQ(actual.point.total_params, expected.point.total_params);
      EXPECT_EQ(actual.point.active_params, expected.point.active_params);
      EXPECT_EQ(actual.point.tokens, expected.point.tokens);
      EXPECT_EQ(actual.point.loss, expected.point.loss);
      EXPECT_EQ(actual.point.sparsity_at_bound, expected.point.sparsity_at_bound);
      EXPECT_EQ(actual.point.params_at_cap, expected.point.params_at_cap);
      ASSERT_TRUE(actual.intervals && expected.intervals);
      expect_equal(actual.intervals->sparsity, expected.intervals->sparsity);
      expect_equal(actual.intervals->total_params, expected.intervals->total_params);
      expect_equal(actual.intervals->active_params, expected.intervals->active_params);
      expect_equal(actual.intervals->tokens, expected.intervals->tokens);
      expect_equal(actual.intervals->loss, expected.intervals->loss);
      EXPECT_EQ(actual.intervals->replicates_used, expected.intervals->replicates_used);
      EXPECT_EQ(actual.diagnostics, expected.diagnostics);

      // The drag path leaves the intervals out and the point as it is.
      state.replicate_intervals = false;
      const ReadOut dragged = ExplorerModel(data).read_out(state);
      EXPECT_EQ(dragged.point.sparsity, expected.point.sparsity);
      EXPECT_EQ(dragged.point.total_params, expected.point.total_params);
      EXPECT_EQ(dragged.point.loss, expected.point.loss);
      EXPECT_FALSE(dragged.intervals);
    }
  }
}

TEST(ExplorerFigureTest, EveryFigureIsFiniteAndTheModelMatchesTheFreeFunction) {
  const ExplorerData& data = shared_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  for (const FigureId id : kAllFigures) {
    const Figure fresh = figure(id, data, state);
    const Figure kept = model.figure(id, state);
    EXPECT_EQ(fresh.id, id);
    EXPECT_FALSE(fresh.title.empty());
    EXPECT_FALSE(fresh.x_label.empty());
    EXPECT_FALSE(fresh.y_label.empty());
    ASSERT_EQ(fresh.curves.size(), kept.curves.size()) << to_string(id);
    for (std::size_t i = 0; i < fresh.curves.size(); ++i) {
      expect_finite(fresh.curves[i], id);
      EXPECT_EQ(fresh.curves[i].x, kept.curves[i].x);
      EXPECT_EQ(fresh.curves[i].y, kept.curves[i].y);
    }
    for (const Series& points : fresh.points)
      expect_finite(points, id);
  }
}

TEST(ExplorerFigureTest, LossVsSparsityMarksTheOptimalSparsity) {
  ExplorerState state;
  state.slice_total_params = {3e9};  // one N, as a slider sets it
  const Figure fig = figure(FigureId::kLossVsSparsity, shared_data(), state);
  ASSERT_EQ(fig.curves.size(), 1u);
  EXPECT_EQ(fig.curves[0].total_params, 3e9);
  EXPECT_EQ(fig.curves[0].x.front(), 0.0);
  EXPECT_EQ(fig.curves[0].x.back(), state.max_sparsity);
  ASSERT_EQ(count_kind(fig.points, SeriesKind::kOptimum), 1u);
  const Series& marker = fig.points[0];
  ASSERT_EQ(marker.kind, SeriesKind::kOptimum);
  const LawSparsityOptimum best =
      optimal_sparsity(SparsityLaw::table3(), state.budget, 3e9,
                       ActiveParameterModel::paper_family(), state.max_sparsity);
  EXPECT_EQ(marker.x[0], best.sparsity);
  for (const double loss : fig.curves[0].y)
    EXPECT_GE(loss, best.loss - 1e-12);
}

TEST(ExplorerFigureTest, LossVsSizeShowsRunsOnlyNearADataBudget) {
  const ExplorerModel model(shared_data());
  ExplorerState state;
  state.budget = 1.01e20;
  const Figure near = model.figure(FigureId::kLossVsParams, state);
  EXPECT_TRUE(near.log_x);
  EXPECT_EQ(near.x_label, "Total parameters N");
  EXPECT_EQ(near.curves.size(), 7u);  // Table 1's sparsities, the slider's S among them
  EXPECT_EQ(count_kind(near.points, SeriesKind::kRuns), 7u);
  for (const Series& points : near.points) {
    if (points.kind == SeriesKind::kRuns || points.kind == SeriesKind::kHeldOut) {
      EXPECT_EQ(points.budget, 1e20);  // the data budget's runs
    }
  }
  state.budget = 1.5e20;
  const Figure between = model.figure(FigureId::kLossVsActiveParams, state);
  EXPECT_EQ(count_kind(between.points, SeriesKind::kRuns), 0u);
  EXPECT_EQ(count_kind(between.points, SeriesKind::kHeldOut), 0u);
}

TEST(ExplorerFigureTest, OptimaAcrossSparsityHaveThePapersShapes) {
  const ExplorerModel model(shared_data());
  ExplorerState state;
  state.budget = 2e20;
  const Figure params = model.figure(FigureId::kOptimalParamsVsSparsity, state);
  const Figure active = model.figure(FigureId::kOptimalActiveVsSparsity, state);
  const Figure loss = model.figure(FigureId::kOptimalLossVsSparsity, state);
  ASSERT_EQ(params.curves.size(), 6u);  // five data budgets and the slider's
  for (std::size_t c = 0; c < params.curves.size(); ++c) {
    const std::vector<double>& n = params.curves[c].y;
    const std::vector<double>& na = active.curves[c].y;
    const std::vector<double>& l = loss.curves[c].y;
    ASSERT_GT(n.size(), 10u);
    EXPECT_EQ(params.curves[c].lo.size(), n.size()) << "bootstrap band";
    for (std::size_t i = 0; i + 1 < n.size(); ++i) {
      EXPECT_GT(n[i + 1], n[i]) << params.curves[c].label << " at S = " << params.curves[c].x[i];
      EXPECT_LT(na[i + 1], na[i]) << active.curves[c].label;
      EXPECT_LT(l[i + 1], l[i]) << loss.curves[c].label;
    }
  }
  // While the slider moves, no curve has a band, and the curves are the same.
  state.replicate_intervals = false;
  const Figure dragged = model.figure(FigureId::kOptimalParamsVsSparsity, state);
  ASSERT_EQ(dragged.curves.size(), params.curves.size());
  for (std::size_t c = 0; c < dragged.curves.size(); ++c) {
    EXPECT_TRUE(dragged.curves[c].lo.empty()) << dragged.curves[c].label;
    EXPECT_TRUE(dragged.curves[c].hi.empty()) << dragged.curves[c].label;
    EXPECT_EQ(dragged.curves[c].y, params.curves[c].y) << dragged.curves[c].label;
  }
}

TEST(ExplorerFigureTest, OptimalSparsityGrowsWithSize) {
  const Figure fig = figure(FigureId::kOptimalSparsityVsParams, shared_data(), ExplorerState{});
  EXPECT_TRUE(fig.log_x);
  // The five data budgets; the slider sits on one of them (1e20), so it adds no curve.
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 5u);
  for (const Series& curve : fig.curves) {
    if (curve.kind != SeriesKind::kLaw)
      continue;
    for (std::size_t i = 0; i + 1 < curve.y.size(); ++i) {
      EXPECT_GT(curve.x[i + 1], curve.x[i]) << curve.label;
      EXPECT_GE(curve.y[i + 1], curve.y[i]) << curve.label << " at N = " << curve.x[i];
      // Where S* climbs, sizes are added between the evenly spaced ones, so that the line drawn
      // through them reads as a curve: on the even spacing alone S* jumps by up to 0.3.
      EXPECT_LE(curve.y[i + 1] - curve.y[i], 0.1) << curve.label << " at N = " << curve.x[i];
    }
    EXPECT_GT(curve.y.back(), curve.y.front()) << curve.label;
  }
}

// The figures refine optima from a coarse grid (Brent's method) rather than call optimal_size and
// optimal_sparsity, which also bisect on the law's derivative: the same optima to plotting
// precision, and the same gaps where the law has none.
TEST(ExplorerFigureTest, OptimaAcrossSparsityAreTheLawsOptima) {
  const ExplorerModel model(shared_data());
  const ActiveParameterModel family = ActiveParameterModel::paper_family();
  // 1e27 is past the largest model searched at high sparsity, where Figure 3 has gaps.
  for (const double budget : {3e19, 2e20, 1e21, 1e27}) {
    ExplorerState state;
    state.budget = budget;
    state.replicate_intervals = false;
    // The curve at the slider's budget: its own, or a data budget's where it sits on one.
    auto at_budget = [&](FigureId id) {
      const Figure fig = model.figure(id, state);
      const auto found = std::find_if(fig.curves.begin(), fig.curves.end(),
                                      [&](const Series& curve) { return curve.budget == budget; });
      return found == fig.curves.end() ? Series{} : *found;
    };
    const Series sizes = at_budget(FigureId::kOptimalParamsVsSparsity);
    const Series losses = at_budget(FigureId::kOptimalLossVsSparsity);
    std::vector<double> expected_sparsities;
    for (const double sparsity : figure_sparsities(state.max_sparsity)) {
      try {
        const LawSizeOptimum best = optimal_size(SparsityLaw::table3(), budget, sparsity, family);
        const std::size_t i = expected_sparsities.size();
        expected_sparsities.push_back(sparsity);
        ASSERT_LT(i, sizes.x.size()) << "C = " << budget << ", S = " << sparsity;
        EXPECT_NEAR(sizes.y[i] / best.total_params, 1.0, 1e-6) << "C = " << budget;
        EXPECT_NEAR(losses.y[i], best.loss, 1e-9) << "C = " << budget;
      } catch (const FitRefused&) {
        // No optimum here: the curve has a gap.
      }
    }
    EXPECT_EQ(sizes.x, expected_sparsities) << "C = " << budget;
  }
}

TEST(ExplorerFigureTest, OptimalSparsityIsTheLawsOptimum) {
  // With the surfaces' curves beside them, the law's are the same.
  const Figure fig = figure(FigureId::kOptimalSparsityVsParams, surface_data(), ExplorerState{});
  const ActiveParameterModel family = ActiveParameterModel::paper_family();
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 5u);
  for (const Series& curve : fig.curves) {
    if (curve.kind != SeriesKind::kLaw)
      continue;
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      const LawSparsityOptimum best =
          optimal_sparsity(SparsityLaw::table3(), *curve.budget, curve.x[i], family, 0.98);
      EXPECT_NEAR(curve.y[i], best.sparsity, 1e-6) << curve.label << " at N = " << curve.x[i];
    }
  }
}

TEST(ExplorerFigureTest, FlopRatioExceedsOneAndFallsWithSize) {
  const Figure fig = figure(FigureId::kFlopRatio, shared_data(), ExplorerState{});
  ASSERT_FALSE(fig.curves.empty());
  for (const Series& curve : fig.curves) {
    for (const double ratio : curve.y)
      EXPECT_GT(ratio, 1.0) << curve.label;
    EXPECT_LT(curve.y.back(), curve.y.front()) << curve.label;
    // Past its peak (where the layers overtake the embeddings in N_a) it falls at every size: at
    // the family's real depth, not rounded to whole layers, nothing saws.
    const auto peak = std::max_element(curve.y.begin(), curve.y.end()) - curve.y.begin();
    for (auto i = static_cast<std::size_t>(peak); i + 1 < curve.y.size(); ++i)
      EXPECT_LT(curve.y[i + 1], curve.y[i]) << curve.label << " at N = " << curve.x[i];
  }
}

TEST(ExplorerFigureTest, NoDownstreamMetricsGiveAnEmptyFigureThatSaysSo) {
  const Figure fig = figure(FigureId::kDownstreamVsUpstream, shared_data(), ExplorerState{});
  EXPECT_TRUE(nothing_to_draw(fig));
  EXPECT_TRUE(contains(fig.message, "No downstream metrics in the data")) << fig.message;
}

TEST(ExplorerFigureTest, DownstreamMetricsGiveAFittedCurveAndPointsPerSparsity) {
  ExplorerData data = shared_data();
  for (moescope::Run& run : data.runs) {
    const double error = 0.3 + 0.6 / (1.0 + std::exp(-4.0 * (*run.loss - 3.0)));
    run.downstream.push_back({"arc_easy", MetricKind::kError, error});
  }
  const Figure fig = figure(FigureId::kDownstreamVsUpstream, data, ExplorerState{});
  EXPECT_EQ(fig.title, "Downstream error vs upstream loss");
  ASSERT_EQ(fig.curves.size(), 1u);
  EXPECT_EQ(fig.points.size(), 7u);
  // The legend names the task once (its marker shape) and each sparsity once (its colour).
  for (const moescope::Series& points : fig.points) {
    EXPECT_EQ(points.key, "arc_easy");
    EXPECT_TRUE(contains(points.colour_key, "S = ")) << points.colour_key;
    EXPECT_EQ(points.label, "arc_easy, " + points.colour_key);
  }
  EXPECT_EQ(fig.curves[0].key, "fit per task");
  EXPECT_NEAR(fig.curves[0].y.front(),
              0.3 + 0.6 / (1.0 + std::exp(-4.0 * (fig.curves[0].x.front() - 3.0))), 1e-3);
}

// As the paper's Figure 5, in panels: one per task, each with that task's runs and fit alone.
TEST(ExplorerFigureTest, FigureFiveSplitsIntoAPanelPerTask) {
  ExplorerData data = shared_data();
  for (moescope::Run& run : data.runs) {
    run.downstream.push_back({"arc_easy", MetricKind::kError, 0.2 + 0.1 * *run.loss});
    run.downstream.push_back({"piqa", MetricKind::kError, 0.1 + 0.05 * *run.loss});
  }
  const Figure fig = figure(FigureId::kDownstreamVsUpstream, data, ExplorerState{});
  const std::vector<Figure> panels = split_by_facet(fig);
  ASSERT_EQ(panels.size(), 2u);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const std::string task = i == 0 ? "arc_easy" : "piqa";
    EXPECT_EQ(panels[i].caption, task);
    EXPECT_EQ(panels[i].title, task);
    EXPECT_EQ(panels[i].id, FigureId::kDownstreamVsUpstream);
    EXPECT_EQ(panels[i].x_label, fig.x_label);
    ASSERT_EQ(panels[i].curves.size(), 1u);
    EXPECT_EQ(panels[i].curves[0].label, task + " (fit)");
    // Every sparsity of the task, keyed by its colour; the shape key is gone with the other task.
    EXPECT_EQ(panels[i].points.size(), 7u);
    for (const moescope::Series& points : panels[i].points) {
      EXPECT_EQ(points.facet, task);
      EXPECT_TRUE(points.key.empty()) << points.key;
      EXPECT_TRUE(contains(points.colour_key, "S = ")) << points.colour_key;
    }
  }
  // A figure without facets is itself.
  const Figure plain = figure(FigureId::kLossVsParams, data, ExplorerState{});
  const std::vector<Figure> alone = split_by_facet(plain);
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].title, plain.title);
  EXPECT_TRUE(alone[0].caption.empty());
  EXPECT_EQ(alone[0].curves.size(), plain.curves.size());
}

// The loader fits what `moescope optimum` fits: the law with the paper's hold-out, and a surface
// per budget.
TEST(ExplorerLoader, FitsTheLawWithoutTheHeldOutRunsAndASurfacePerBudget) {
  ExplorerLoadOptions options;
  options.law.grid_override = {{"alpha", {0.25, 0.75}}, {"beta", {0.25, 0.75}}, {"gamma", {0.25}},
                               {"lambda", {-0.5}},      {"delta", {0.5}},       {"log_a", {10}},
                               {"log_b", {10}},         {"log_c", {0}},         {"log_d", {0}}};
  options.law.bootstrap = 4;
  std::vector<moescope::Run> runs = generate_synthetic_grid({});
  runs.front().loss.reset();  // one run without a loss: left out, with a note
  const ExplorerLoad load = load_explorer_data(runs, options);
  ASSERT_EQ(load.data.runs.size(), runs.size());
  const ScalingData points = scaling_points(runs);
  ASSERT_EQ(load.data.holdout.size(), points.points.size());
  std::size_t held_out = 0;
  for (std::size_t i = 0; i < points.points.size(); ++i) {
    EXPECT_EQ(load.data.holdout[i], std::abs(points.points[i].sparsity - 0.98) < 1e-9);
    held_out += load.data.holdout[i] ? 1 : 0;
  }
  EXPECT_EQ(held_out, 35u);
  EXPECT_EQ(load.data.replicates.size(), 4u);
  EXPECT_EQ(load.data.surfaces.size(), 5u);
  ASSERT_EQ(load.notes.size(), 1u);
  EXPECT_NE(load.notes[0].find("no loss"), std::string::npos) << load.notes[0];

  const RunLawFit direct =
      fit_law_to_runs(runs, RunFilter::parse(kDefaultHoldoutRule), options.form, options.law);
  EXPECT_EQ(load.data.law->parameters(), direct.summary.law.parameters());
}

}  // namespace
}  // namespace moescope

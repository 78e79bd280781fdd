#include "moescope/explore/explorer_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"
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

TEST(ExplorerSurfaceTest, GridRidgeAndRunsAreConsistent) {
  const ExplorerData& data = shared_data();
  ExplorerState state;
  state.budget = 3e20;
  for (const SizeAxis axis : {SizeAxis::kTotal, SizeAxis::kActive}) {
    const SurfaceGrid grid = surface_grid(data, state, axis, 64, 32);
    // No surfaces were fitted: the law, at the state's budget, and labelled so.
    EXPECT_EQ(grid.source, SurfaceSource::kLaw);
    EXPECT_EQ(grid.label, "Eq. 6 law at C = 3e20, no Eq. 8 surface fitted at this budget");
    EXPECT_FALSE(grid.law_overlay);
    EXPECT_EQ(grid.axis, axis);
    ASSERT_EQ(grid.x.size(), 64u);
    ASSERT_EQ(grid.y.size(), 32u);
    ASSERT_EQ(grid.z.size(), 64u * 32u);
    EXPECT_EQ(grid.y.back(), state.max_sparsity);
    for (const double z : grid.z) {
      EXPECT_TRUE(std::isfinite(z));
      EXPECT_LE(grid.z_min, z);
      EXPECT_GE(grid.z_max, z);
    }
    EXPECT_FALSE(grid.ridge.empty());
    EXPECT_EQ(grid.runs.size(), 7u * 7u);
    for (const SurfaceGrid::RunPoint& run : grid.runs)
      EXPECT_EQ(run.z, *data.runs[run.run_index].loss);
  }
  // On the active axis the ridge lies at N_a(N, S*) of the N whose optimum it draws.
  const SurfaceGrid active = surface_grid(data, state, SizeAxis::kActive, 16, 8);
  ASSERT_FALSE(active.ridge.empty());
  for (const SurfaceGrid::RidgePoint& point : active.ridge) {
    const ActiveParameterModel family = ActiveParameterModel::paper_family();
    const double total = family.total(std::pow(10.0, point.x), point.sparsity);
    const LawSparsityOptimum best =
        optimal_sparsity(SparsityLaw::table3(), state.budget, total, family, state.max_sparsity);
    EXPECT_NEAR(point.sparsity, best.sparsity, 1e-6);
    EXPECT_NEAR(point.loss, best.loss, 1e-9);
  }
  const SurfaceGrid grid = surface_grid(data, state, SizeAxis::kTotal, 16, 8);
  const double total = std::pow(10.0, grid.x[5]);
  EXPECT_NEAR(
      grid.loss_at(5, 3),
      SparsityLaw::table3().loss(
          total,
          state.budget / (6.0 * ActiveParameterModel::paper_family().active(total, grid.y[3])),
          grid.y[3]),
      1e-9);
  ASSERT_EQ(grid.ridge.size(), 16u);
  for (const SurfaceGrid::RidgePoint& point : grid.ridge) {
    const LawSparsityOptimum best =
        optimal_sparsity(SparsityLaw::table3(), state.budget, std::pow(10.0, point.x),
                         ActiveParameterModel::paper_family(), state.max_sparsity);
    EXPECT_NEAR(point.sparsity, best.sparsity, 1e-6);
    EXPECT_NEAR(point.loss, best.loss, 1e-9);
    // The ridge is the lowest loss of its column.
    EXPECT_LE(point.loss, grid.z_max);
  }
  EXPECT_THROW(surface_grid(data, state, SizeAxis::kTotal, 1, 8), std::invalid_argument);
}

// At a fitted budget (within 2 % of a surface's) the 3-D view draws that budget's Eq. 8 surface
// over its runs' range, with the law at the same nodes as an overlay; the drawn numbers are the
// surface's and the law's own predictions.
TEST(ExplorerSurfaceTest, AtAFittedBudgetTheGridIsThatBudgetsEq8Surface) {
  const ExplorerData& data = surface_data();
  ASSERT_EQ(data.surfaces.size(), 5u);
  const ExplorerModel model(data);
  for (std::size_t index = 0; index < data.surfaces.size(); ++index) {
    const SurfaceFit& fit = data.surfaces[index];
    ASSERT_TRUE(fit.budget);
    for (const double offset : {1.0, 1.015, 0.985}) {
      ExplorerState state;
      state.budget = *fit.budget * offset;
      const SurfaceGrid grid = surface_grid(data, state, SizeAxis::kTotal, 24, 16);
      ASSERT_EQ(grid.source, SurfaceSource::kIsoflopSurface) << state.budget;
      EXPECT_EQ(grid.surface_index, index);
      EXPECT_EQ(grid.budget, *fit.budget);
      EXPECT_EQ(grid.axis, SizeAxis::kTotal);
      EXPECT_TRUE(contains(grid.label, "Eq. 8 IsoFLOP surface at C = " + format_brief(*fit.budget)))
          << grid.label;
      // Over the data's range, not beyond it.
      ASSERT_EQ(grid.x.size(), 24u);
      ASSERT_EQ(grid.y.size(), 16u);
      EXPECT_NEAR(grid.x.front(), fit.log_size_min / std::log(10.0), 1e-12);
      EXPECT_NEAR(grid.x.back(), fit.log_size_max / std::log(10.0), 1e-12);
      EXPECT_EQ(grid.y.front(), 0.0);
      EXPECT_EQ(grid.y.back(), fit.sparsity_max);
      ASSERT_EQ(grid.z.size(), 24u * 16u);
      ASSERT_TRUE(grid.law_overlay);
      ASSERT_EQ(grid.law_overlay->z.size(), grid.z.size());
      EXPECT_TRUE(contains(grid.law_overlay->label, "Eq. 6 law")) << grid.law_overlay->label;
      for (std::size_t j = 0; j < grid.y.size(); ++j) {
        for (std::size_t i = 0; i < grid.x.size(); ++i) {
          EXPECT_NEAR(grid.loss_at(i, j), fit.loss(std::pow(10.0, grid.x[i]), grid.y[j]), 1e-12)
              << "node " << i << ", " << j;
          EXPECT_NEAR(
              grid.law_overlay->z[j * grid.x.size() + i],
              law_loss_at(data.law->abnar, *fit.budget, SizeAxis::kTotal, grid.x[i], grid.y[j]),
              1e-12);
          EXPECT_LE(grid.z_min, grid.loss_at(i, j));
          EXPECT_GE(grid.z_max, grid.loss_at(i, j));
        }
      }
      // The ridge is the surface's own read-out, S*(N), at each size of the grid. (Ten to the x
      // is the grid's size to an ulp, which moves the search's answer in its flat valley by up
      // to its tolerance; the loss there moves by its square.)
      ASSERT_EQ(grid.ridge.size(), grid.x.size());
      for (std::size_t i = 0; i < grid.ridge.size(); ++i) {
        const SparsityOptimum best = optimal_sparsity(fit, std::pow(10.0, grid.x[i]));
        EXPECT_EQ(grid.ridge[i].x, grid.x[i]);
        EXPECT_NEAR(grid.ridge[i].sparsity, best.sparsity, 1e-7);
        EXPECT_NEAR(grid.ridge[i].loss, best.loss, 1e-12);
      }
      EXPECT_EQ(grid.law_overlay->ridge.size(), grid.x.size());
      // The runs of that budget, where they were measured.
      EXPECT_EQ(grid.runs.size(), fit.points);
      for (const SurfaceGrid::RunPoint& run : grid.runs) {
        EXPECT_EQ(run.z, *data.runs[run.run_index].loss);
        EXPECT_EQ(run.x, std::log10(*data.runs[run.run_index].total_params));
      }
      // The model's kept grid is the same.
      const SurfaceGrid kept = model.surface_grid(state, SizeAxis::kTotal, 24, 16);
      EXPECT_EQ(kept.z, grid.z);
      EXPECT_EQ(kept.law_overlay->z, grid.law_overlay->z);
      EXPECT_EQ(kept.label, grid.label);
    }
  }
}

TEST(ExplorerSurfaceTest, BetweenBudgetsTheGridIsTheLawAndSaysSo) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1.5e20;  // between 1e20 and 3e20
  for (const SurfaceGrid& grid : {surface_grid(data, state, SizeAxis::kTotal, 16, 8),
                                  model.surface_grid(state, SizeAxis::kTotal, 16, 8)}) {
    EXPECT_EQ(grid.source, SurfaceSource::kLaw);
    EXPECT_FALSE(grid.surface_index);
    EXPECT_FALSE(grid.law_overlay);
    EXPECT_EQ(grid.budget, state.budget);
    EXPECT_EQ(grid.label, "Eq. 6 law at C = 1.5e20, no runs at this budget");
    EXPECT_TRUE(grid.runs.empty());
    EXPECT_EQ(grid.y.back(), state.max_sparsity);
    for (std::size_t j = 0; j < grid.y.size(); ++j) {
      for (std::size_t i = 0; i < grid.x.size(); ++i) {
        EXPECT_NEAR(
            grid.loss_at(i, j),
            law_loss_at(data.law->abnar, state.budget, SizeAxis::kTotal, grid.x[i], grid.y[j]),
            1e-12);
      }
    }
  }
  // Just outside the 2 % of a fitted budget, too.
  state.budget = 1e20 * 1.03;
  EXPECT_EQ(surface_grid(data, state, SizeAxis::kTotal, 16, 8).source, SurfaceSource::kLaw);

  // At a data budget whose surface could not be fitted: the law, with that budget's runs.
  ExplorerData refused = surface_data();
  refused.surfaces.erase(refused.surfaces.begin() + 2);  // 1e20
  state.budget = 1e20;
  const SurfaceGrid grid = surface_grid(refused, state, SizeAxis::kTotal, 16, 8);
  EXPECT_EQ(grid.source, SurfaceSource::kLaw);
  EXPECT_EQ(grid.label, "Eq. 6 law at C = 1e20, no Eq. 8 surface fitted at this budget");
  EXPECT_EQ(grid.runs.size(), 49u);
}

// A surface fitted over N_a is drawn over N_a, whichever axis was asked for, and says so.
TEST(ExplorerSurfaceTest, ASurfaceOverActiveParametersIsDrawnOverItsOwnAxis) {
  const ExplorerData data = with_surfaces(SizeAxis::kActive);
  const SurfaceFit& fit = data.surfaces[3];
  ExplorerState state;
  state.budget = *fit.budget;
  for (const SizeAxis asked : {SizeAxis::kTotal, SizeAxis::kActive}) {
    const SurfaceGrid grid = surface_grid(data, state, asked, 12, 8);
    ASSERT_EQ(grid.source, SurfaceSource::kIsoflopSurface);
    EXPECT_EQ(grid.axis, SizeAxis::kActive);
    EXPECT_EQ(contains(grid.label, "over N_a"), asked == SizeAxis::kTotal) << grid.label;
    EXPECT_NEAR(grid.x.front(), fit.log_size_min / std::log(10.0), 1e-12);
    for (std::size_t j = 0; j < grid.y.size(); ++j) {
      for (std::size_t i = 0; i < grid.x.size(); ++i) {
        EXPECT_NEAR(grid.loss_at(i, j), fit.loss(std::pow(10.0, grid.x[i]), grid.y[j]), 1e-12);
        EXPECT_NEAR(
            grid.law_overlay->z[j * grid.x.size() + i],
            law_loss_at(data.law->abnar, *fit.budget, SizeAxis::kActive, grid.x[i], grid.y[j]),
            1e-12);
      }
    }
    for (const SurfaceGrid::RunPoint& run : grid.runs)
      EXPECT_EQ(run.x, std::log10(*data.runs[run.run_index].active_params));
  }
}

// Figures 2b and 2c at a fitted budget: a curve per data sparsity through the surface, over the
// sizes its runs span, with the replicates' band, beside the law's curves; between budgets, the
// law's alone.
TEST(ExplorerFigureTest, LossVsSizeShowsTheSurfacesCurvesBesideTheLaws) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  const SurfaceFit& fit = data.surfaces[2];
  ASSERT_EQ(*fit.budget, 1e20);
  ExplorerState state;
  state.budget = 1.01e20;
  for (const FigureId id : {FigureId::kLossVsParams, FigureId::kLossVsActiveParams}) {
    const bool total_axis = id == FigureId::kLossVsParams;
    const Figure fig = model.figure(id, state);
    EXPECT_TRUE(contains(fig.title, "Eq. 8 surface and Eq. 6 law")) << fig.title;
    EXPECT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 7u);
    ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 7u);
    EXPECT_EQ(count_kind(fig.points, SeriesKind::kRuns), 7u);
    for (const Series& curve : fig.curves) {
      expect_finite(curve, id);
      if (curve.kind == SeriesKind::kLaw) {
        EXPECT_TRUE(contains(curve.label, "Eq. 6")) << curve.label;
        continue;
      }
      EXPECT_TRUE(contains(curve.label, "Eq. 8")) << curve.label;
      ASSERT_TRUE(curve.sparsity);
      EXPECT_EQ(curve.budget, fit.budget);
      ASSERT_EQ(curve.lo.size(), curve.x.size()) << "bootstrap band";
      // Over the sizes of the runs of its sparsity at this budget, on the figure's axis.
      double lo = INFINITY, hi = 0, total_lo = INFINITY, total_hi = 0;
      for (const moescope::Run& run : data.runs) {
        if (run.compute != 1e20 || std::abs(*run.sparsity - *curve.sparsity) > 1e-9)
          continue;
        const double size = total_axis ? *run.total_params : *run.active_params;
        lo = std::min(lo, size);
        hi = std::max(hi, size);
        total_lo = std::min(total_lo, *run.total_params);
        total_hi = std::max(total_hi, *run.total_params);
      }
      EXPECT_NEAR(curve.x.front() / lo, 1.0, 1e-12) << curve.label;
      EXPECT_NEAR(curve.x.back() / hi, 1.0, 1e-12) << curve.label;
      // The surface's predictions and band (fitted over N: on 2c at the N of the runs' N_a).
      EXPECT_NEAR(curve.y.front(), fit.loss(total_lo, *curve.sparsity), 1e-12);
      EXPECT_NEAR(curve.y.back(), fit.loss(total_hi, *curve.sparsity), 1e-12);
      const Interval band = fit.band(total_hi, *curve.sparsity);
      EXPECT_NEAR(curve.lo.back(), band.lo, 1e-12);
      EXPECT_NEAR(curve.hi.back(), band.hi, 1e-12);
      if (total_axis) {
        for (std::size_t i = 0; i < curve.x.size(); ++i)
          EXPECT_NEAR(curve.y[i], fit.loss(curve.x[i], *curve.sparsity), 1e-12);
      }
    }
    // While the slider moves, the bands wait; the curves do not change.
    state.replicate_intervals = false;
    const Figure dragged = model.figure(id, state);
    state.replicate_intervals = true;
    ASSERT_EQ(dragged.curves.size(), fig.curves.size());
    for (std::size_t c = 0; c < fig.curves.size(); ++c) {
      EXPECT_TRUE(dragged.curves[c].lo.empty());
      EXPECT_EQ(dragged.curves[c].y, fig.curves[c].y);
    }
    // The free function gives the same figure.
    const Figure fresh = figure(id, data, state);
    ASSERT_EQ(fresh.curves.size(), fig.curves.size());
    for (std::size_t c = 0; c < fig.curves.size(); ++c)
      EXPECT_EQ(fresh.curves[c].y, fig.curves[c].y);
  }
  state.budget = 1.5e20;
  const Figure between = model.figure(FigureId::kLossVsParams, state);
  EXPECT_EQ(count_kind(between.curves, SeriesKind::kSurface), 0u);
  EXPECT_EQ(count_kind(between.curves, SeriesKind::kLaw), 7u);
  EXPECT_TRUE(contains(between.title, "C = 1.5e20: Eq. 6 law only")) << between.title;
}

TEST(ExplorerFigureTest, LossVsSparsityShowsTheSurfacesSliceAndOptimum) {
  const ExplorerData& data = surface_data();
  const SurfaceFit& fit = data.surfaces[2];
  ExplorerState state;
  state.budget = 1e20;
  state.slice_total_params = {2e9};
  const Figure fig = figure(FigureId::kLossVsSparsity, data, state);
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 1u);
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 1u);
  const Series& slice = fig.curves[1];
  ASSERT_EQ(slice.kind, SeriesKind::kSurface);
  EXPECT_EQ(slice.x.back(), fit.sparsity_max);
  ASSERT_EQ(slice.lo.size(), slice.x.size());
  for (std::size_t i = 0; i < slice.x.size(); ++i) {
    EXPECT_NEAR(slice.y[i], fit.loss(2e9, slice.x[i]), 1e-12);
    EXPECT_NEAR(slice.lo[i], fit.band(2e9, slice.x[i]).lo, 1e-12);
  }
  // The law's S* and the surface's, the surface's with its interval.
  ASSERT_GE(fig.points.size(), 2u);
  const SparsityOptimum best = optimal_sparsity(fit, 2e9);
  EXPECT_EQ(fig.points[1].kind, SeriesKind::kOptimum);
  EXPECT_TRUE(contains(fig.points[1].label, "Eq. 8")) << fig.points[1].label;
  EXPECT_NEAR(fig.points[1].x[0], best.sparsity, 1e-12);
  EXPECT_NEAR(fig.points[1].y[0], best.loss, 1e-12);
  ASSERT_EQ(fig.points[1].lo.size(), 1u);
  EXPECT_LE(fig.points[1].lo[0], fig.points[1].y[0]);
  EXPECT_GE(fig.points[1].hi[0], fig.points[1].y[0]);
  // Outside the surface's sizes there is nothing of it to show.
  state.slice_total_params = {1e13};
  EXPECT_EQ(count_kind(figure(FigureId::kLossVsSparsity, data, state).curves, SeriesKind::kSurface),
            0u);
}

// Figure 4: S*(N) of each budget's surface over its data's sizes, with the replicates' interval
// as its band, beside the law's S*(N) per budget.
TEST(ExplorerFigureTest, OptimalSparsityShowsEachSurfacesOptimumBesideTheLaws) {
  const ExplorerData& data = surface_data();
  const Figure fig = ExplorerModel(data).figure(FigureId::kOptimalSparsityVsParams, {});
  EXPECT_TRUE(contains(fig.title, "Eq. 8 surfaces and Eq. 6 law")) << fig.title;
  EXPECT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 5u);  // five budgets, the slider on one
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 5u);
  std::size_t surface = 0;
  for (const Series& curve : fig.curves) {
    if (curve.kind != SeriesKind::kSurface)
      continue;
    const SurfaceFit& fit = data.surfaces[surface++];
    EXPECT_EQ(curve.budget, fit.budget);
    EXPECT_NEAR(std::log(curve.x.front()), fit.log_size_min, 1e-12);
    EXPECT_NEAR(std::log(curve.x.back()), fit.log_size_max, 1e-12);
    ASSERT_EQ(curve.lo.size(), curve.x.size());
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      const SparsityOptimum best = optimal_sparsity(fit, curve.x[i]);
      EXPECT_NEAR(curve.y[i], best.sparsity, 1e-12) << curve.label << " at N = " << curve.x[i];
      EXPECT_NEAR(curve.lo[i], best.sparsity_interval->lo, 1e-12);
      EXPECT_NEAR(curve.hi[i], best.sparsity_interval->hi, 1e-12);
      if (i > 0) {
        EXPECT_GT(curve.x[i], curve.x[i - 1]);
      }
    }
    // The paper's finding holds on the surfaces too: S* grows with N.
    EXPECT_GT(curve.y.back(), curve.y.front()) << curve.label;
  }
  // A surface over N_a says S*(N_a), not this figure's S*(N): the law's curves alone.
  const ExplorerData active = with_surfaces(SizeAxis::kActive);
  const Figure law_only = figure(FigureId::kOptimalSparsityVsParams, active, {});
  EXPECT_EQ(count_kind(law_only.curves, SeriesKind::kSurface), 0u);
  EXPECT_TRUE(contains(law_only.title, "Eq. 6 law only (surfaces over N_a)")) << law_only.title;
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

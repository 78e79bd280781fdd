#include "moescope/explore/explorer_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/synthetic_grid.h"

namespace moescope {
namespace {

// Table 3 as the "fitted" law, so that shapes can be checked against the paper, and replicates
// that nudge its coefficients the way a bootstrap would.
ExplorerData table3_data() {
  ExplorerData data;
  data.runs = generate_synthetic_grid({});
  data.law.form = LawForm::kAbnar;
  data.law.abnar = SparsityLaw::table3();
  for (int i = 0; i < 8; ++i) {
    FittedLaw replicate = data.law;
    const double nudge = 1.0 + 0.01 * (i - 3.5);
    replicate.abnar.a *= nudge;
    replicate.abnar.b /= nudge;
    replicate.abnar.alpha *= 1.0 + 0.002 * (i % 3 - 1);
    data.replicates.push_back(replicate);
  }
  const std::size_t points = scaling_points(data.runs).points.size();
  for (std::size_t i = 0; i < points; ++i)
    data.holdout.push_back(i % 5 == 0);
  return data;
}

const ExplorerData& shared_data() {
  static const ExplorerData data = table3_data();
  return data;
}

void expect_equal(const Interval& x, const Interval& y) {
  EXPECT_EQ(x.lo, y.lo);
  EXPECT_EQ(x.hi, y.hi);
}

// The sparsities of Figures 2a and 3 (figure.h: evenly spaced in -ln(1 - S)).
std::vector<double> figure_sparsities(double max_sparsity) {
  const double top = -std::log1p(-max_sparsity);
  std::vector<double> sparsities;
  for (int i = 0; i < kCurvePoints; ++i)
    sparsities.push_back(-std::expm1(-top * i / (kCurvePoints - 1)));
  sparsities.back() = max_sparsity;
  return sparsities;
}

void expect_finite(const Series& series, FigureId id) {
  ASSERT_EQ(series.x.size(), series.y.size()) << to_string(id) << " " << series.label;
  for (std::size_t i = 0; i < series.x.size(); ++i) {
    EXPECT_TRUE(std::isfinite(series.x[i]) && std::isfinite(series.y[i]))
        << to_string(id) << " " << series.label << " at " << i;
  }
  if (!series.lo.empty()) {
    ASSERT_EQ(series.lo.size(), series.x.size());
    ASSERT_EQ(series.hi.size(), series.x.size());
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      EXPECT_TRUE(std::isfinite(series.lo[i]) && std::isfinite(series.hi[i]));
      EXPECT_LE(series.lo[i], series.hi[i]);
    }
  }
}

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
          optimum_with_intervals(data.law.abnar, replicates, budget, options);
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
  state.slice_total_params = 3e9;
  const Figure fig = figure(FigureId::kLossVsSparsity, shared_data(), state);
  ASSERT_EQ(fig.curves.size(), 1u);
  EXPECT_EQ(fig.curves[0].x.front(), 0.0);
  EXPECT_EQ(fig.curves[0].x.back(), state.max_sparsity);
  ASSERT_EQ(fig.points.size(), 1u);
  const LawSparsityOptimum best =
      optimal_sparsity(SparsityLaw::table3(), state.budget, state.slice_total_params,
                       ActiveParameterModel::paper_family(), state.max_sparsity);
  EXPECT_EQ(fig.points[0].x[0], best.sparsity);
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
  ASSERT_EQ(near.points.size(), 7u);
  for (const Series& points : near.points)
    EXPECT_EQ(points.budget, 1e20);
  state.budget = 1.5e20;
  EXPECT_TRUE(model.figure(FigureId::kLossVsActiveParams, state).points.empty());
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
  ASSERT_EQ(fig.curves.size(), 6u);
  for (const Series& curve : fig.curves) {
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
    const Series sizes = model.figure(FigureId::kOptimalParamsVsSparsity, state).curves.back();
    const Series losses = model.figure(FigureId::kOptimalLossVsSparsity, state).curves.back();
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
  const Figure fig = figure(FigureId::kOptimalSparsityVsParams, shared_data(), ExplorerState{});
  const ActiveParameterModel family = ActiveParameterModel::paper_family();
  for (const Series& curve : fig.curves) {
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
    // Rounding the depth to whole layers leaves small steps; the trend over a decade falls.
    for (std::size_t i = 0; i + 32 < curve.y.size(); i += 32)
      EXPECT_LT(curve.y[i + 32], curve.y[i]) << curve.label << " at N = " << curve.x[i];
  }
}

TEST(ExplorerFigureTest, LawFitFigureSplitsFitAndHeldOutPoints) {
  const ExplorerData& data = shared_data();
  const Figure fig = figure(FigureId::kLawFitVsHeldOut, data, ExplorerState{});
  std::size_t held_out = 0;
  for (const bool out : data.holdout)
    held_out += out ? 1 : 0;
  ASSERT_EQ(fig.points.size(), 2u);
  EXPECT_EQ(fig.points[0].x.size(), data.holdout.size() - held_out);
  EXPECT_EQ(fig.points[1].x.size(), held_out);
  ASSERT_EQ(fig.curves.size(), 1u);
  EXPECT_EQ(fig.curves[0].x, fig.curves[0].y);
}

TEST(ExplorerFigureTest, NoDownstreamMetricsGiveAnEmptyFigureThatSaysSo) {
  const Figure fig = figure(FigureId::kDownstreamVsUpstream, shared_data(), ExplorerState{});
  EXPECT_TRUE(fig.curves.empty());
  EXPECT_TRUE(fig.points.empty());
  EXPECT_EQ(fig.title, "No downstream metrics in the data");
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
  EXPECT_NEAR(fig.curves[0].y.front(),
              0.3 + 0.6 / (1.0 + std::exp(-4.0 * (fig.curves[0].x.front() - 3.0))), 1e-3);
}

TEST(ExplorerSurfaceTest, GridRidgeAndRunsAreConsistent) {
  const ExplorerData& data = shared_data();
  ExplorerState state;
  state.budget = 3e20;
  for (const SizeAxis axis : {SizeAxis::kTotal, SizeAxis::kActive}) {
    const SurfaceGrid grid = surface_grid(data, state, axis, 64, 32);
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
      fit_law_to_runs(runs, RunFilter::parse(kDefaultHoldoutRule), options.law);
  EXPECT_EQ(load.data.law.parameters(), direct.summary.law.parameters());
}

}  // namespace
}  // namespace moescope

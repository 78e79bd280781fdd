// The explorer's model on data that cannot answer everything (issue 11): dense data recommends no
// sparsity anywhere, a refused law leaves the runs and the surfaces with the refusal's message,
// read-outs beyond the data say so, the headline's caps are the read-outs at those caps, the
// N*-vs-C figure is Approach 2's optima and the law's, and Figure 6's validation is
// validate_law's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/explore/validation.h"
#include "moescope/fit/data_range.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/law_validation.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/io/number_format.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/explorer_test_data.h"
#include "support/routed_lm_law.h"

namespace moescope {
namespace {

using namespace explorer_test;

// The sparsity figures: they need runs at several sparsities.
constexpr FigureId kSparsityFigures[] = {
    FigureId::kLossVsSparsity, FigureId::kOptimalParamsVsSparsity,
    FigureId::kOptimalActiveVsSparsity, FigureId::kOptimalLossVsSparsity,
    FigureId::kOptimalSparsityVsParams};

// A dense IsoFLOP grid (S = 0 only, as Chinchilla's data), fitted as the explorer fits it: the
// form follows the data, so Chinchilla's.
const ExplorerData& dense_data() {
  static const ExplorerData data = [] {
    SyntheticGridOptions grid;
    grid.sparsities = {0.0};
    return load_explorer_data(generate_synthetic_grid(grid), ExplorerLoadOptions::quick()).data;
  }();
  return data;
}

std::vector<const Series*> all_series(const Figure& figure) {
  std::vector<const Series*> series;
  for (const Series& curve : figure.curves)
    series.push_back(&curve);
  for (const Series& points : figure.points)
    series.push_back(&points);
  return series;
}

TEST(ExplorerDenseDataTest, TheLawIsChinchillasAtTheOneLevelAndTheReadOutFixesS) {
  const ExplorerData& data = dense_data();
  ASSERT_TRUE(data.law.has_value()) << data.law_refused;
  EXPECT_EQ(data.law->form, LawForm::kChinchilla);
  ASSERT_TRUE(data.law_scope.sparsity.has_value());
  EXPECT_EQ(*data.law_scope.sparsity, 0.0);
  EXPECT_TRUE(contains(data.law_note, "S = 0")) << data.law_note;
  EXPECT_EQ(law_name(data), "Chinchilla-form law (S = 0)");

  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  const ReadOut read_out = model.read_out(state);
  EXPECT_EQ(read_out.point.sparsity, 0.0);
  EXPECT_FALSE(read_out.point.sparsity_at_bound);
  // Exactly what `moescope optimum` reads off the same law.
  const OptimumReadOut expected = read_optimum(*data.law, data.law_scope, data.replicates,
                                               state.budget, optimum_options(state));
  EXPECT_EQ(read_out.point.total_params, expected.point.total_params);
  EXPECT_EQ(read_out.point.tokens, expected.point.tokens);
  EXPECT_EQ(read_out.point.loss, expected.point.loss);
  // No S* interval: S is fixed, not estimated.
  EXPECT_TRUE(contains(optimum_json(read_out), "\"S\": null")) << optimum_json(read_out);
  // No headline of S* under caps: there is no sparsity to recommend.
  EXPECT_TRUE(read_out_caps(data).empty());
  EXPECT_TRUE(model.capped_read_outs(state).empty());
}

TEST(ExplorerDenseDataTest, NoFigureRecommendsASparsityAndTheSparsityViewsSayWhyTheyAreEmpty) {
  const ExplorerData& data = dense_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1e20;
  for (const FigureId id : kAllFigures) {
    if (id == FigureId::kFlopRatio)
      continue;  // FLOP accounting at the paper's sparsities, not a recommendation
    const Figure figure = model.figure(id, state);
    for (const Series* series : all_series(figure)) {
      if (series->sparsity) {
        EXPECT_EQ(*series->sparsity, 0.0) << to_string(id) << ": " << series->label;
      }
      EXPECT_FALSE(contains(series->label, "Eq. 6")) << to_string(id) << ": " << series->label;
    }
    EXPECT_FALSE(contains(figure.title, "Eq. 6")) << to_string(id) << ": " << figure.title;
    EXPECT_FALSE(contains(figure.dashed_key, "Eq. 6")) << to_string(id);
  }
  for (const FigureId id : kSparsityFigures) {
    const Figure figure = model.figure(id, state);
    EXPECT_TRUE(figure.curves.empty() && figure.points.empty()) << to_string(id);
    EXPECT_TRUE(contains(figure.message, "The data has one sparsity level, S = 0"))
        << to_string(id) << ": " << figure.message;
  }
  // The 3-D view's sparsity axis too.
  const SurfaceGrid grid = model.surface_grid(state, SizeAxis::kTotal, 8, 8);
  EXPECT_TRUE(grid.z.empty() && grid.ridge.empty());
  EXPECT_TRUE(contains(grid.message, "one sparsity level, S = 0")) << grid.message;
}

TEST(ExplorerDenseDataTest, LossVsSizeShowsTheLawsCurveAndTheRunsOfEachBudget) {
  const ExplorerData& data = dense_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 4e19;  // between the data's budgets
  const Figure figure = model.figure(FigureId::kLossVsParams, state);
  EXPECT_TRUE(contains(figure.title, "per budget")) << figure.title;
  const SparsityLaw law = data.law->as_sparsity_law();
  const ActiveParameterModel family = ActiveParameterModel::paper_family();
  std::set<double> curve_budgets, run_budgets;
  for (const Series& curve : figure.curves) {
    ASSERT_EQ(curve.kind, SeriesKind::kLaw);
    ASSERT_TRUE(curve.budget.has_value());
    curve_budgets.insert(*curve.budget);
    for (std::size_t i = 0; i < curve.x.size(); i += 7) {
      const double expected =
          law.loss(curve.x[i], *curve.budget / (6.0 * family.active(curve.x[i], 0.0)), 0.0);
      EXPECT_NEAR(curve.y[i], expected, 1e-12 * expected) << curve.label;
    }
  }
  for (const Series& runs : figure.points) {
    if (runs.kind == SeriesKind::kOptimum)
      continue;  // a curve's minimum
    ASSERT_EQ(runs.kind, SeriesKind::kRuns);
    run_budgets.insert(*runs.budget);
    EXPECT_EQ(runs.x.size(), 7u) << runs.label;  // the grid's seven sizes per budget
  }
  // Every data budget (five: no thinning) has its curve and its runs, and the slider's its curve.
  const std::set<double> budgets(model.data_budgets().begin(), model.data_budgets().end());
  EXPECT_EQ(run_budgets, budgets);
  std::set<double> expected_curves = budgets;
  expected_curves.insert(state.budget);
  EXPECT_EQ(curve_budgets, expected_curves);
}

TEST(ExplorerDenseDataTest, ABudgetListOfAHundredShowsAFewBudgetsOfTheMostRuns) {
  // Budgets scattered around three nominal ones, as digitised data has them: 40 budgets.
  std::vector<double> budgets;
  std::vector<std::size_t> runs;
  for (const double nominal : {1e19, 1e20, 1e21}) {
    for (int i = 0; i < 13; ++i) {
      budgets.push_back(nominal * (1.0 + 0.05 * (i - 6)));
      runs.push_back(i == 6 ? 9 : 1);  // the nominal budget holds most runs
    }
  }
  budgets.push_back(3e21);
  runs.push_back(2);
  std::vector<std::size_t> order(budgets.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return budgets[a] < budgets[b]; });
  std::vector<double> sorted_budgets;
  std::vector<std::size_t> sorted_runs;
  for (const std::size_t i : order) {
    sorted_budgets.push_back(budgets[i]);
    sorted_runs.push_back(runs[i]);
  }
  const std::vector<double> shown = shown_budgets(sorted_budgets, sorted_runs);
  EXPECT_LE(shown.size(), kMostShownBudgets);
  for (const double nominal : {1e19, 1e20, 1e21})
    EXPECT_NE(std::find(shown.begin(), shown.end(), nominal), shown.end()) << nominal;
  EXPECT_TRUE(std::is_sorted(shown.begin(), shown.end()));
  // A short list is shown whole.
  EXPECT_EQ(shown_budgets({1e19, 1e20}, {3, 3}), (std::vector<double>{1e19, 1e20}));
}

// Routed-LM results: total parameters, sparsity and the loss at one token count, no
// architecture (so no N_a) and no C. No law can be fitted; the Eq. 8 surface can.
std::vector<Run> routed_runs_at_one_token_count() {
  std::vector<Run> runs;
  for (const testing_support::RoutedRun& routed : testing_support::routed_runs(0.002, 7)) {
    Run run;
    run.id = "r" + std::to_string(runs.size());
    run.total_params = routed.total_params;
    run.sparsity = routed.sparsity;
    run.loss = routed.loss;
    run.tokens = 1.3e11;
    run.status = RunStatus::kDone;
    runs.push_back(run);
  }
  return runs;
}

TEST(ExplorerRefusedLawTest, TheRunsAndTheSurfaceStayWithTheRefusalsMessage) {
  ExplorerLoadOptions options = ExplorerLoadOptions::quick();
  options.surface.bootstrap_replicates = 10;
  const ExplorerLoad load = load_explorer_data(routed_runs_at_one_token_count(), options);
  const ExplorerData& data = load.data;
  EXPECT_FALSE(data.law.has_value());
  ASSERT_FALSE(data.law_refused.empty());
  EXPECT_TRUE(std::any_of(load.notes.begin(), load.notes.end(), [&](const std::string& note) {
    return contains(note, data.law_refused);
  }));
  EXPECT_EQ(data.runs.size(), 56u);
  ASSERT_EQ(data.surfaces.size(), 1u);  // one surface: the runs have no C
  EXPECT_FALSE(data.surfaces[0].budget.has_value());
  EXPECT_EQ(data.surfaces[0].points, 56u);

  const ExplorerModel model(data);
  ExplorerState state;
  EXPECT_THROW(model.read_out(state), std::logic_error);
  EXPECT_TRUE(model.capped_read_outs(state).empty());
  EXPECT_EQ(law_name(data), "no law");

  // The 3-D view draws the surface of the runs, with its runs, and no law over it.
  const SurfaceGrid grid = model.surface_grid(state, SizeAxis::kTotal, 12, 12);
  EXPECT_EQ(grid.source, SurfaceSource::kIsoflopSurface);
  EXPECT_FALSE(grid.law_overlay.has_value());
  EXPECT_EQ(grid.runs.size(), 56u);
  ASSERT_EQ(grid.z.size(), 144u);
  const SurfaceFit& fit = data.surfaces[0];
  EXPECT_NEAR(grid.loss_at(3, 5), fit.loss(std::pow(10.0, grid.x[3]), grid.y[5]), 1e-12);

  // Figures: the surface's curves and the runs, no law; a figure of the law alone says why.
  const Figure by_size = model.figure(FigureId::kLossVsParams, state);
  EXPECT_EQ(count_kind(by_size.curves, SeriesKind::kLaw), 0u);
  EXPECT_GT(count_kind(by_size.curves, SeriesKind::kSurface), 0u);
  EXPECT_GT(count_kind(by_size.points, SeriesKind::kRuns), 0u);
  EXPECT_TRUE(contains(by_size.title, "no law")) << by_size.title;
  const Figure sparsity = model.figure(FigureId::kOptimalSparsityVsParams, state);
  EXPECT_EQ(count_kind(sparsity.curves, SeriesKind::kLaw), 0u);
  EXPECT_EQ(count_kind(sparsity.curves, SeriesKind::kSurface), 1u);
  for (const FigureId id : {FigureId::kOptimalParamsVsSparsity, FigureId::kLawFitVsHeldOut}) {
    const Figure figure = model.figure(id, state);
    EXPECT_TRUE(figure.curves.empty() && figure.points.empty()) << to_string(id);
    EXPECT_TRUE(contains(figure.message, data.law_refused)) << figure.message;
  }
  EXPECT_THROW(validate_explorer_law(data, ValidationScheme::kForward), FitRefused);
}

// Table 3's law with the range of the synthetic grid's runs, as a fit records it.
ExplorerData ranged_table3_data() {
  ExplorerData data = table3_data();
  data.law_scope.form = LawForm::kAbnar;
  data.law_scope.range = data_range(scaling_points(data.runs).points);
  return data;
}

TEST(ExplorerExtrapolationTest, AReadOutBeyondTheDataSaysWhatAndTheDataRange) {
  const ExplorerData data = ranged_table3_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.replicate_intervals = false;
  state.budget = 1e20;  // a data budget
  const ReadOut inside = model.read_out(state);
  ASSERT_TRUE(inside.extrapolation.has_value());
  EXPECT_FALSE(inside.extrapolation->budget.has_value());
  EXPECT_TRUE(describe_extrapolation(inside).empty());

  state.budget = 1e25;  // four decades beyond 1e21
  const ReadOut beyond = model.read_out(state);
  ASSERT_TRUE(beyond.extrapolation && beyond.extrapolation->budget);
  EXPECT_EQ(beyond.extrapolation->budget->value, 1e25);
  EXPECT_EQ(beyond.extrapolation->budget->range, data.law_scope.range->budget);
  const std::vector<std::string> lines = describe_extrapolation(beyond);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(contains(lines.front(), "C = 1e25 is 1e4 times above the data's largest budget"))
      << lines.front();
  EXPECT_TRUE(contains(lines.front(), "data: 3e19 .. 1e21")) << lines.front();
  // N* is beyond the runs' sizes too, and says so.
  ASSERT_TRUE(beyond.extrapolation->total_params.has_value());
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [](const std::string& line) { return contains(line, "N* = "); }));

  // What the law draws at that budget is labelled extrapolated, in the 3-D view and figures.
  const SurfaceGrid grid = model.surface_grid(state, SizeAxis::kTotal, 8, 8);
  EXPECT_EQ(grid.source, SurfaceSource::kLaw);
  EXPECT_TRUE(contains(grid.label, "extrapolated")) << grid.label;
  for (const FigureId id : {FigureId::kLossVsSparsity, FigureId::kLossVsParams})
    EXPECT_TRUE(contains(model.figure(id, state).title, "extrapolated")) << to_string(id);
  const Figure optima = model.figure(FigureId::kOptimalParamsVsSparsity, state);
  EXPECT_TRUE(contains(optima.curves.back().label, "extrapolated (slider)"))
      << optima.curves.back().label;
  // Inside the data, nothing is.
  state.budget = 1e20;
  EXPECT_FALSE(contains(model.surface_grid(state, SizeAxis::kTotal, 8, 8).label, "extrapolated"));
  EXPECT_FALSE(contains(model.figure(FigureId::kLossVsParams, state).title, "extrapolated"));
}

TEST(ExplorerHeadlineTest, TheCapsRowsAreTheReadOutsAtThoseCaps) {
  const ExplorerData data = ranged_table3_data();
  const ExplorerModel model(data);
  const std::vector<double> caps = headline_caps(*data.law_scope.range);
  ASSERT_EQ(read_out_caps(data), caps);
  ASSERT_FALSE(caps.empty());
  for (const bool intervals : {false, true}) {
    ExplorerState state;
    state.budget = 3e20;
    state.max_total_params = 5e9;  // the cap slider's: not the rows'
    state.replicate_intervals = intervals;
    const std::vector<CappedReadOut> rows = model.capped_read_outs(state);
    ASSERT_EQ(rows.size(), caps.size() + 1);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::optional<double> cap =
          i < caps.size() ? std::optional<double>(caps[i]) : std::nullopt;
      EXPECT_EQ(rows[i].cap, cap);
      OptimumOptions options;
      options.max_total_params = cap;
      const OptimumReadOut expected = read_optimum(*data.law, data.law_scope, data.replicates,
                                                   state.budget, options, intervals);
      ASSERT_TRUE(rows[i].read_out.has_value()) << rows[i].refused;
      const ReadOut& row = *rows[i].read_out;
      EXPECT_EQ(row.point.sparsity, expected.point.sparsity);
      EXPECT_EQ(row.point.total_params, expected.point.total_params);
      EXPECT_EQ(row.point.sparsity_at_bound, expected.point.sparsity_at_bound);
      EXPECT_EQ(row.point.params_at_cap, expected.point.params_at_cap);
      ASSERT_EQ(row.intervals.has_value(), intervals);
      if (intervals) {
        expect_equal(row.intervals->sparsity, expected.intervals->sparsity);
        expect_equal(row.intervals->total_params, expected.intervals->total_params);
      }
      // The cell marks what the paper's Figure 4 reading needs: the bound and the cap.
      const std::string cell = sparsity_cell(rows[i]);
      EXPECT_EQ(contains(cell, "*"), expected.point.sparsity_at_bound) << cell;
      EXPECT_EQ(contains(cell, " c"), cap && expected.point.params_at_cap) << cell;
      EXPECT_EQ(cell.rfind(format_brief(expected.point.sparsity), 0), 0u) << cell;
    }
    // Table 3 at 3e20: the smallest cap binds and brings S* below the bound; no cap leaves it
    // at the bound.
    EXPECT_TRUE(rows.front().read_out->point.params_at_cap);
    EXPECT_LT(rows.front().read_out->point.sparsity, 0.98);
    EXPECT_TRUE(rows.back().read_out->point.sparsity_at_bound);
  }
}

// The synthetic grid with Approach 2's curves fitted as the loader fits them.
const ExplorerData& curves_data() {
  static const ExplorerData data = [] {
    ExplorerData fitted = ranged_table3_data();
    const SurfaceData points = surface_points(fitted.runs, SizeAxis::kTotal);
    fitted.isoflop_curves =
        fit_isoflop_curves(curve_points(points, fitted.runs), CurveFitOptions{});
    return fitted;
  }();
  return data;
}

TEST(ExplorerOptimalVsBudgetTest, PointsAreApproachTwosOptimaAndTheLineIsTheLaws) {
  const ExplorerData& data = curves_data();
  const ExplorerModel model(data);
  ExplorerState state;
  for (const FigureId id : {FigureId::kOptimalParamsVsBudget, FigureId::kOptimalTokensVsBudget}) {
    const bool tokens = id == FigureId::kOptimalTokensVsBudget;
    const Figure figure = model.figure(id, state);
    EXPECT_EQ(to_string(id), tokens ? "optimal-tokens-vs-budget" : "optimal-params-vs-budget");
    EXPECT_TRUE(figure.log_x && figure.log_y);
    EXPECT_TRUE(figure.message.empty()) << figure.message;
    // One set of optima per sparsity level of the data: each curve's minimum, its interval.
    ASSERT_EQ(figure.points.size(), 7u);
    std::size_t matched = 0;
    for (const Series& optima : figure.points) {
      ASSERT_EQ(optima.kind, SeriesKind::kIsoflopCurves);
      ASSERT_TRUE(optima.sparsity.has_value());
      std::size_t k = 0;
      for (const IsoFlopCurve& curve : data.isoflop_curves->curves) {
        if (std::abs(curve.sparsity - *optima.sparsity) > 1e-9)
          continue;
        ASSERT_LT(k, optima.x.size());
        EXPECT_EQ(optima.x[k], *curve.budget);
        EXPECT_EQ(optima.y[k], tokens ? *curve.optimal_tokens : curve.optimal_size);
        const std::optional<Interval>& interval =
            tokens ? curve.tokens_interval : curve.size_interval;
        ASSERT_TRUE(interval.has_value());
        EXPECT_EQ(optima.lo[k], interval->lo);
        EXPECT_EQ(optima.hi[k], interval->hi);
        ++k;
        ++matched;
      }
      EXPECT_EQ(k, optima.x.size());
      // The power law through them, with its exponent in the label.
      const PowerLawFit fit =
          tokens ? fit_optimal_tokens_power_law(*data.isoflop_curves, *optima.sparsity)
                 : fit_optimal_size_power_law(*data.isoflop_curves, *optima.sparsity);
      const auto line =
          std::find_if(figure.curves.begin(), figure.curves.end(), [&](const Series& curve) {
            return curve.kind == SeriesKind::kIsoflopCurves && curve.sparsity == optima.sparsity;
          });
      ASSERT_NE(line, figure.curves.end());
      EXPECT_NEAR(line->y.front(), fit.coefficient * std::pow(line->x.front(), fit.exponent),
                  1e-9 * line->y.front());
      char exponent[32];
      std::snprintf(exponent, sizeof exponent, "C^%.3g", fit.exponent);
      EXPECT_TRUE(contains(line->label, exponent)) << line->label;
    }
    EXPECT_EQ(matched, data.isoflop_curves->curves.size());
    // The law's N*(C) (D*(C)) per level, dashed, with its band once settled.
    const SparsityLaw law = data.law->as_sparsity_law();
    for (const Series& curve : figure.curves) {
      if (curve.kind != SeriesKind::kLaw)
        continue;
      ASSERT_EQ(curve.lo.size(), curve.x.size());
      const LawSizeOptimum best =
          optimal_size(law, curve.x[10], *curve.sparsity, ActiveParameterModel::paper_family());
      EXPECT_NEAR(curve.y[10], tokens ? best.tokens : best.total_params, 1e-5 * curve.y[10]);
      EXPECT_LE(curve.lo[10], curve.hi[10]);
    }
    EXPECT_EQ(count_kind(figure.curves, SeriesKind::kLaw), 7u);
  }
}

TEST(ExplorerValidationTest, FigureSixsValidationIsValidateLaws) {
  ExplorerLoadOptions options = ExplorerLoadOptions::quick();
  options.law.bootstrap = 0;
  options.surface.bootstrap_replicates = 0;
  options.curves.bootstrap_replicates = 0;
  const ExplorerLoad load = load_explorer_data(generate_synthetic_grid({}), options);
  const ExplorerData& data = load.data;
  ASSERT_TRUE(data.law.has_value());
  ASSERT_EQ(data.law_points.size(), scaling_points(data.runs).points.size());
  ASSERT_FALSE(data.law_minima.empty());

  for (const ValidationScheme scheme :
       {ValidationScheme::kForward, ValidationScheme::kLeaveOneBudgetOut}) {
    const LawValidation validation = validate_explorer_law(data, scheme);
    // The same as validate_law on the fit the CLI makes of the same runs.
    const RunLawFit direct = fit_law_to_runs(data.runs, RunFilter::parse(options.holdout_rule),
                                             options.form, options.law);
    const LawValidation expected =
        validate_law(direct.data.points, direct.holdout, direct.options, direct.summary, scheme);
    ASSERT_EQ(validation.budgets.size(), expected.budgets.size());
    EXPECT_EQ(validation.budgets.size(), scheme == ValidationScheme::kForward ? 1u : 5u);

    const Figure figure = validation_figure(data, validation);
    EXPECT_EQ(figure.id, FigureId::kLawFitVsHeldOut);
    ASSERT_EQ(figure.points.size(), validation.budgets.size());
    for (std::size_t b = 0; b < validation.budgets.size(); ++b) {
      const BudgetValidation& scored = validation.budgets[b];
      EXPECT_EQ(scored.budget, expected.budgets[b].budget);
      EXPECT_EQ(scored.errors.mse, expected.budgets[b].errors.mse);
      const Series& series = figure.points[b];
      EXPECT_EQ(series.budget, scored.budget);
      EXPECT_TRUE(contains(series.label, "MSE " + format_brief(scored.errors.mse))) << series.label;
      // Every point of the budget, observed against the refit's prediction.
      std::size_t members = 0;
      double squared = 0;
      for (const ScalingPoint& point : data.law_points) {
        if (std::abs(point.compute / scored.budget - 1.0) > 0.02)
          continue;
        ASSERT_LT(members, series.x.size());
        EXPECT_EQ(series.x[members], point.loss);
        EXPECT_EQ(series.y[members], scored.law.loss(point));
        squared += std::pow(point.loss - scored.law.loss(point), 2);
        ++members;
      }
      EXPECT_EQ(members, series.x.size());
      EXPECT_EQ(members, scored.errors.points);
      EXPECT_NEAR(squared / static_cast<double>(members), scored.errors.mse, 1e-15);
    }
  }
}

}  // namespace
}  // namespace moescope

// Laws fitted to runs and read by a researcher: the form the data supports, the read-out with
// its extrapolation flags and JSON, the parameter caps of the headline, and the validation of a
// law across budgets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_validation.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/json_checks.h"
#include "support/quick_law_fit.h"

namespace moescope {
namespace {

using testing_support::quick_chinchilla_options;

std::vector<moescope::Run> synthetic_runs(double noise_sigma = 0.005) {
  SyntheticGridOptions options;
  options.noise_sigma = noise_sigma;
  return generate_synthetic_grid(options);
}

std::vector<moescope::Run> runs_at_sparsity(double sparsity) {
  std::vector<moescope::Run> runs = synthetic_runs();
  std::erase_if(
      runs, [&](const moescope::Run& run) { return std::abs(*run.sparsity - sparsity) > 1e-9; });
  return runs;
}

using moescope::testing_support::has_non_finite;

TEST(LawFormChoice, OneSparsityLevelGetsChinchillasFormAtThatLevel) {
  std::vector<ScalingPoint> points(3);
  for (ScalingPoint& point : points)
    point.sparsity = 0.75;
  const LawFormChoice one = choose_law_form(points);
  EXPECT_EQ(one.form, LawForm::kChinchilla);
  ASSERT_TRUE(one.sparsity.has_value());
  EXPECT_EQ(*one.sparsity, 0.75);
  EXPECT_NE(one.reason.find("S = 0.75"), std::string::npos) << one.reason;

  points[1].sparsity = 0.5;
  const LawFormChoice several = choose_law_form(points);
  EXPECT_EQ(several.form, LawForm::kAbnar);
  EXPECT_FALSE(several.sparsity.has_value());
  EXPECT_TRUE(several.reason.empty());
}

TEST(LawFitRuns, DenseOnlyRunsAreFittedInChinchillasFormAndSaySo) {
  const std::vector<moescope::Run> dense = runs_at_sparsity(0.0);
  LawFitOptions options;  // set up for Eq. 6: its grid gives way to Epoch's
  options.grid_override = {{"log_a", {0, 10}}};
  const RunLawFit fitted = fit_law_to_runs(dense, RunFilter::parse(""), std::nullopt, options);
  EXPECT_EQ(fitted.summary.law.form, LawForm::kChinchilla);
  EXPECT_EQ(fitted.options.form, LawForm::kChinchilla);
  EXPECT_EQ(fitted.options.grid(), InitGrid::kEpoch);
  EXPECT_EQ(fitted.summary.starts, 4500u);
  EXPECT_EQ(fitted.scope.form, LawForm::kChinchilla);
  ASSERT_TRUE(fitted.scope.sparsity.has_value());
  EXPECT_EQ(*fitted.scope.sparsity, 0.0);
  EXPECT_FALSE(fitted.form_note.empty());
  ASSERT_TRUE(fitted.scope.range.has_value());
  EXPECT_EQ(fitted.scope.range->sparsity, (Interval{0, 0}));

  // Asked for Eq. 6 by name, the same runs are refused with the reason.
  try {
    fit_law_to_runs(dense, RunFilter::parse(""), LawForm::kAbnar, options);
    ADD_FAILURE() << "Eq. 6 on one sparsity level was not refused";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kNotIdentified);
    EXPECT_NE(std::string(refused.what()).find("distinct values of S"), std::string::npos);
  }
}

TEST(LawFitRuns, TheHoldOutRuleDecidesWhichLevelsTheFormSees) {
  // Every level but S = 0.5 held out: one level is fitted, so Chinchilla's form at 0.5.
  const RunLawFit fitted = fit_law_to_runs(synthetic_runs(), RunFilter::parse("S!=0.5"),
                                           std::nullopt, quick_chinchilla_options());
  EXPECT_EQ(fitted.summary.law.form, LawForm::kChinchilla);
  ASSERT_TRUE(fitted.scope.sparsity.has_value());
  EXPECT_EQ(*fitted.scope.sparsity, 0.5);
  // The range covers the held-out runs too: they are measurements.
  EXPECT_EQ(fitted.scope.range->sparsity, (Interval{0, 0.98}));
}

TEST(ReadOptimum, ChinchillaLawIsReadAtItsOneLevelWithNoSparsityInterval) {
  LawFitOptions options = quick_chinchilla_options();
  options.bootstrap = 20;
  const RunLawFit fitted =
      fit_law_to_runs(runs_at_sparsity(0.0), RunFilter::parse(""), std::nullopt, options);
  const OptimumReadOut read_out = read_optimum(fitted.summary.law, fitted.scope,
                                               fitted.summary.replicates, 1e20, OptimumOptions{});
  EXPECT_EQ(read_out.point.sparsity, 0.0);
  EXPECT_FALSE(read_out.point.sparsity_at_bound);
  EXPECT_EQ(read_out.point.active_params, read_out.point.total_params);  // dense: all active
  // The point is Chinchilla's own optimum: dL/dN = 0 along D = C / (6 N).
  const ChinchillaLaw& law = fitted.summary.law.chinchilla;
  const double n = read_out.point.total_params;
  const double d = 1e20 / (6 * n);
  EXPECT_NEAR(law.alpha * law.A / std::pow(n, law.alpha), law.beta * law.B / std::pow(d, law.beta),
              1e-9);
  ASSERT_TRUE(read_out.intervals.has_value());
  EXPECT_TRUE(read_out.intervals->total_params.contains(n));

  const nlohmann::json json = nlohmann::json::parse(optimum_json(read_out));
  EXPECT_EQ(json["form"], "chinchilla");
  EXPECT_EQ(json["law_sparsity"], 0.0);
  EXPECT_EQ(json["S"], 0.0);
  EXPECT_TRUE(json["intervals"]["S"].is_null());  // fixed, not a zero-width interval
  EXPECT_TRUE(json["intervals"]["N"].is_array());
  EXPECT_TRUE(json["max_sparsity"].is_null());
  EXPECT_TRUE(json["extrapolation"].is_null());
  EXPECT_FALSE(has_non_finite(json));

  // A Chinchilla-form law fitted across levels ignores S: no optimum over it.
  LawScope across = fitted.scope;
  across.sparsity.reset();
  try {
    read_optimum(fitted.summary.law, across, {}, 1e20, OptimumOptions{});
    ADD_FAILURE() << "no refusal";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kNotIdentified);
  }
}

TEST(ReadOptimum, ReadOutsBeyondTheDataAreFlaggedAsExtrapolated) {
  const DataRange range{{3e19, 1e21}, {4e7, 6e11}, {0, 0.98}};
  // Inside, and within the factor 2 of the edges: nothing flagged.
  EXPECT_FALSE(extrapolation(range, 1e20, 1e9, 0.5).any());
  EXPECT_FALSE(extrapolation(range, 1.9e21, 1.1e12, 0.985).any());
  // Four decades beyond the largest budget, and a model 10x the largest.
  const Extrapolation far = extrapolation(range, 1e25, 6e12, 0.5);
  ASSERT_TRUE(far.budget.has_value());
  EXPECT_EQ(far.budget->value, 1e25);
  EXPECT_EQ(far.budget->range, range.budget);
  ASSERT_TRUE(far.total_params.has_value());
  EXPECT_FALSE(far.sparsity.has_value());
  // S = 0.995 has a dense fraction 4x smaller than 0.98's.
  EXPECT_TRUE(extrapolation(range, 1e20, 1e9, 0.995).sparsity.has_value());
  // Below the range too.
  EXPECT_TRUE(extrapolation(range, 1e19, 1e9, 0.5).budget.has_value());

  // Through a fitted law: the JSON names what is extrapolated and the data's range.
  LawFitOptions options = quick_chinchilla_options();
  const RunLawFit fitted =
      fit_law_to_runs(runs_at_sparsity(0.0), RunFilter::parse(""), std::nullopt, options);
  const OptimumReadOut read_out =
      read_optimum(fitted.summary.law, fitted.scope, {}, 1e25, OptimumOptions{});
  const nlohmann::json json = nlohmann::json::parse(optimum_json(read_out));
  ASSERT_TRUE(json["extrapolation"].is_object());
  EXPECT_EQ(json["extrapolation"]["budget"]["value"], 1e25);
  EXPECT_EQ(json["extrapolation"]["budget"]["data"][1], 1e21);
  EXPECT_TRUE(json["extrapolation"].contains("N"));
  EXPECT_TRUE(json["intervals"]["N"].is_null());  // no replicates given
  EXPECT_FALSE(has_non_finite(json));

  // A law whose range is unknown says so rather than claiming nothing is extrapolated.
  LawScope unknown = fitted.scope;
  unknown.range.reset();
  const nlohmann::json blind = nlohmann::json::parse(
      optimum_json(read_optimum(fitted.summary.law, unknown, {}, 1e20, OptimumOptions{})));
  EXPECT_EQ(blind["extrapolation"], "unknown");
}

TEST(HeadlineCaps, PowersOfTenInsideTheDataKeepingTheLargest) {
  const DataRange range{{3e19, 1e21}, {3.9e7, 5.9e11}, {0, 0.98}};
  EXPECT_EQ(headline_caps(range, 4), (std::vector<double>{1e8, 1e9, 1e10, 1e11}));
  EXPECT_EQ(headline_caps(range, 2), (std::vector<double>{1e8, 1e11}));
  EXPECT_EQ(headline_caps(range, 1), (std::vector<double>{1e11}));
  const DataRange narrow{{1e20, 1e20}, {2e8, 8e8}, {0, 0.5}};
  EXPECT_TRUE(headline_caps(narrow).empty());
}

// Each budget's refit is a fit of the other budgets in its own right: it reaches the objective a
// full multi-start fit of those points reaches (the independent reference), and predicts the
// budget it did not see about as well as the noise allows.
TEST(LawValidationTest, LeaveOneBudgetOutRefitsMatchFullFitsOfTheRest) {
  const std::vector<moescope::Run> dense = runs_at_sparsity(0.0);
  LawFitOptions options;
  options.form = LawForm::kChinchilla;  // Epoch's 4 500 starts
  const RunLawFit full = fit_law_to_runs(dense, RunFilter::parse(""), std::nullopt, options);
  const LawValidation validation = validate_law(full.data.points, full.holdout, full.options,
                                                full.summary, ValidationScheme::kLeaveOneBudgetOut);
  ASSERT_EQ(validation.budgets.size(), 5u);
  EXPECT_TRUE(validation.refused.empty());
  for (const BudgetValidation& budget : validation.budgets) {
    std::vector<ScalingPoint> rest;
    for (const ScalingPoint& point : full.data.points) {
      if (std::abs(point.compute / budget.budget - 1) > 0.02)
        rest.push_back(point);
    }
    ASSERT_EQ(rest.size(), budget.fitted_points);
    LawFitOptions reference = full.options;
    reference.function_tolerance = reference.refit_function_tolerance;
    reference.gradient_tolerance = reference.refit_gradient_tolerance;
    const LawFitSummary direct = fit_law(rest, {}, reference);
    const double refit_objective =
        measure_errors(budget.law, rest, 1e-3).huber * static_cast<double>(rest.size());
    EXPECT_NEAR(refit_objective, direct.objective, 1e-6 * direct.objective)
        << "C = " << budget.budget;
    // 0.5 % noise on ~3 nats: an MSE near 2e-4 where the law holds; the dense synthetic data
    // has two powers of N (Eq. 6 at S = 0), so allow a few times that.
    EXPECT_LT(budget.errors.mse, 2e-3) << "C = " << budget.budget;
    EXPECT_NEAR(budget.best_predicted_loss, budget.best_observed_loss, 0.05);
  }
  const LawValidation forward = validate_law(full.data.points, full.holdout, full.options,
                                             full.summary, ValidationScheme::kForward);
  ASSERT_EQ(forward.budgets.size(), 1u);
  EXPECT_DOUBLE_EQ(forward.budgets.front().budget, validation.budgets.back().budget);
}

TEST(LawValidationTest, RefusesOneBudget) {
  LawFitOptions options = quick_chinchilla_options();
  const RunLawFit full =
      fit_law_to_runs(runs_at_sparsity(0.0), RunFilter::parse(""), std::nullopt, options);
  std::vector<ScalingPoint> one_budget = full.data.points;
  std::erase_if(one_budget, [](const ScalingPoint& point) { return point.compute != 1e20; });
  ASSERT_FALSE(one_budget.empty());
  try {
    validate_law(one_budget, {}, full.options, full.summary, ValidationScheme::kLeaveOneBudgetOut);
    ADD_FAILURE() << "no refusal";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kTooFewPoints);
  }
}

// At one budget D = C / (6 N): the D term is a power of N, and the law is refused, naming the
// relation.
TEST(LawFitRuns, OneBudgetCannotDetermineChinchillasLaw) {
  std::vector<moescope::Run> runs = runs_at_sparsity(0.0);
  std::erase_if(runs, [](const moescope::Run& run) { return *run.compute != 1e20; });
  try {
    fit_law_to_runs(runs, RunFilter::parse(""), std::nullopt, quick_chinchilla_options());
    ADD_FAILURE() << "no refusal";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kNotIdentified);
    EXPECT_NE(std::string(refused.what()).find("ln D = -1 ln N"), std::string::npos)
        << refused.what();
  }
}

}  // namespace
}  // namespace moescope

// The fitter of user-defined laws: Epoch AI's Chinchilla fit from a law file matches the built-in
// fit_law, recovery of a bounded law with a log-scale parameter, bootstrap intervals, thread
// independence and refusals.
#include "moescope/law/defined_law_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "support/epoch_points.h"
#include "support/expect_refusal.h"

namespace moescope::law {
namespace {

using moescope::testing_support::epoch_points;
using moescope::testing_support::kEpochData;

using testing_support::expect_refusal;
using Json = nlohmann::ordered_json;

const std::filesystem::path kEpochLaw = std::filesystem::path(MOESCOPE_SOURCE_DIR) / "resources" /
                                        "laws" / "examples" / "chinchilla-epoch.json";

TEST(DefinedLawFit, ChinchillaLawFileMatchesFitLawOnEpochData) {
  if (!std::filesystem::exists(kEpochData))
    GTEST_SKIP() << "Epoch AI's Chinchilla data is absent (../shared/external): " << kEpochData;
  const auto points = epoch_points();
  ASSERT_EQ(points.size(), 240u);
  const LawDefinition law = read_law_file(kEpochLaw, run_variables());
  ASSERT_EQ(law.variables(), (std::vector<std::string>{"N", "D"}));
  std::vector<LawRow> rows;
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_NEAR(points[i].tokens * 6 * points[i].total_params, points[i].compute,
                1e-9 * points[i].compute);
    rows.push_back({{points[i].total_params, points[i].tokens}, points[i].loss, i});
  }
  const DefinedLawFitSummary mine = fit_defined_law(law, rows, {}, DefinedLawFitOptions{});

  LawFitOptions options;
  options.form = LawForm::kChinchilla;
  const LawFitSummary builtin = fit_law(points, {}, options);
  const ChinchillaLaw& reference = builtin.law.chinchilla;

  ASSERT_EQ(mine.parameters.size(), 5u);
  const double A = std::exp(mine.parameters[0].value);
  const double B = std::exp(mine.parameters[1].value);
  const double E = std::exp(mine.parameters[2].value);
  const double alpha = mine.parameters[3].value;
  const double beta = mine.parameters[4].value;
  EXPECT_EQ(mine.starts, 4500u);
  EXPECT_NEAR(mine.objective, builtin.objective, 1e-6 * builtin.objective);
  EXPECT_NEAR(A, reference.A, 0.005 * reference.A);
  EXPECT_NEAR(B, reference.B, 0.005 * reference.B);
  EXPECT_NEAR(E, reference.E, 1e-3);
  EXPECT_NEAR(alpha, reference.alpha, 1e-3);
  EXPECT_NEAR(beta, reference.beta, 1e-3);
  // Both near Epoch AI's grid result (../shared/external/README.md, 1).
  EXPECT_NEAR(A, 477.84, 0.005 * 477.84);
  EXPECT_NEAR(B, 2143.86, 0.005 * 2143.86);
  EXPECT_NEAR(E, 1.81724, 1e-3);
  EXPECT_NEAR(alpha, 0.34731, 1e-3);
  EXPECT_NEAR(beta, 0.36718, 1e-3);
  EXPECT_NEAR(mine.objective, 0.00101827, 1e-8);
  EXPECT_NEAR(mine.fit.huber * 240, mine.objective, 1e-9);
  EXPECT_NEAR(mine.fit.mse, builtin.fit.mse, 1e-5 * builtin.fit.mse);  // a flat valley
  RecordProperty("defined_objective", std::to_string(mine.objective));
  std::printf("defined law: A=%.6g B=%.6g E=%.6g alpha=%.6g beta=%.6g objective=%.12g (%.3f s)\n",
              A, B, E, alpha, beta, mine.objective, mine.seconds);
  std::printf("fit_law:     A=%.6g B=%.6g E=%.6g alpha=%.6g beta=%.6g objective=%.12g (%.3f s)\n",
              reference.A, reference.B, reference.E, reference.alpha, reference.beta,
              builtin.objective, builtin.seconds);
}

// L = E + A N^-alpha, A on the log scale with an upper bound, alpha in [0, 1.5], E >= 0.
LawDefinition bounded_law() {
  const Json json = Json::parse(R"json({
    "name": "bounded",
    "expression": "E + A * N^(-alpha)",
    "parameters": {
      "A": {"init": [10, 1000], "upper": 1e6, "scale": "log"},
      "alpha": {"init": [0.1, 0.5, 1.0], "lower": 0, "upper": 1.5},
      "E": {"init": [0.5, 2], "lower": 0}
    }
  })json");
  return parse_law_definition(json, "bounded.json", run_variables());
}

constexpr double kA = 400, kAlpha = 0.34, kE = 1.8;

std::vector<LawRow> bounded_rows(double noise, int repeats) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<LawRow> rows;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    for (int i = 0; i < 16; ++i) {
      const double n = 1e7 * std::pow(10.0, i * 3.0 / 15);
      const double loss = (kE + kA * std::pow(n, -kAlpha)) * std::exp(noise * normal(random));
      rows.push_back({{n}, loss, rows.size()});
    }
  }
  return rows;
}

TEST(DefinedLawFit, RecoversBoundedLawFromNoiselessData) {
  const LawDefinition law = bounded_law();
  DefinedLawFitOptions options;
  options.threads = 1;
  const DefinedLawFitSummary summary = fit_defined_law(law, bounded_rows(0, 1), {}, options);
  EXPECT_EQ(summary.starts, 12u);
  EXPECT_NEAR(summary.parameters[0].value, kA, 1e-4 * kA);
  EXPECT_NEAR(summary.parameters[1].value, kAlpha, 1e-5);
  EXPECT_NEAR(summary.parameters[2].value, kE, 1e-5);
  EXPECT_LT(summary.objective, 1e-14);
  EXPECT_LT(summary.fit.mse, 1e-12);
}

TEST(DefinedLawFit, BootstrapIntervalsContainTruthAndThreadsDoNotMatter) {
  const LawDefinition law = bounded_law();
  const std::vector<LawRow> rows = bounded_rows(0.01, 3);
  std::vector<bool> holdout(rows.size(), false);
  holdout[5] = holdout[20] = true;
  DefinedLawFitOptions options;
  options.bootstrap = 60;
  options.bootstrap_grid_starts = 4;
  options.threads = 1;
  const DefinedLawFitSummary one = fit_defined_law(law, rows, holdout, options);
  options.threads = 2;
  const DefinedLawFitSummary two = fit_defined_law(law, rows, holdout, options);

  EXPECT_EQ(one.free_values(), two.free_values());
  EXPECT_EQ(one.objective, two.objective);
  EXPECT_EQ(one.replicates, two.replicates);
  EXPECT_EQ(one.minima, two.minima);
  EXPECT_EQ(one.holdout.points, 2u);
  EXPECT_EQ(one.fit.points, rows.size() - 2);

  EXPECT_EQ(one.replicates.size() + one.bootstrap_failed, 60u);
  EXPECT_GE(one.replicates.size(), 55u);
  const auto intervals = one.parameter_intervals(0.95);
  ASSERT_EQ(intervals.size(), 3u);
  const double truth[] = {kA, kAlpha, kE};
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(intervals[k].second.contains(truth[k]))
        << intervals[k].first << " [" << intervals[k].second.lo << ", " << intervals[k].second.hi
        << "]";
    EXPECT_GT(intervals[k].second.hi - intervals[k].second.lo, 0) << intervals[k].first;
  }
  const auto predicted = one.prediction_interval(LawRow{{1e11}, 0, 0});
  ASSERT_TRUE(predicted.has_value());
  EXPECT_TRUE(predicted->contains(kE + kA * std::pow(1e11, -kAlpha)));
  EXPECT_GT(predicted->hi, predicted->lo);
}

TEST(DefinedLawFit, Refusals) {
  const LawDefinition law = bounded_law();
  std::vector<LawRow> rows = bounded_rows(0, 1);
  DefinedLawFitOptions options;
  options.threads = 1;

  DefinedLawFitOptions bad = options;
  bad.max_iterations = 0;
  expect_refusal(RefusalReason::kInvalidOptions, [&] { fit_defined_law(law, rows, {}, bad); });
  expect_refusal(RefusalReason::kInvalidOptions,
                 [&] { fit_defined_law(law, rows, {true}, options); });

  std::vector<LawRow> broken = rows;
  broken[3].loss = std::nan("");
  try {
    fit_defined_law(law, broken, {}, options);
    ADD_FAILURE();
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kNonFiniteData);
    EXPECT_NE(std::string(refused.what()).find("row 3: loss"), std::string::npos) << refused.what();
  }
  broken = rows;
  broken[4].values.clear();
  expect_refusal(RefusalReason::kNonFiniteData, [&] { fit_defined_law(law, broken, {}, options); });
  broken = rows;
  broken[4].values[0] = INFINITY;
  expect_refusal(RefusalReason::kNonFiniteData, [&] { fit_defined_law(law, broken, {}, options); });

  const std::vector<LawRow> three(rows.begin(), rows.begin() + 3);
  expect_refusal(RefusalReason::kTooFewPoints, [&] { fit_defined_law(law, three, {}, options); });

  const Json diverging = Json::parse(R"({"name": "nan", "expression": "log(-A) + N",
                                        "parameters": {"A": {"init": [1, 2]}}})");
  const LawDefinition nan_law = parse_law_definition(diverging, "nan.json", run_variables());
  expect_refusal(RefusalReason::kNoConvergence,
                 [&] { fit_defined_law(nan_law, rows, {}, options); });

  std::atomic<bool> cancel{true};
  FitControl control;
  control.cancel = &cancel;
  expect_refusal(RefusalReason::kCancelled,
                 [&] { fit_defined_law(law, rows, {}, options, control); });
}

}  // namespace
}  // namespace moescope::law

// The parametric-law fitter: Epoch AI's Chinchilla replication, recovery of a known Eq. 6 law,
// hold-out, threads, progress and cancel, refusals and the bootstrap.
#include "moescope/fit/law_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/epoch_points.h"
#include "support/quick_law_fit.h"

namespace moescope {
namespace {

using moescope::testing_support::epoch_points;
using moescope::testing_support::kEpochData;

using testing_support::quick_chinchilla_options;

std::vector<ScalingPoint> synthetic_points(double noise_sigma) {
  SyntheticGridOptions options;
  options.noise_sigma = noise_sigma;
  return scaling_points(generate_synthetic_grid(options)).points;
}

// The paper's validation split: every S = 0.98 point held out.
std::vector<bool> hold_out_sparsity(const std::vector<ScalingPoint>& points, double sparsity) {
  std::vector<bool> holdout;
  for (const auto& point : points)
    holdout.push_back(std::abs(point.sparsity - sparsity) < 1e-9);
  return holdout;
}

std::vector<ScalingPoint> dense_points(const std::vector<ScalingPoint>& points) {
  std::vector<ScalingPoint> dense;
  std::copy_if(points.begin(), points.end(), std::back_inserter(dense),
               [](const ScalingPoint& point) { return point.sparsity == 0.0; });
  return dense;
}

// "Agrees to 3 significant digits": within half a unit of the third significant digit.
void expect_three_digits(double actual, double published, const std::string& name) {
  const double unit = std::pow(10.0, std::floor(std::log10(std::abs(published))) - 2);
  EXPECT_NEAR(actual, published, 0.5 * unit) << name;
}

RefusalReason refusal_of(const std::function<void()>& fit) {
  try {
    fit();
  } catch (const FitRefused& refused) {
    return refused.reason();
  }
  ADD_FAILURE() << "the fit did not refuse";
  return RefusalReason::kInvalidOptions;
}

TEST(LawFit, ReproducesEpochChinchillaGridFit) {
  if (!std::filesystem::exists(kEpochData))
    GTEST_SKIP() << "Epoch AI's Chinchilla data is absent: " << kEpochData;
  const auto points = epoch_points();
  ASSERT_EQ(points.size(), 240u);

  LawFitOptions options;
  options.form = LawForm::kChinchilla;  // grid: Epoch's, by default
  const LawFitSummary summary = fit_law(points, {}, options);

  // Besiroglu et al. 2024, "replicate exactly" grid result (../shared/external/README.md, 1).
  const ChinchillaLaw& law = summary.law.chinchilla;
  expect_three_digits(law.A, 477.84, "A");
  expect_three_digits(law.B, 2143.86, "B");
  expect_three_digits(law.E, 1.81724, "E");
  expect_three_digits(law.alpha, 0.34731, "alpha");
  expect_three_digits(law.beta, 0.36718, "beta");
  expect_three_digits(summary.objective, 0.00101827, "objective");
  EXPECT_EQ(summary.starts, 4500u);
  EXPECT_GT(summary.converged, 0u);
  EXPECT_EQ(summary.fit.points, 240u);
  EXPECT_NEAR(summary.fit.huber * 240, summary.objective, 1e-9);
  EXPECT_EQ(summary.holdout.points, 0u);
  EXPECT_TRUE(std::isnan(summary.holdout.mse));
}

// Besiroglu et al. (2024, Table 1) bootstrap the same data and objective 4 000 times; their 95 %
// intervals (../shared/external/README.md, 1) are the target. Tolerances as the issue states
// them: the endpoints of A and B within 20 % on a log scale (a ratio within 1.2), and the
// half-widths of E, alpha and beta within 30 % of the published ones. Their estimator maximises
// a Huber likelihood with a fitted scale by BFGS from Hoffmann's values; ours minimises the
// summed Huber loss from several starts per replicate, so agreement is within these bounds, not
// to the digit.
TEST(LawFit, BootstrapOnEpochDataMatchesPublishedIntervals) {
  if (!std::filesystem::exists(kEpochData))
    GTEST_SKIP() << "Epoch AI's Chinchilla data is absent: " << kEpochData;
  LawFitOptions options;
  options.form = LawForm::kChinchilla;
  options.bootstrap = 1000;
  const LawFitSummary summary = fit_law(epoch_points(), {}, options);
  EXPECT_EQ(summary.bootstrap_failed, 0u);
  const auto intervals = summary.parameter_intervals();
  ASSERT_EQ(intervals.size(), 5u);
  const struct {
    const char* name;
    double lo, hi;
  } published[] = {{"A", 285.2, 743.6},
                   {"B", 1042.4, 5810.3},
                   {"E", 1.769, 1.871},
                   {"alpha", 0.317, 0.373},
                   {"beta", 0.331, 0.415}};
  for (std::size_t k = 0; k < 5; ++k) {
    const auto& [name, ours] = intervals[k];
    ASSERT_EQ(name, published[k].name);
    if (k < 2) {
      EXPECT_NEAR(std::log(ours.lo / published[k].lo), 0.0, std::log(1.2)) << name << " lo";
      EXPECT_NEAR(std::log(ours.hi / published[k].hi), 0.0, std::log(1.2)) << name << " hi";
    } else {
      const double half_width = (published[k].hi - published[k].lo) / 2;
      EXPECT_NEAR((ours.hi - ours.lo) / 2 / half_width, 1.0, 0.3) << name << " half-width";
      EXPECT_TRUE(ours.contains((published[k].lo + published[k].hi) / 2)) << name;
    }
  }
}

// The full Table 2 grid (437 400 starts, ~25 s on 2 cores) on noiseless data from Table 3,
// S = 0.98 held out as in the paper. The objective is flat along some combinations of the
// coefficients on this grid of points (a against alpha, c and e against lambda), and the L-BFGS
// tolerances stop each start at ~1e-7 of a zero objective, so the coefficients are asserted
// more loosely than the predictions and the exponents of N, D and 1 - S.
TEST(LawFit, RecoversTable3LawFromNoiselessGridWithFullTable2Grid) {
#ifndef NDEBUG
  GTEST_SKIP() << "the full 437 400-start grid runs in optimised (NDEBUG) builds only: it would "
                  "take most of an hour unoptimised; the sub-grid tests run the same code";
#endif
  const auto points = synthetic_points(0.0);
  const auto holdout = hold_out_sparsity(points, 0.98);
  const LawFitSummary summary = fit_law(points, holdout, LawFitOptions{});
  EXPECT_EQ(summary.starts, 437400u);
  EXPECT_EQ(summary.holdout.points, 35u);
  EXPECT_LT(summary.objective, 1e-5);

  const SparsityLaw truth = SparsityLaw::table3();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double expected =
        truth.loss(points[i].total_params, points[i].tokens, points[i].sparsity);
    EXPECT_NEAR(summary.law.loss(points[i]), expected, 1e-3)
        << "point " << i << " S=" << points[i].sparsity << (holdout[i] ? " (held out)" : "");
  }
  const SparsityLaw& fitted = summary.law.abnar;
  EXPECT_NEAR(fitted.alpha, truth.alpha, 0.02);
  EXPECT_NEAR(fitted.beta, truth.beta, 0.002);
  EXPECT_NEAR(fitted.gamma, truth.gamma, 0.005);
  EXPECT_NEAR(fitted.delta, truth.delta, 0.005);
  EXPECT_NEAR(fitted.lambda, truth.lambda, 0.02);
  EXPECT_NEAR(fitted.e, truth.e, 0.05);
  for (const auto& [name, value, expected] :
       {std::tuple{"a", fitted.a, truth.a}, std::tuple{"b", fitted.b, truth.b},
        std::tuple{"c", fitted.c, truth.c}, std::tuple{"d", fitted.d, truth.d}})
    EXPECT_NEAR(value / expected, 1.0, 0.2) << name;
}

// With the default 0.5 % noise, on a documented sub-grid of Table 2 to keep the suite fast: the
// coefficients' logs at {0, 10, 20} and lambda, delta at {-0.5, 0.5}, but alpha, beta and gamma
// at {0.25, 0.75} only (3^4 * 2^5 = 2 592 starts).
TEST(LawFit, PredictsHeldOutSparsityFromNoisyGrid) {
  const auto points = synthetic_points(0.005);
  const auto holdout = hold_out_sparsity(points, 0.98);
  LawFitOptions options;
  options.grid_override = {{"alpha", {0.25, 0.75}},
                           {"beta", {0.25, 0.75}},
                           {"gamma", {0.25, 0.75}},
                           {"lambda", {-0.5, 0.5}},
                           {"delta", {-0.5, 0.5}}};
  options.bootstrap = 100;
  const LawFitSummary summary = fit_law(points, holdout, options);
  EXPECT_EQ(summary.starts, 2592u);

  const SparsityLaw truth = SparsityLaw::table3();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!holdout[i])
      continue;
    const double expected = truth.loss(points[i].total_params, points[i].tokens, 0.98);
    EXPECT_NEAR(summary.law.loss(points[i]), expected, 0.02) << "held-out point " << i;
  }
  EXPECT_NEAR(summary.law.abnar.beta, truth.beta, 0.005);
  // 0.5 % noise is ~0.013 nats at L = 2.6: an MSE near 0.013^2, held out or not.
  EXPECT_LT(summary.fit.mse, 4e-4);
  EXPECT_LT(summary.holdout.mse, 4e-4);

  // The bootstrap's 95 % intervals cover the generating law's every coefficient, including a and
  // alpha, which trade off along a flat valley (the intervals span it: a over two decades).
  ASSERT_GE(summary.replicates.size(), 95u);
  const auto intervals = summary.parameter_intervals();
  const auto true_values = FittedLaw{LawForm::kAbnar, {}, truth}.parameters();
  ASSERT_EQ(intervals.size(), true_values.size());
  for (std::size_t k = 0; k < intervals.size(); ++k) {
    EXPECT_TRUE(intervals[k].second.contains(true_values[k].second))
        << intervals[k].first << " = " << true_values[k].second << " not in ["
        << intervals[k].second.lo << ", " << intervals[k].second.hi << "]";
  }
}

TEST(LawFit, HoldoutPointsAreMeasuredButNotFitted) {
  auto points = dense_points(synthetic_points(0.005));
  ASSERT_EQ(points.size(), 35u);
  std::vector<bool> holdout(points.size(), false);
  for (std::size_t i = 0; i < points.size(); i += 5)
    holdout[i] = true;
  const LawFitOptions options = quick_chinchilla_options();
  const LawFitSummary summary = fit_law(points, holdout, options);
  EXPECT_EQ(summary.fit.points, 28u);
  EXPECT_EQ(summary.holdout.points, 7u);

  double squared_error = 0;
  double huber = 0;
  for (std::size_t i = 0; i < points.size(); i += 5) {
    const double predicted = summary.law.loss(points[i]);
    squared_error += (points[i].loss - predicted) * (points[i].loss - predicted);
    const double residual = std::log(points[i].loss) - std::log(predicted);
    huber += std::abs(residual) <= 1e-3 ? 0.5 * residual * residual
                                        : 1e-3 * (std::abs(residual) - 0.5e-3);
  }
  EXPECT_NEAR(summary.holdout.mse, squared_error / 7, 1e-15);
  EXPECT_NEAR(summary.holdout.huber, huber / 7, 1e-15);

  // A wild held-out loss moves the hold-out error, never the fit.
  points[10].loss *= 1.5;
  const LawFitSummary changed = fit_law(points, holdout, options);
  EXPECT_EQ(changed.law.parameters(), summary.law.parameters());
  EXPECT_EQ(changed.objective, summary.objective);
  EXPECT_EQ(changed.fit.mse, summary.fit.mse);
  EXPECT_GT(changed.holdout.mse, summary.holdout.mse);
}

TEST(LawFit, ResultDoesNotDependOnThreadCount) {
  const auto points = synthetic_points(0.005);
  LawFitOptions options;
  options.form = LawForm::kChinchilla;  // the 4 500-start Epoch grid, on every sparsity
  options.threads = 1;
  const LawFitSummary one = fit_law(points, {}, options);
  options.threads = 2;
  const LawFitSummary two = fit_law(points, {}, options);
  EXPECT_EQ(one.law.parameters(), two.law.parameters());
  EXPECT_EQ(one.objective, two.objective);
  EXPECT_EQ(one.converged, two.converged);
  EXPECT_EQ(one.termination, two.termination);
}

TEST(LawFit, ReportsMonotoneProgressFromTheCallingThreadEndingAtTotal) {
  const auto points = synthetic_points(0.005);
  LawFitOptions options;
  options.form = LawForm::kChinchilla;
  options.threads = 2;
  options.bootstrap = 8;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  const auto caller = std::this_thread::get_id();
  bool called_from_caller = true;
  FitControl control;
  control.progress = [&](std::size_t done, std::size_t total) {
    calls.emplace_back(done, total);
    called_from_caller = called_from_caller && std::this_thread::get_id() == caller;
  };
  fit_law(points, {}, options, control);
  ASSERT_FALSE(calls.empty());
  EXPECT_TRUE(called_from_caller);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].second, 4508u);
    if (i > 0) {
      EXPECT_GE(calls[i].first, calls[i - 1].first);
    }
  }
  EXPECT_EQ(calls.back().first, 4508u);
}

TEST(LawFit, CancelFromProgressCallbackRefusesWithCancelled) {
  const auto points = synthetic_points(0.005);
  std::atomic<bool> cancel{false};
  FitControl control;
  control.cancel = &cancel;
  std::size_t last_done = 0;
  control.progress = [&](std::size_t done, std::size_t) {
    last_done = done;
    cancel = true;
  };
  LawFitOptions options;  // the full Table 2 grid: it would run for tens of seconds
  options.threads = 2;
  EXPECT_EQ(refusal_of([&] { fit_law(points, hold_out_sparsity(points, 0.98), options, control); }),
            RefusalReason::kCancelled);
  EXPECT_LT(last_done, 437400u);
}

TEST(LawFit, RefusesTooFewPoints) {
  auto points = dense_points(synthetic_points(0.0));
  points.resize(5);  // the Chinchilla form has 5 parameters: 6 points at least
  EXPECT_EQ(refusal_of([&] { fit_law(points, {}, quick_chinchilla_options()); }),
            RefusalReason::kTooFewPoints);
  auto more = dense_points(synthetic_points(0.0));
  more.resize(8);
  std::vector<bool> holdout(8, false);
  holdout[0] = holdout[1] = holdout[2] = true;  // 5 left to fit
  EXPECT_EQ(refusal_of([&] { fit_law(more, holdout, quick_chinchilla_options()); }),
            RefusalReason::kTooFewPoints);
  // 8 points for the 10 parameters of Eq. 6.
  EXPECT_EQ(refusal_of([&] { fit_law(more, {}, LawFitOptions{}); }), RefusalReason::kTooFewPoints);
}

// The message of a refusal, failing the test where there is none.
std::pair<RefusalReason, std::string> refusal_with_message(const std::function<void()>& fit) {
  try {
    fit();
  } catch (const FitRefused& refused) {
    return {refused.reason(), refused.what()};
  }
  ADD_FAILURE() << "the fit did not refuse";
  return {RefusalReason::kInvalidOptions, ""};
}

// Data from which a law cannot be determined is refused before any start is tried: a start
// point or one arbitrary member of a family of equally good laws would otherwise come back as
// "the fit", with intervals of zero width.
TEST(LawFit, RefusesDataThatCannotDetermineTheLaw) {
  const LawFitOptions chinchilla = quick_chinchilla_options();
  const auto dense = dense_points(synthetic_points(0.005));

  const std::vector<ScalingPoint> repeated(12, dense.front());
  auto [reason, message] = refusal_with_message([&] { fit_law(repeated, {}, chinchilla); });
  EXPECT_EQ(reason, RefusalReason::kTooFewPoints);
  EXPECT_NE(message.find("distinct points"), std::string::npos) << message;

  auto one_size = dense;
  for (auto& point : one_size)
    point.total_params = 1e8;
  std::tie(reason, message) = refusal_with_message([&] { fit_law(one_size, {}, chinchilla); });
  EXPECT_EQ(reason, RefusalReason::kNotIdentified);
  EXPECT_NE(message.find("distinct values of N"), std::string::npos) << message;

  auto constant = dense;
  for (auto& point : constant)
    point.loss = 3.0;
  std::tie(reason, message) = refusal_with_message([&] { fit_law(constant, {}, chinchilla); });
  EXPECT_EQ(reason, RefusalReason::kNotIdentified);
  EXPECT_NE(message.find("constant loss"), std::string::npos) << message;

  // D = 20 N in every run (a "tokens per parameter" sweep): two powers of N, not N and D;
  // ln 20 = 2.996.
  auto tied = dense;
  for (auto& point : tied)
    point.tokens = 20 * point.total_params;
  std::tie(reason, message) = refusal_with_message([&] { fit_law(tied, {}, chinchilla); });
  EXPECT_EQ(reason, RefusalReason::kNotIdentified);
  EXPECT_NE(message.find("ln D = 1 ln N + 2.996"), std::string::npos) << message;

  // Eq. 6 on two sparsity levels: its terms in 1 - S need three.
  auto two_levels = synthetic_points(0.005);
  std::erase_if(two_levels, [](const ScalingPoint& point) {
    return point.sparsity != 0.0 && point.sparsity != 0.5;
  });
  LawFitOptions abnar;
  abnar.grid_override = {{"alpha", {0.5}}, {"beta", {0.5}}, {"gamma", {0.5}}};
  std::tie(reason, message) = refusal_with_message([&] { fit_law(two_levels, {}, abnar); });
  EXPECT_EQ(reason, RefusalReason::kNotIdentified);
  EXPECT_NE(message.find("distinct values of S"), std::string::npos) << message;
  EXPECT_NE(message.find("S = 0, 0.5"), std::string::npos) << message;
}

// Each replicate is a refit of its own resample: none sits on the best fit, and the spread of
// the replicates is the spread of the estimate, not the tolerance of the optimiser.
TEST(LawFit, BootstrapReplicatesAreGenuineRefits) {
  const auto points = dense_points(synthetic_points(0.005));
  LawFitOptions options = quick_chinchilla_options();
  options.bootstrap = 30;
  const LawFitSummary summary = fit_law(points, {}, options);
  ASSERT_EQ(summary.replicates.size(), 30u);
  ASSERT_FALSE(summary.minima.empty());
  EXPECT_EQ(summary.minima.front().parameters(), summary.law.parameters());
  for (const FittedLaw& replicate : summary.replicates)
    EXPECT_NE(replicate.parameters(), summary.law.parameters());
  // The best fit is polished to the refit tolerances: another polish does not lower it further
  // than round-off.
  LawFitOptions again = options;
  again.bootstrap = 0;
  again.function_tolerance = options.refit_function_tolerance;
  again.gradient_tolerance = options.refit_gradient_tolerance;
  EXPECT_NEAR(fit_law(points, {}, again).objective, summary.objective, 1e-9 * summary.objective);
}

TEST(LawFit, RefusesNonFiniteOrNonPositiveData) {
  const auto valid = dense_points(synthetic_points(0.0));
  const auto refusal_with = [&](const std::function<void(ScalingPoint&)>& spoil, LawForm form) {
    auto points = valid;
    spoil(points[3]);
    LawFitOptions options = quick_chinchilla_options();
    options.form = form;
    if (form == LawForm::kAbnar)
      options.grid_override.clear();
    return refusal_of([&] { fit_law(points, {}, options); });
  };
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.loss = std::nan(""); }, LawForm::kChinchilla),
            RefusalReason::kNonFiniteData);
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.total_params = 0; }, LawForm::kChinchilla),
            RefusalReason::kNonFiniteData);
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.tokens = -1; }, LawForm::kChinchilla),
            RefusalReason::kNonFiniteData);
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.loss = HUGE_VAL; }, LawForm::kChinchilla),
            RefusalReason::kNonFiniteData);
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.sparsity = 1.0; }, LawForm::kAbnar),
            RefusalReason::kNonFiniteData);
  EXPECT_EQ(refusal_with([](ScalingPoint& p) { p.sparsity = -0.1; }, LawForm::kAbnar),
            RefusalReason::kNonFiniteData);
  // A held-out point is predicted, so it is checked too.
  auto points = valid;
  points[0].tokens = std::nan("");
  std::vector<bool> holdout(points.size(), false);
  holdout[0] = true;
  EXPECT_EQ(refusal_of([&] { fit_law(points, holdout, quick_chinchilla_options()); }),
            RefusalReason::kNonFiniteData);
}

TEST(LawFit, RefusesWhenNoStartConverges) {
  const auto points = dense_points(synthetic_points(0.005));
  LawFitOptions options = quick_chinchilla_options();
  options.max_iterations = 1;
  options.function_tolerance = 0;
  options.gradient_tolerance = 0;
  EXPECT_EQ(refusal_of([&] { fit_law(points, {}, options); }), RefusalReason::kNoConvergence);
}

TEST(LawFit, ValidateNamesEachBadOption) {
  EXPECT_TRUE(LawFitOptions{}.validate().empty());
  LawFitOptions options;
  options.huber_delta = -1;
  options.threads = -2;
  options.max_iterations = 0;
  options.function_tolerance = std::nan("");
  options.gradient_tolerance = -1;
  options.bootstrap = -1;
  options.init_grid = InitGrid::kEpoch;  // the Abnar form has no Epoch grid
  options.grid_override = {{"log_A", {1}}, {"alpha", {}}, {"beta", {0.5}}, {"beta", {0.5}}};
  const auto problems = options.validate();
  const auto mentions = [&](const std::string& text) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& problem) {
      return problem.find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(mentions("huber_delta"));
  EXPECT_TRUE(mentions("threads"));
  EXPECT_TRUE(mentions("max_iterations"));
  EXPECT_TRUE(mentions("function_tolerance"));
  EXPECT_TRUE(mentions("gradient_tolerance"));
  EXPECT_TRUE(mentions("bootstrap"));
  EXPECT_TRUE(mentions("init_grid epoch"));
  EXPECT_TRUE(mentions("'log_A' is not a coordinate of the abnar form"));
  EXPECT_TRUE(mentions("'alpha' has no values"));
  EXPECT_TRUE(mentions("'beta' is given more than once"));
  EXPECT_EQ(problems.size(), 10u);

  LawFitOptions chinchilla;
  chinchilla.form = LawForm::kChinchilla;
  chinchilla.init_grid = InitGrid::kAbnarTable2;  // names the Chinchilla parameters: fine
  EXPECT_TRUE(chinchilla.validate().empty());
  EXPECT_EQ(chinchilla.grid(), InitGrid::kAbnarTable2);
  EXPECT_EQ(LawFitOptions{}.grid(), InitGrid::kAbnarTable2);
  chinchilla.init_grid.reset();
  EXPECT_EQ(chinchilla.grid(), InitGrid::kEpoch);
}

TEST(LawFit, RefusesInvalidOptionsListingTheProblems) {
  const auto points = dense_points(synthetic_points(0.0));
  LawFitOptions options = quick_chinchilla_options();
  options.huber_delta = 0;
  options.threads = -1;
  try {
    fit_law(points, {}, options);
    ADD_FAILURE() << "the fit did not refuse";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kInvalidOptions);
    EXPECT_NE(std::string(refused.what()).find("huber_delta"), std::string::npos);
    EXPECT_NE(std::string(refused.what()).find("threads"), std::string::npos);
  }
  LawFitOptions abnar_with_epoch;
  abnar_with_epoch.init_grid = InitGrid::kEpoch;
  EXPECT_EQ(refusal_of([&] { fit_law(points, {}, abnar_with_epoch); }),
            RefusalReason::kInvalidOptions);
  EXPECT_EQ(
      refusal_of([&] { fit_law(points, std::vector<bool>(3, false), quick_chinchilla_options()); }),
      RefusalReason::kInvalidOptions);
}

TEST(LawFit, BootstrapGivesReplicatesAndIntervalsAroundThePrediction) {
  const auto points = dense_points(synthetic_points(0.005));
  LawFitOptions options = quick_chinchilla_options();
  options.bootstrap = 40;
  options.seed = 7;
  options.threads = 2;
  const LawFitSummary summary = fit_law(points, {}, options);
  EXPECT_EQ(summary.replicates.size() + summary.bootstrap_failed, 40u);
  ASSERT_GE(summary.replicates.size(), 30u);
  std::vector<double> widths;
  for (const auto& point : points) {
    const auto interval = summary.prediction_interval(point);
    ASSERT_TRUE(interval.has_value());
    EXPECT_TRUE(interval->contains(summary.law.loss(point)))
        << summary.law.loss(point) << " not in [" << interval->lo << ", " << interval->hi << "]";
    widths.push_back(interval->hi - interval->lo);
  }
  // 0.5 % noise on losses near 3 nats is ~0.015 nats per point; a law of 5 parameters fitted to
  // 35 points predicts a fitted point to about 0.015 * sqrt(5 / 35) ~ 0.006 (standard error), so
  // a 95 % interval about 0.02 wide. Refits that did not move from the best fit gave ~1e-5.
  std::sort(widths.begin(), widths.end());
  EXPECT_GT(widths[widths.size() / 2], 0.005);
  EXPECT_LT(widths[widths.size() / 2], 0.1);
  const auto intervals = summary.parameter_intervals();
  ASSERT_EQ(intervals.size(), 5u);
  EXPECT_EQ(intervals[0].first, "A");
  EXPECT_LE(intervals[4].second.lo, intervals[4].second.hi);

  // The same replicates for the same seed, whatever the thread count; others for another seed.
  options.threads = 1;
  const LawFitSummary again = fit_law(points, {}, options);
  ASSERT_EQ(again.replicates.size(), summary.replicates.size());
  for (std::size_t i = 0; i < again.replicates.size(); ++i)
    EXPECT_EQ(again.replicates[i].parameters(), summary.replicates[i].parameters());
  options.seed = 8;
  const LawFitSummary reseeded = fit_law(points, {}, options);
  EXPECT_NE(reseeded.replicates.front().parameters(), summary.replicates.front().parameters());

  EXPECT_FALSE(fit_law(points, {}, quick_chinchilla_options())
                   .prediction_interval(points.front())
                   .has_value());
}

TEST(FittedLaw, ParametersRoundTripAndUnknownOrMissingNamesThrow) {
  FittedLaw law;
  law.form = LawForm::kAbnar;
  law.abnar = SparsityLaw::table3();
  const auto parameters = law.parameters();
  ASSERT_EQ(parameters.size(), 10u);
  EXPECT_EQ(parameters[8].first, "lambda");
  const FittedLaw back = FittedLaw::from_parameters(LawForm::kAbnar, parameters);
  EXPECT_EQ(back.parameters(), parameters);
  const ScalingPoint point{1e9, 2e8, 2e10, 0.75, 2.4e19, 2.5, 0};
  EXPECT_DOUBLE_EQ(back.loss(point), SparsityLaw::table3().loss(1e9, 2e10, 0.75));

  const FittedLaw chinchilla = FittedLaw::from_parameters(
      LawForm::kChinchilla,
      {{"beta", 0.28}, {"alpha", 0.34}, {"E", 1.69}, {"B", 410.7}, {"A", 406.4}});
  EXPECT_DOUBLE_EQ(chinchilla.loss(point),
                   1.69 + 406.4 / std::pow(1e9, 0.34) + 410.7 / std::pow(2e10, 0.28));

  EXPECT_THROW(FittedLaw::from_parameters(LawForm::kChinchilla, {{"A", 1}}), std::invalid_argument);
  auto unknown = parameters;
  unknown.emplace_back("zeta", 1);
  EXPECT_THROW(FittedLaw::from_parameters(LawForm::kAbnar, unknown), std::invalid_argument);
  auto repeated = parameters;
  repeated.push_back(parameters.front());
  EXPECT_THROW(FittedLaw::from_parameters(LawForm::kAbnar, repeated), std::invalid_argument);
}

}  // namespace
}  // namespace moescope

#include "moescope/fit/downstream_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "support/expect_refusal.h"

namespace moescope {
namespace {

using testing_support::expect_refusal;

// The known curve the synthetic data follow: chance at 0.75 error (4-way multiple choice), a floor
// of 0.25, the transition around L = 3.2 nats.
const SaturatingCurve kTruth{0.25, 0.75, 3.0, 3.2};
const std::vector<double> kSparsities = {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98};

// Box-Muller over mt19937_64, so the data are the same with every standard library.
class Gaussian {
 public:
  explicit Gaussian(std::uint64_t seed) : bits_(seed) {}
  double next() {
    const double u1 = uniform_open();
    const double u2 = uniform_open();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  double uniform_open() { return (static_cast<double>(bits_() >> 11) + 0.5) * 0x1.0p-53; }

 private:
  std::mt19937_64 bits_;
};

// 15 points per sparsity level at losses spread over 2.2 .. 4.4 nats, error = truth + noise, plus
// `sparse_offset` for S >= 0.9 (Section 4's reading comprehension: sparse models transfer worse).
std::vector<DownstreamPoint> synthetic_points(std::uint64_t seed, double sparse_offset,
                                              double noise = 0.01) {
  Gaussian gaussian(seed);
  std::vector<DownstreamPoint> points;
  for (const double sparsity : kSparsities) {
    for (int i = 0; i < 15; ++i) {
      DownstreamPoint point;
      point.sparsity = sparsity;
      point.loss = 2.2 + 2.2 * gaussian.uniform_open();
      point.error = kTruth.error(point.loss) + noise * gaussian.next() +
                    (sparsity >= 0.9 ? sparse_offset : 0.0);
      point.run_index = points.size();
      points.push_back(point);
    }
  }
  return points;
}

moescope::Run run_with(double loss, double sparsity, std::vector<TaskMetric> downstream) {
  moescope::Run run;
  run.id = "r";
  run.id += std::to_string(loss);  // not "r" + ...: GCC 12 warns falsely (-Wrestrict) on that
  run.loss = loss;
  run.sparsity = sparsity;
  run.downstream = std::move(downstream);
  return run;
}

// --- downstream_points ------------------------------------------------------------------------

TEST(DownstreamPointsTest, ConvertsAccuracyToErrorAndSkipsRunsThatCannotBePlaced) {
  std::vector<moescope::Run> runs;
  runs.push_back(run_with(2.5, 0.5, {{"squad", MetricKind::kAccuracy, 0.7}}));
  runs.push_back(run_with(
      2.7, 0.9, {{"piqa", MetricKind::kAccuracy, 0.6}, {"squad", MetricKind::kError, 0.4}}));
  runs.push_back(run_with(2.9, 0.0, {{"piqa", MetricKind::kAccuracy, 0.6}}));  // no squad
  moescope::Run unfinished = run_with(2.4, 0.5, {{"squad", MetricKind::kAccuracy, 0.8}});
  unfinished.status = RunStatus::kRunning;
  runs.push_back(unfinished);
  moescope::Run no_loss = run_with(2.4, 0.5, {{"squad", MetricKind::kAccuracy, 0.8}});
  no_loss.loss.reset();
  runs.push_back(no_loss);
  moescope::Run no_sparsity = run_with(2.4, 0.5, {{"squad", MetricKind::kAccuracy, 0.8}});
  no_sparsity.sparsity.reset();
  runs.push_back(no_sparsity);

  const std::vector<DownstreamPoint> points = downstream_points(runs, "squad");
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].error, 0.3);
  EXPECT_EQ(points[0].loss, 2.5);
  EXPECT_EQ(points[0].sparsity, 0.5);
  EXPECT_EQ(points[0].run_index, 0u);
  EXPECT_DOUBLE_EQ(points[1].error, 0.4);
  EXPECT_EQ(points[1].run_index, 1u);
}

TEST(DownstreamPointsTest, RefusesMetricsWithoutAnErrorReadingAndBadValues) {
  for (const MetricKind kind : {MetricKind::kLoss, MetricKind::kOther}) {
    expect_refusal(RefusalReason::kInvalidOptions, [&] {
      downstream_points({run_with(2.5, 0.5, {{"squad", kind, 1.3}})}, "squad");
    });
  }
  expect_refusal(RefusalReason::kNonFiniteData, [] {
    downstream_points({run_with(2.5, 0.5, {{"squad", MetricKind::kAccuracy, 1.2}})}, "squad");
  });
  expect_refusal(RefusalReason::kNonFiniteData, [] {
    downstream_points({run_with(2.5, 0.5, {{"squad", MetricKind::kError, -0.1}})}, "squad");
  });
  expect_refusal(RefusalReason::kNonFiniteData, [] {
    downstream_points({run_with(std::numeric_limits<double>::infinity(), 0.5,
                                {{"squad", MetricKind::kError, 0.5}})},
                      "squad");
  });
  expect_refusal(RefusalReason::kNonFiniteData, [] {
    downstream_points({run_with(2.5, 1.0, {{"squad", MetricKind::kError, 0.5}})}, "squad");
  });
}

// --- fit_downstream ---------------------------------------------------------------------------

TEST(DownstreamFitTest, RecoversTheCurve) {
  const DownstreamFit fit = fit_downstream(synthetic_points(7, 0.0));
  EXPECT_NEAR(fit.curve.floor, kTruth.floor, 0.02);
  EXPECT_NEAR(fit.curve.ceiling, kTruth.ceiling, 0.02);
  EXPECT_NEAR(fit.curve.steepness, kTruth.steepness, 0.15 * kTruth.steepness);
  EXPECT_NEAR(fit.curve.midpoint, kTruth.midpoint, 0.03);
  // The noise is 0.01; a fit of four parameters to 105 points leaves about as much.
  EXPECT_NEAR(fit.rmse, 0.01, 0.002);
  EXPECT_EQ(fit.points.size(), 105u);
  EXPECT_EQ(fit.residuals.size(), 105u);
  EXPECT_TRUE(fit.diagnostics.empty()) << fit.diagnostics.front();
}

TEST(DownstreamFitTest, SummarisesResidualsBySparsity) {
  const DownstreamFit fit = fit_downstream(synthetic_points(7, 0.0));
  ASSERT_EQ(fit.by_sparsity.size(), kSparsities.size());
  for (std::size_t i = 0; i < kSparsities.size(); ++i) {
    const SparsityResiduals& level = fit.by_sparsity[i];
    EXPECT_EQ(level.sparsity, kSparsities[i]);
    EXPECT_EQ(level.count, 15u);
    // Noise 0.01 over 15 points: a standard error of about 0.0026.
    EXPECT_NEAR(level.standard_error, 0.01 / std::sqrt(15.0), 0.0015);
    EXPECT_LT(std::abs(level.mean_residual), 4 * level.standard_error);
  }
}

TEST(DownstreamFitTest, DetectsAnOffsetForSparseModels) {
  const DownstreamFit fit = fit_downstream(synthetic_points(7, 0.03));
  ASSERT_TRUE(fit.shift_test);
  EXPECT_TRUE(fit.shift_test->shifted);
  EXPECT_LT(fit.shift_test->p_value, 0.01);
  EXPECT_EQ(fit.shift_test->permutations, 2000);
  // The sparse levels sit above the curve, the dense ones below it.
  EXPECT_GT(fit.by_sparsity.back().mean_residual, 0.0);
  EXPECT_LT(fit.by_sparsity.front().mean_residual, 0.0);
}

TEST(DownstreamFitTest, FindsNoShiftWithoutAnOffset) {
  const DownstreamFit fit = fit_downstream(synthetic_points(7, 0.0));
  ASSERT_TRUE(fit.shift_test);
  EXPECT_FALSE(fit.shift_test->shifted);
  EXPECT_GT(fit.shift_test->p_value, 0.05);
}

TEST(DownstreamFitTest, PermutationsAreSeeded) {
  const std::vector<DownstreamPoint> points = synthetic_points(11, 0.005);
  DownstreamFitOptions options;
  options.seed = 42;
  const double first = fit_downstream(points, options).shift_test->p_value;
  EXPECT_EQ(fit_downstream(points, options).shift_test->p_value, first);
}

TEST(DownstreamFitTest, OneSparsityLevelGivesAFitButNoTest) {
  std::vector<DownstreamPoint> points = synthetic_points(7, 0.0);
  for (DownstreamPoint& point : points)
    point.sparsity = 0.5;
  const DownstreamFit fit = fit_downstream(points);
  EXPECT_FALSE(fit.shift_test);
  ASSERT_EQ(fit.by_sparsity.size(), 1u);
  EXPECT_EQ(fit.by_sparsity[0].count, points.size());
  ASSERT_FALSE(fit.diagnostics.empty());
  EXPECT_NE(fit.diagnostics.back().find("no shift test"), std::string::npos);
}

TEST(DownstreamFitTest, ALevelOfOnePointHasNoStandardError) {
  std::vector<DownstreamPoint> points = synthetic_points(7, 0.0);
  points.front().sparsity = 0.1;
  const DownstreamFit fit = fit_downstream(points);
  ASSERT_EQ(fit.by_sparsity.size(), kSparsities.size() + 1);
  EXPECT_EQ(fit.by_sparsity[1].sparsity, 0.1);
  EXPECT_EQ(fit.by_sparsity[1].count, 1u);
  EXPECT_TRUE(std::isnan(fit.by_sparsity[1].standard_error));
}

// Data that cover only the middle of the curve are a straight line; the fit says that its
// plateaus are not measured.
TEST(DownstreamFitTest, SaysWhenTheDataDoNotReachThePlateaus) {
  std::vector<DownstreamPoint> points;
  for (int i = 0; i < 10; ++i) {
    const double loss = 3.0 + 0.04 * i;
    points.push_back({loss, 0.4 + 0.1 * (loss - 3.0), 0.0, static_cast<std::size_t>(i)});
  }
  const DownstreamFit fit = fit_downstream(points);
  EXPECT_LT(fit.rmse, 1e-4);
  auto says = [&](const std::string& text) {
    for (const std::string& diagnostic : fit.diagnostics)
      if (diagnostic.find(text) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(says("do not reach the floor"));
  EXPECT_TRUE(says("do not reach the ceiling"));
}

TEST(DownstreamFitTest, Refusals) {
  const std::vector<DownstreamPoint> good = synthetic_points(7, 0.0);
  expect_refusal(RefusalReason::kTooFewPoints, [&] {
    fit_downstream(std::vector<DownstreamPoint>(good.begin(), good.begin() + 4));
  });
  std::vector<DownstreamPoint> one_loss = good;
  for (DownstreamPoint& point : one_loss)
    point.loss = 3.0;
  expect_refusal(RefusalReason::kSingularDesign, [&] { fit_downstream(one_loss); });
  for (const double error : {-0.01, 1.01, std::numeric_limits<double>::quiet_NaN()}) {
    std::vector<DownstreamPoint> bad = good;
    bad[3].error = error;
    expect_refusal(RefusalReason::kNonFiniteData, [&] { fit_downstream(bad); });
  }
  std::vector<DownstreamPoint> bad_loss = good;
  bad_loss[3].loss = std::numeric_limits<double>::infinity();
  expect_refusal(RefusalReason::kNonFiniteData, [&] { fit_downstream(bad_loss); });

  DownstreamFitOptions no_permutations;
  no_permutations.permutations = 0;
  DownstreamFitOptions bad_alpha;
  bad_alpha.alpha = 1.5;
  for (const DownstreamFitOptions& options : {no_permutations, bad_alpha}) {
    EXPECT_FALSE(options.validate().empty());
    expect_refusal(RefusalReason::kInvalidOptions, [&] { fit_downstream(good, options); });
  }
  EXPECT_TRUE(DownstreamFitOptions{}.validate().empty());
}

}  // namespace
}  // namespace moescope

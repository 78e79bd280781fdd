// IsoFLOP surfaces on data they did not make: runs without N_a, the bounded degree search, and
// refusals where the data cannot answer.
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "moescope/fit/isoflop_surface.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/expect_refusal.h"
#include "support/isoflop_points.h"
#include "support/routed_lm_law.h"

namespace moescope {
namespace {

using testing_support::expect_refusal;

using testing_support::kGridSparsities;
using testing_support::synthetic_budget_points;
using testing_support::synthetic_budgets;

SurfacePoint point(double size, double sparsity, double loss) {
  return {size, size * (1 - sparsity), sparsity, loss, 1e20, 0};
}

double log_sparsity_of(double sparsity) {
  return -std::log1p(-sparsity);
}

// The synthetic grid's (N, S) points with losses from an Eq. 8 polynomial of degrees (2, 2, 2).
struct KnownSurface {
  SurfacePolynomial truth;
  std::vector<SurfacePoint> points;
};

KnownSurface known_surface() {
  KnownSurface known;
  // A bowl in ln N around ln N = 21 whose floor falls and moves out with sparsity.
  known.truth.degrees = {2, 2, 2};
  known.truth.coefficients = {-0.84, 0.02, -0.31, 0.045, 0.004, -0.0002, 12.0};
  for (SurfacePoint p : synthetic_budget_points(0.0, 2)) {
    p.loss = known.truth.loss(p.total_params, p.sparsity);
    known.points.push_back(p);
  }
  return known;
}

// ---- Data without N_a ----------------------------------------------------------------------

moescope::Run run_without_active(const std::string& id, double total, double sparsity,
                                 double loss) {
  moescope::Run run;
  run.id = id;
  run.total_params = total;
  run.sparsity = sparsity;
  run.loss = loss;
  return run;
}

TEST(SurfacePoints, NeedActiveParametersOnlyForTheActiveAxis) {
  const std::vector<moescope::Run> runs = {run_without_active("r1", 2e9, 0.75, 2.5)};
  const SurfaceData total = surface_points(runs, SizeAxis::kTotal);
  ASSERT_EQ(total.points.size(), 1u);
  EXPECT_FALSE(total.points[0].has_active_params());
  EXPECT_TRUE(total.left_out.empty());
  // The default, like the N_a axis, asks for N_a and says why.
  for (const SurfaceData& data : {surface_points(runs), surface_points(runs, SizeAxis::kActive)}) {
    EXPECT_TRUE(data.points.empty());
    ASSERT_EQ(data.left_out.size(), 1u);
    EXPECT_EQ(data.left_out[0],
              "run r1: no N_active (the N_active axis needs it; the N axis does not)");
  }
}

// The routed-LM grid as SurfacePoints without N_a; `training` gets every run but the sparsest
// (E = 128), `sparsest` those.
struct RoutedSplit {
  std::vector<SurfacePoint> training, sparsest;
};

RoutedSplit routed_split(double noise_sigma, std::uint64_t seed) {
  RoutedSplit split;
  for (const testing_support::RoutedRun& run : testing_support::routed_runs(noise_sigma, seed)) {
    SurfacePoint p{run.total_params, std::nan(""), run.sparsity, run.loss, std::nullopt, 0};
    auto& part = run.experts == 128 ? split.sparsest : split.training;
    p.run_index = part.size();
    part.push_back(p);
  }
  return split;
}

TEST(SurfaceFit, UsesRunsWithoutActiveParametersOnTheTotalAxisOnly) {
  const std::vector<SurfacePoint> points = routed_split(0.002, 1).training;
  ASSERT_EQ(points.size(), 49u);
  EXPECT_EQ(fit_isoflop_surface(points).points, 49u);
  SurfaceFitOptions active;
  active.axis = SizeAxis::kActive;
  try {
    fit_isoflop_surface(points, active);
    ADD_FAILURE() << "a surface on the N_a axis needs N_a";
  } catch (const FitRefused& refusal) {
    EXPECT_EQ(refusal.reason(), RefusalReason::kNonFiniteData);
    EXPECT_NE(std::string(refusal.what()).find("point of run #0: no N_active"), std::string::npos)
        << refusal.what();
  }
}

// Mean |predicted / observed - 1| over `points`.
double mean_relative_error(const std::vector<SurfacePoint>& points,
                           const std::function<double(const SurfacePoint&)>& predict) {
  double sum = 0;
  for (const SurfacePoint& p : points)
    sum += std::abs(predict(p) / p.loss - 1.0);
  return sum / static_cast<double>(points.size());
}

// The plain quadratic with the cross term, Eq. 8 at degrees (2, 2, 1), by least squares written
// out here (not through the fitter): columns x, x^2, s, s^2, x s, 1 with x = ln N, s = -ln(1-S).
std::function<double(const SurfacePoint&)> plain_quadratic(
    const std::vector<SurfacePoint>& points) {
  const auto columns = [](const SurfacePoint& p) {
    const double x = std::log(p.total_params), s = -std::log(1.0 - p.sparsity);
    Eigen::Matrix<double, 6, 1> row;
    row << x, x * x, s, s * s, x * s, 1.0;
    return row;
  };
  Eigen::MatrixXd design(static_cast<Eigen::Index>(points.size()), 6);
  Eigen::VectorXd loss(design.rows());
  for (Eigen::Index i = 0; i < design.rows(); ++i) {
    design.row(i) = columns(points[static_cast<std::size_t>(i)]).transpose();
    loss(i) = points[static_cast<std::size_t>(i)].loss;
  }
  const Eigen::VectorXd coefficients = design.colPivHouseholderQr().solve(loss);
  return [columns, coefficients](const SurfacePoint& p) { return columns(p).dot(coefficients); };
}

// The acceptance check: fitted without its sparsest runs, the surface predicts them at
// least as well as the plain quadratic (on the real data of that shape the quadratic's mean
// error is 0.54 %) and within 1 %. The noise, 0.2 % of the loss, is the seed-to-seed spread of
// language-model losses.
TEST(SurfaceFit, PredictsTheSparsestRoutedRunsAtLeastAsWellAsThePlainQuadratic) {
  const RoutedSplit split = routed_split(0.002, 1);
  const SurfaceFit fit = fit_isoflop_surface(split.training);
  const double ours = mean_relative_error(
      split.sparsest, [&](const SurfacePoint& p) { return fit.loss(p.total_params, p.sparsity); });
  const double plain = mean_relative_error(split.sparsest, plain_quadratic(split.training));
  EXPECT_LE(ours, plain);
  EXPECT_LT(ours, 0.01);
  // The fitter's own (2, 2, 1) is that quadratic.
  SurfaceFitOptions fixed;
  fixed.degrees = SurfaceDegrees{2, 2, 1};
  const SurfaceFit quadratic = fit_isoflop_surface(split.training, fixed);
  EXPECT_NEAR(mean_relative_error(split.sparsest,
                                  [&](const SurfacePoint& p) {
                                    return quadratic.loss(p.total_params, p.sparsity);
                                  }),
              plain, 1e-9);
  // Not one lucky draw. Over 40 noise draws the search's mean error is less than half the
  // quadratic's, and it does worse on at most 4 of them: an adaptive degree can lose a given
  // draw (2 of 60 lost at this noise when this was written, one by 1.4 % against 0.9 %).
  SurfaceFitOptions quick;
  quick.bootstrap_replicates = 0;
  double searched_sum = 0, plain_sum = 0;
  int lost = 0;
  for (std::uint64_t seed = 2; seed <= 41; ++seed) {
    const RoutedSplit other = routed_split(0.002, seed);
    const SurfaceFit searched = fit_isoflop_surface(other.training, quick);
    const double error = mean_relative_error(other.sparsest, [&](const SurfacePoint& p) {
      return searched.loss(p.total_params, p.sparsity);
    });
    const double quadratic_error =
        mean_relative_error(other.sparsest, plain_quadratic(other.training));
    searched_sum += error;
    plain_sum += quadratic_error;
    lost += error > quadratic_error * (1 + 1e-9);  // the same model differs by round-off
  }
  EXPECT_LT(searched_sum, 0.5 * plain_sum);
  EXPECT_LE(lost, 4);
}

// ---- The degree search -----------------------------------------------------------------------

TEST(DegreeSearch, OffersAtMostAQuarterOfThePointsAsCoefficients) {
  const std::vector<SurfacePoint> all = synthetic_budget_points(0.005, 2);
  for (const std::size_t count : {8u, 14u, 30u, 49u}) {
    SCOPED_TRACE(std::to_string(count) + " points");
    // Spread over the grid, so that every size and sparsity appears for 14 points or more.
    std::vector<SurfacePoint> points;
    for (std::size_t i = 0; i < count; ++i)
      points.push_back(all[i * all.size() / count]);
    const SurfaceFit fit = fit_isoflop_surface(points);
    EXPECT_EQ(fit.max_coefficients, static_cast<int>(count / 4));
    EXPECT_LE(fit.polynomial.degrees.parameters(), static_cast<int>(count / 4));
    for (const DegreeScore& score : fit.degree_search) {
      EXPECT_LE(score.degrees.interaction,
                std::min(score.degrees.size, score.degrees.sparsity));  // hierarchical
      if (score.degrees.parameters() > fit.max_coefficients) {
        EXPECT_EQ(score.skipped, RefusalReason::kTooFewPoints);
      }
    }
  }
}

TEST(DegreeSearch, TakesTheSimplestCandidateWithinOneStandardError) {
  const SurfaceFit fit = fit_isoflop_surface(synthetic_budget_points(0.005, 1));
  ASSERT_TRUE(fit.least_cv.cv_mse && fit.least_cv.cv_se);
  const double threshold = *fit.least_cv.cv_mse + *fit.least_cv.cv_se;
  EXPECT_LE(fit.cv_mse, threshold);
  EXPECT_GT(fit.cv_se, 0);
  for (const DegreeScore& score : fit.degree_search) {
    if (score.cv_mse && score.degrees.parameters() < fit.polynomial.degrees.parameters()) {
      EXPECT_GT(*score.cv_mse, threshold)
          << score.degrees.size << score.degrees.sparsity << score.degrees.interaction;
    }
  }
  // On noisy data the rule gives up some CV error for fewer coefficients; with 0 standard errors
  // it takes the least error.
  SurfaceFitOptions least;
  least.standard_errors = 0;
  const SurfaceFit least_fit = fit_isoflop_surface(synthetic_budget_points(0.005, 1), least);
  EXPECT_EQ(least_fit.polynomial.degrees, fit.least_cv.degrees);
  EXPECT_LE(fit.polynomial.degrees.parameters(), least_fit.polynomial.degrees.parameters());
}

// ---- Refusals instead of garbage -------------------------------------------------------------

TEST(SurfaceFitRefusal, NeedsMorePointsThanCoefficients) {
  const std::vector<SurfacePoint> all = known_surface().points;
  SurfaceFitOptions fixed;
  fixed.degrees = SurfaceDegrees{2, 2, 2};  // 7 coefficients
  // 7 points would interpolate them; the search, at 4 points a coefficient, has none to offer.
  std::vector<SurfacePoint> seven;
  for (const std::size_t index : {0, 8, 16, 24, 32, 40, 48})
    seven.push_back(all[index]);
  expect_refusal(RefusalReason::kTooFewPoints, [&] { fit_isoflop_surface(seven, fixed); });
  const std::vector<SurfacePoint> three(all.begin(), all.begin() + 3);
  SurfaceFitOptions three_folds;
  three_folds.folds = 3;
  expect_refusal(RefusalReason::kTooFewPoints, [&] { fit_isoflop_surface(three, three_folds); });
}

TEST(SurfaceFitRefusal, AllLossesEqual) {
  std::vector<SurfacePoint> points = known_surface().points;
  for (SurfacePoint& p : points)
    p.loss = 2.5;
  expect_refusal(RefusalReason::kNotIdentified, [&] { fit_isoflop_surface(points); });
  SurfaceFitOptions fixed;
  fixed.degrees = SurfaceDegrees{2, 2, 2};
  expect_refusal(RefusalReason::kNotIdentified, [&] { fit_isoflop_surface(points, fixed); });
}

TEST(SurfaceFitRefusal, ASingleSize) {
  std::vector<SurfacePoint> points;
  for (const double sparsity : {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99})
    points.push_back(point(1e9, sparsity, 3.0 - 0.1 * log_sparsity_of(sparsity)));
  expect_refusal(RefusalReason::kNotIdentified, [&] { fit_isoflop_surface(points); });
}

TEST(SurfaceFit, ASingleSparsityLevelFitsTheLossAgainstSizeAlone) {
  std::vector<SurfacePoint> points;
  for (int i = 0; i < 12; ++i) {
    const double size = 1e8 * std::pow(1.4, i);
    points.push_back(point(
        size, 0.75, 0.05 * std::pow(std::log(size) - 20.0, 2) + 2.4 + 0.002 * std::sin(3.0 * i)));
  }
  const SurfaceFit fit = fit_isoflop_surface(points);
  EXPECT_EQ(fit.polynomial.degrees.sparsity, 0);
  EXPECT_EQ(fit.polynomial.degrees.interaction, 0);
  EXPECT_TRUE(fit.single_sparsity_level());
  ASSERT_EQ(fit.notes.size(), 1u);
  EXPECT_NE(fit.notes[0].find("all points have S = 0.75"), std::string::npos) << fit.notes[0];
  EXPECT_NEAR(std::log(optimal_size(fit, 0.75).size), 20.0, 0.05);
  // Nothing is known about other sparsities, and there is no sparsity to optimise.
  expect_refusal(RefusalReason::kSingularDesign, [&] { optimal_size(fit, 0.5); });
  expect_refusal(RefusalReason::kSingularDesign, [&] { optimal_sparsity(fit, 1e9); });
  expect_refusal(RefusalReason::kSingularDesign, [&] { threshold_size(fit); });
}

TEST(SurfaceReadOutRefusal, NoOptimalSizeWhereTheSurfaceIsFlatInSize) {
  SurfaceFitOptions no_size_terms;
  no_size_terms.degrees = SurfaceDegrees{0, 2, 0};
  const SurfaceFit fit = fit_isoflop_surface(synthetic_budget_points(0.005, 2), no_size_terms);
  expect_refusal(RefusalReason::kNoInteriorMinimum, [&] { optimal_size(fit, 0.5); });
  SurfaceFitOptions no_sparsity_terms;
  no_sparsity_terms.degrees = SurfaceDegrees{2, 0, 0};
  const SurfaceFit flat = fit_isoflop_surface(synthetic_budget_points(0.005, 2), no_sparsity_terms);
  expect_refusal(RefusalReason::kNoInteriorMinimum, [&] { optimal_sparsity(flat, 1e9); });
}

TEST(SurfaceFit, RefusesTheBootstrapWhenThePointsLieOnTheSurface) {
  const SurfaceFit exact = fit_isoflop_surface(known_surface().points);
  EXPECT_TRUE(exact.replicates.empty());
  ASSERT_TRUE(exact.bootstrap_refused.has_value());
  EXPECT_NE(exact.bootstrap_refused->find("lie on the fitted surface"), std::string::npos);
  const SizeOptimum optimum = optimal_size(exact, 0.5);
  EXPECT_FALSE(optimum.size_interval.has_value());  // absent, never zero-width
  EXPECT_FALSE(optimum.loss_interval.has_value());
  // With noise the refits move, and every interval has a width.
  const SurfaceFit noisy = fit_isoflop_surface(synthetic_budget_points(0.005, 2));
  EXPECT_FALSE(noisy.bootstrap_refused.has_value());
  for (const double sparsity : kGridSparsities) {
    const SizeOptimum at = optimal_size(noisy, sparsity);
    ASSERT_TRUE(at.size_interval && at.loss_interval) << sparsity;
    EXPECT_GT(at.size_interval->hi, at.size_interval->lo) << sparsity;
    EXPECT_GT(at.loss_interval->hi, at.loss_interval->lo) << sparsity;
  }
}

}  // namespace
}  // namespace moescope

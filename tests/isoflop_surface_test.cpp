#include "moescope/fit/isoflop_surface.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "moescope/io/number_format.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/expect_refusal.h"
#include "support/isoflop_points.h"

namespace moescope {
namespace {

using testing_support::expect_refusal;

using testing_support::kGridSparsities;
using testing_support::synthetic_budget_points;
using testing_support::synthetic_budgets;

std::string budget_label(const BudgetGroup& group) {
  return "budget " + format_number(group.budget.value_or(0));
}

SurfacePoint point(double size, double sparsity, double loss) {
  return {size, size * (1 - sparsity), sparsity, loss, 1e20, 0};
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

TEST(SurfacePoints, TakesDoneRunsWithLossAndListsTheOthers) {
  moescope::Run complete;
  complete.id = "r1";
  complete.total_params = 2e9;
  complete.active_params = 5e8;
  complete.sparsity = 0.75;
  complete.loss = 2.5;
  complete.compute = 1e20;
  moescope::Run without_compute = complete;
  without_compute.id = "r2";
  without_compute.compute.reset();
  moescope::Run without_loss = complete;
  without_loss.id = "r3";
  without_loss.name = "tiny";
  without_loss.loss.reset();
  moescope::Run failed = complete;
  failed.id = "r4";
  failed.status = RunStatus::kFailed;

  const SurfaceData data = surface_points({complete, without_compute, without_loss, failed});

  ASSERT_EQ(data.points.size(), 2u);
  EXPECT_EQ(data.points[0].run_index, 0u);
  EXPECT_EQ(data.points[0].compute, 1e20);
  EXPECT_EQ(data.points[0].active_params, 5e8);
  EXPECT_EQ(data.points[1].run_index, 1u);
  EXPECT_FALSE(data.points[1].compute.has_value());
  ASSERT_EQ(data.left_out.size(), 2u);
  EXPECT_EQ(data.left_out[0], "run r3 (tiny): no loss");
  EXPECT_EQ(data.left_out[1], "run r4: status is failed");
}

TEST(GroupByBudget, JoinsBudgetsWithinTwoPercentAndPutsPointsWithoutBudgetLast) {
  std::vector<SurfacePoint> points;
  for (const double budget : {3e20, 1.015e20, 1e20, 1.01e20, 1.03e20})
    points.push_back({1e9, 1e9, 0, 2.5, budget, points.size()});
  points.push_back({1e9, 1e9, 0, 2.5, std::nullopt, points.size()});

  const std::vector<BudgetGroup> groups = group_by_budget(points);

  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].points.size(), 3u);
  EXPECT_EQ(groups[0].budget, 1.01e20);  // the median of 1e20, 1.01e20, 1.015e20
  EXPECT_EQ(groups[1].points.size(), 1u);
  EXPECT_EQ(groups[1].budget, 1.03e20);  // 3 % above 1e20: a budget of its own
  EXPECT_EQ(groups[2].budget, 3e20);
  EXPECT_FALSE(groups[3].budget.has_value());
  EXPECT_EQ(groups[3].points.size(), 1u);
}

TEST(GroupByBudget, GivesTheSyntheticGridsFiveBudgets) {
  const std::vector<BudgetGroup> groups = synthetic_budgets(0.005);
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0].budget, 3e19);
  EXPECT_EQ(groups[4].budget, 1e21);
  for (const BudgetGroup& group : groups)
    EXPECT_EQ(group.points.size(), 49u);
}

TEST(GroupByBudget, RefusesABudgetThatIsNotANumber) {
  std::vector<SurfacePoint> points = {{1e9, 1e9, 0, 2.5, std::nan(""), 0}};
  expect_refusal(RefusalReason::kNonFiniteData, [&] { group_by_budget(points); });
}

TEST(SurfaceFit, PredictsHeldOutLossesOfEveryBudget) {
  for (const double noise : {0.0, 0.005}) {
    for (const BudgetGroup& group : synthetic_budgets(noise)) {
      for (const SizeAxis axis : {SizeAxis::kTotal, SizeAxis::kActive}) {
        SCOPED_TRACE(budget_label(group) + " noise " + std::to_string(noise) + " axis " +
                     std::to_string(static_cast<int>(axis)));
        SurfaceFitOptions options;
        options.axis = axis;
        const SurfaceFit fit = fit_isoflop_surface(group.points, options);
        EXPECT_EQ(fit.points, 49u);
        EXPECT_EQ(fit.budget, group.budget);
        EXPECT_EQ(fit.heldout_points, 10u);
        ASSERT_TRUE(fit.heldout_r.has_value());
        EXPECT_GT(*fit.heldout_r, 0.95);
        // The noise alone is ~(0.005 x 2.5)^2 = 1.6e-4.
        EXPECT_LT(*fit.heldout_mse, 2e-3);
        EXPECT_EQ(fit.degree_search.size(), 55u);  // the hierarchical triples of {0..4}^3
        EXPECT_EQ(fit.replicates.size(), 100u);
      }
    }
  }
}

TEST(SurfaceFit, ShowsThePapersFindingsAtEveryBudget) {
  for (const double noise : {0.0, 0.005}) {
    for (const BudgetGroup& group : synthetic_budgets(noise)) {
      SCOPED_TRACE(budget_label(group) + " noise " + std::to_string(noise));
      const SurfaceFit total = fit_isoflop_surface(group.points);
      SurfaceFitOptions active_options;
      active_options.axis = SizeAxis::kActive;
      const SurfaceFit active = fit_isoflop_surface(group.points, active_options);
      for (std::size_t i = 1; i < kGridSparsities.size(); ++i) {
        const double denser = kGridSparsities[i - 1], sparser = kGridSparsities[i];
        SCOPED_TRACE("S " + std::to_string(denser) + " -> " + std::to_string(sparser));
        // Sparser compute-optimal models are larger in total, smaller in active parameters, and
        // reach a lower loss (Section 2.1, Figure 3).
        EXPECT_GT(optimal_size(total, sparser).size, optimal_size(total, denser).size);
        EXPECT_LT(optimal_size(total, sparser).loss, optimal_size(total, denser).loss);
        EXPECT_LT(optimal_size(active, sparser).loss, optimal_size(active, denser).loss);
        const SizeOptimum denser_active = optimal_size(active, denser);
        if (noise == 0) {
          EXPECT_LT(optimal_size(active, sparser).size, denser_active.size);
        } else {
          // At low S neighbouring N_a* differ by ~1.5 %, less than 0.5 % loss noise on 49 points
          // resolves: a strict decrease at every step failed for 10 of 100 seeded grid budgets.
          // Asserted instead: no step rises out of the denser level's bootstrap interval.
          EXPECT_LT(optimal_size(active, sparser).size, denser_active.size_interval->hi);
        }
      }
      // The decrease from dense to the sparsest level is resolved at either noise.
      EXPECT_LT(optimal_size(active, kGridSparsities.back()).size_interval->hi,
                optimal_size(active, 0.0).size_interval->lo);
      // S* grows with N and reaches the largest sparsity: S* -> 1 above N_th (Section 2.2).
      double previous = -1;
      for (int step = 0; step <= 20; ++step) {
        const double log_size =
            total.log_size_min + (total.log_size_max - total.log_size_min) * step / 20.0;
        const SparsityOptimum optimum = optimal_sparsity(total, std::exp(log_size));
        EXPECT_GE(optimum.sparsity, previous - 1e-9) << "ln N = " << log_size;
        previous = optimum.sparsity;
      }
      EXPECT_EQ(optimal_sparsity(total, std::exp(total.log_size_min)).sparsity, 0.0);
      EXPECT_TRUE(optimal_sparsity(total, std::exp(total.log_size_max)).at_upper_edge);
      const std::optional<double> threshold = threshold_size(total);
      ASSERT_TRUE(threshold.has_value());
      EXPECT_TRUE(optimal_sparsity(total, *threshold * 1.01).at_upper_edge);
      EXPECT_FALSE(optimal_sparsity(total, *threshold / 1.01).at_upper_edge);
    }
  }
}

TEST(SurfaceFit, BandContainsThePredictionAndNarrowsWithLessNoise) {
  const auto mean_band_width = [](double noise) {
    double width = 0;
    int count = 0;
    for (const BudgetGroup& group : synthetic_budgets(noise)) {
      const SurfaceFit fit = fit_isoflop_surface(group.points);
      for (const SurfacePoint& p : group.points) {
        const Interval band = fit.band(p.total_params, p.sparsity);
        EXPECT_TRUE(band.contains(fit.loss(p.total_params, p.sparsity)))
            << budget_label(group) << " N " << p.total_params << " S " << p.sparsity;
        width += band.hi - band.lo;
        ++count;
      }
    }
    return width / count;
  };
  const double noisy = mean_band_width(0.02);
  const double default_noise = mean_band_width(0.005);
  const double noiseless = mean_band_width(0.0);
  EXPECT_LT(default_noise, noisy);
  EXPECT_LT(noiseless, default_noise);
}

TEST(SurfaceFit, OptimaCarryBootstrapIntervals) {
  const SurfaceFit fit = fit_isoflop_surface(synthetic_budget_points(0.005, 2));
  const SizeOptimum size = optimal_size(fit, 0.75);
  ASSERT_TRUE(size.size_interval.has_value());
  EXPECT_TRUE(size.size_interval->contains(size.size));
  EXPECT_LT(size.size_interval->hi / size.size_interval->lo, 1.5);
  ASSERT_TRUE(size.loss_interval.has_value());
  EXPECT_TRUE(size.loss_interval->contains(size.loss));
  const SparsityOptimum sparsity = optimal_sparsity(fit, size.size);
  ASSERT_TRUE(sparsity.sparsity_interval.has_value());
  EXPECT_TRUE(sparsity.sparsity_interval->contains(sparsity.sparsity));
}

TEST(SurfaceFit, RecoversAKnownPolynomial) {
  const KnownSurface known = known_surface();
  for (const SurfacePoint& p : known.points)
    ASSERT_GT(p.loss, 0);

  SurfaceFitOptions fixed;
  fixed.degrees = SurfaceDegrees{2, 2, 2};
  const SurfaceFit fit = fit_isoflop_surface(known.points, fixed);
  ASSERT_EQ(fit.polynomial.coefficients.size(), known.truth.coefficients.size());
  for (std::size_t i = 0; i < known.truth.coefficients.size(); ++i) {
    EXPECT_NEAR(fit.polynomial.coefficients[i], known.truth.coefficients[i], 1e-8)
        << fit.polynomial.coefficient_names()[i];
  }
  EXPECT_EQ(fit.polynomial.coefficient_names(),
            (std::vector<std::string>{"N^1", "N^2", "S^1", "S^2", "NS^1", "NS^2", "const"}));

  // Every model containing (2, 2, 2) fits exactly; the search must take one of them and, by the
  // tie rule, the one with fewest parameters.
  const SurfaceFit searched = fit_isoflop_surface(known.points);
  EXPECT_EQ(searched.polynomial.degrees, (SurfaceDegrees{2, 2, 2}));
  EXPECT_LT(searched.cv_mse, 1e-16);
  for (const double size : {3e8, 1e9, 2e10}) {
    for (const double sparsity : {0.0, 0.3, 0.9, 0.97}) {
      EXPECT_NEAR(searched.loss(size, sparsity), known.truth.loss(size, sparsity), 1e-8)
          << "N " << size << " S " << sparsity;
    }
  }
}

TEST(SurfaceFit, IsTheSameForTheSameSeed) {
  const std::vector<SurfacePoint> points = synthetic_budget_points(0.005, 1);
  const SurfaceFit first = fit_isoflop_surface(points);
  const SurfaceFit second = fit_isoflop_surface(points);
  EXPECT_EQ(first.polynomial.coefficients, second.polynomial.coefficients);
  EXPECT_EQ(first.cv_mse, second.cv_mse);
  EXPECT_EQ(first.band(1e9, 0.5), second.band(1e9, 0.5));
  SurfaceFitOptions other_seed;
  other_seed.seed = 7;
  EXPECT_NE(fit_isoflop_surface(points, other_seed).band(1e9, 0.5), first.band(1e9, 0.5));
}

TEST(SurfaceFit, SearchSkipsSingularDegreesOnDenseData) {
  // Sh = 0 throughout: every S and NS term is a zero column.
  std::vector<SurfacePoint> dense;
  for (const SurfacePoint& p : synthetic_budget_points(0.005, 2)) {
    if (p.sparsity == 0)
      dense.push_back(p);
  }
  ASSERT_EQ(dense.size(), 7u);
  const SurfaceFit fit = fit_isoflop_surface(dense);
  EXPECT_EQ(fit.polynomial.degrees.sparsity, 0);
  EXPECT_EQ(fit.polynomial.degrees.interaction, 0);
  bool skipped_singular = false;
  for (const DegreeScore& score : fit.degree_search)
    skipped_singular = skipped_singular || score.skipped == RefusalReason::kSingularDesign;
  EXPECT_TRUE(skipped_singular);
}

TEST(SurfaceFit, HeldOutCheckCanBeTurnedOff) {
  SurfaceFitOptions options;
  options.heldout_fraction = 0;
  const SurfaceFit fit = fit_isoflop_surface(synthetic_budget_points(0.005, 0), options);
  EXPECT_EQ(fit.heldout_points, 0u);
  EXPECT_FALSE(fit.heldout_r.has_value());
  EXPECT_FALSE(fit.heldout_mse.has_value());
}

TEST(SurfaceFitRefusal, TooFewPoints) {
  const std::vector<SurfacePoint> all = known_surface().points;
  const std::vector<SurfacePoint> four(all.begin(), all.begin() + 4);
  expect_refusal(RefusalReason::kTooFewPoints, [&] { fit_isoflop_surface(four); });
  // Eight points of seven sparsities and eight sizes determine (2, 2, 2), but leave six per
  // training fold, one fewer than it has parameters.
  std::vector<SurfacePoint> eight;
  for (const std::size_t index : {0, 8, 16, 24, 32, 40, 48, 3})
    eight.push_back(all[index]);
  SurfaceFitOptions fixed;
  fixed.degrees = SurfaceDegrees{2, 2, 2};
  expect_refusal(RefusalReason::kTooFewPoints, [&] { fit_isoflop_surface(eight, fixed); });
}

TEST(SurfaceFitRefusal, NonFiniteOrNonPositiveInput) {
  const std::vector<SurfacePoint> good = known_surface().points;
  const auto refused_with = [&](auto spoil) {
    std::vector<SurfacePoint> points = good;
    spoil(points[5]);
    expect_refusal(RefusalReason::kNonFiniteData, [&] { fit_isoflop_surface(points); });
  };
  refused_with([](SurfacePoint& p) { p.loss = std::numeric_limits<double>::quiet_NaN(); });
  refused_with([](SurfacePoint& p) { p.total_params = -1e9; });
  refused_with([](SurfacePoint& p) { p.active_params = 0; });
  refused_with([](SurfacePoint& p) { p.sparsity = 1.0; });
  refused_with([](SurfacePoint& p) { p.sparsity = -0.1; });
  refused_with([](SurfacePoint& p) { p.loss = std::numeric_limits<double>::infinity(); });
  refused_with([](SurfacePoint& p) { p.compute = -1; });
}

TEST(SurfaceFitRefusal, SparsityDegreeOnASingleSparsityLevelIsSingular) {
  std::vector<SurfacePoint> single_level;
  for (const SurfacePoint& p : known_surface().points) {
    if (p.sparsity == 0.75)
      single_level.push_back(p);
  }
  SurfaceFitOptions options;
  options.degrees = SurfaceDegrees{2, 2, 0};
  expect_refusal(RefusalReason::kSingularDesign,
                 [&] { fit_isoflop_surface(single_level, options); });
}

TEST(SurfaceFitRefusal, InvalidOptions) {
  const std::vector<SurfacePoint> points = known_surface().points;
  for (const auto& spoil : std::vector<void (*)(SurfaceFitOptions&)>{
           [](SurfaceFitOptions& o) { o.folds = 1; },
           [](SurfaceFitOptions& o) {
             o.degrees = SurfaceDegrees{5, 0, 0};
           },
           [](SurfaceFitOptions& o) { o.bootstrap_replicates = -1; },
           [](SurfaceFitOptions& o) { o.bootstrap_fraction = 1.0; },
           [](SurfaceFitOptions& o) { o.heldout_fraction = 1.0; }}) {
    SurfaceFitOptions options;
    spoil(options);
    EXPECT_EQ(options.validate().size(), 1u);
    expect_refusal(RefusalReason::kInvalidOptions, [&] { fit_isoflop_surface(points, options); });
  }
}

TEST(SurfaceReadOutRefusal, OptimalSizeAtTheEdgeOfTheData) {
  // The loss falls all the way to the largest size: the optimum lies beyond the data.
  std::vector<SurfacePoint> points;
  for (const double sparsity : {0.0, 0.5, 0.9}) {
    for (const double size : {1e8, 3e8, 1e9, 3e9, 1e10})
      points.push_back(point(size, sparsity, 30.0 - 1.1 * std::log(size) - 0.2 * sparsity));
  }
  const SurfaceFit fit = fit_isoflop_surface(points);
  expect_refusal(RefusalReason::kNoInteriorMinimum, [&] { optimal_size(fit, 0.5); });
  EXPECT_THROW(optimal_size(fit, 1.0), std::invalid_argument);
}

TEST(SurfaceReadOutRefusal, NoSparsityToOptimiseOnDenseData) {
  // Twelve sizes: the degree search allows 12 / 4 = 3 coefficients, a parabola in ln N.
  std::vector<SurfacePoint> points;
  for (int i = 0; i < 12; ++i) {
    const double size = 1e8 * std::pow(1.4, i);
    points.push_back(point(size, 0.0, 0.05 * std::pow(std::log(size) - 20.0, 2) + 2.5));
  }
  const SurfaceFit fit = fit_isoflop_surface(points);
  EXPECT_NEAR(optimal_size(fit, 0.0).size, std::exp(20.0), 1e-6 * std::exp(20.0));
  expect_refusal(RefusalReason::kSingularDesign, [&] { optimal_sparsity(fit, 1e9); });
  expect_refusal(RefusalReason::kSingularDesign, [&] { threshold_size(fit); });
}

TEST(SurfaceReadOutRefusal, BandWithoutReplicates) {
  SurfaceFitOptions options;
  options.bootstrap_replicates = 0;
  const SurfaceFit fit = fit_isoflop_surface(known_surface().points, options);
  EXPECT_TRUE(fit.replicates.empty());
  EXPECT_THROW(fit.band(1e9, 0.5), std::logic_error);
  EXPECT_FALSE(optimal_size(fit, 0.5).size_interval.has_value());
}

}  // namespace
}  // namespace moescope

#include "moescope/fit/law_optimum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/expect_refusal.h"

namespace moescope {
namespace {

using testing_support::expect_refusal;

// The budgets and sparsities the paper trained (Appendix D, Table 1).
const std::vector<double> kPaperBudgets = {3e19, 6e19, 1e20, 3e20, 1e21};
const std::vector<double> kPaperSparsities = {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98};
constexpr double kBudget = 1e20;  // Figure 2's budget

const ActiveParameterModel& paper_family() {
  static const ActiveParameterModel model = ActiveParameterModel::paper_family();
  return model;
}

// --- ActiveParameterModel ---------------------------------------------------------------------

TEST(ActiveParameterModelTest, DenseModelsAreAllActive) {
  for (const double total : {1e6, 1e8, 1e10, 1e12})
    EXPECT_NEAR(paper_family().active(total, 0.0) / total, 1.0, 1e-12);
}

TEST(ActiveParameterModelTest, SparserModelsOfOneSizeActivateFewerParameters) {
  for (const double total : {1e7, 1e9, 1e11}) {
    double previous = total;
    for (const double sparsity : kPaperSparsities) {
      if (sparsity == 0.0)
        continue;
      const double active = paper_family().active(total, sparsity);
      EXPECT_LT(active, previous) << "N = " << total << ", S = " << sparsity;
      previous = active;
    }
  }
}

TEST(ActiveParameterModelTest, TotalInvertsActive) {
  for (const double total : {2e5, 3e7, 1e9, 4e11})
    for (const double sparsity : {0.0, 0.3, 0.9, 0.99}) {
      const double active = paper_family().active(total, sparsity);
      EXPECT_NEAR(paper_family().total(active, sparsity) / total, 1.0, 1e-12)
          << "N = " << total << ", S = " << sparsity;
    }
}

TEST(ActiveParameterModelTest, ResponseMatchesFiniteDifferences) {
  const double step = 1e-6;
  for (const double total : {1e7, 1e9, 1e11})
    for (const double sparsity : {0.2, 0.75, 0.95}) {
      const ActiveResponse response = paper_family().response(total, sparsity);
      const double elasticity =
          (std::log(paper_family().active(total * std::exp(step), sparsity)) -
           std::log(paper_family().active(total * std::exp(-step), sparsity))) /
          (2 * step);
      const double slope = (std::log(paper_family().active(total, sparsity + step)) -
                            std::log(paper_family().active(total, sparsity - step))) /
                           (2 * step);
      EXPECT_NEAR(response.total_elasticity, elasticity, 1e-6 * std::abs(elasticity));
      EXPECT_NEAR(response.sparsity_slope, slope, 1e-6 * std::abs(slope));
    }
}

TEST(ActiveParameterModelTest, ActiveParametersAreContinuousWhereTheRouterAppears) {
  // A router appears for any S > 0, but at fixed N it adds to N and N_a alike.
  const double total = 1e9;
  EXPECT_NEAR(paper_family().active(total, 1e-9) / paper_family().active(total, 0.0), 1.0, 1e-7);
}

// The default data's runs are shaped like the family but with integer layers, round(d / 96), and
// S = 0.25 is realised as K = 3 of E = 4 (experts_for_sparsity), three times the family's active
// expert width; those runs sit about 5 % off, all others within 2 %.
TEST(ActiveParameterModelTest, MatchesTheSyntheticGridsRuns) {
  const std::vector<moescope::Run> runs = generate_synthetic_grid(SyntheticGridOptions{});
  ASSERT_FALSE(runs.empty());
  for (const moescope::Run& run : runs) {
    ASSERT_TRUE(run.architecture && run.total_params && run.active_params && run.sparsity);
    const double predicted = paper_family().active(*run.total_params, *run.sparsity);
    const double relative_error = std::abs(predicted / *run.active_params - 1.0);
    const double tolerance = run.architecture->active == 1 ? 0.02 : 0.06;
    EXPECT_LT(relative_error, tolerance) << run.name << " (K = " << run.architecture->active << ")";
  }
}

TEST(ActiveParameterModelTest, RefusesOutsideItsDomain) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(paper_family().active(0.0, 0.5), std::invalid_argument);
  EXPECT_THROW(paper_family().active(nan, 0.5), std::invalid_argument);
  EXPECT_THROW(paper_family().active(1e9, 1.0), std::invalid_argument);
  EXPECT_THROW(paper_family().total(1e9, -0.1), std::invalid_argument);
  ModelFamily family;
  family.vocab = 0;
  EXPECT_FALSE(family.validate().empty());
  EXPECT_THROW(ActiveParameterModel{family}, std::invalid_argument);
  EXPECT_TRUE(ModelFamily{}.validate().empty());
}

// --- Optima through Table 3 -------------------------------------------------------------------

TEST(LawOptimumTest, OptimalSizeIsTheMinimumAlongTheBudget) {
  const SparsityLaw law = SparsityLaw::table3();
  for (const double sparsity : {0.0, 0.5, 0.9}) {
    const LawSizeOptimum best = optimal_size(law, kBudget, sparsity, paper_family());
    EXPECT_NEAR(best.active_params, paper_family().active(best.total_params, sparsity),
                1e-9 * best.active_params);
    EXPECT_NEAR(best.tokens, kBudget / (6 * best.active_params), 1e-9 * best.tokens);
    EXPECT_NEAR(best.loss, law.loss(best.total_params, best.tokens, sparsity), 1e-12);
    for (const double factor : {0.999, 1.001}) {
      const double total = best.total_params * factor;
      const double tokens = kBudget / (6 * paper_family().active(total, sparsity));
      EXPECT_GT(law.loss(total, tokens, sparsity), best.loss) << "S = " << sparsity;
    }
  }
}

// Figures 2b, 2c and 3: at fixed C, sparser optima are larger, activate fewer parameters and reach
// a lower loss.
TEST(LawOptimumTest, SparserOptimaAreLargerActivateLessAndReachLowerLoss) {
  const SparsityLaw law = SparsityLaw::table3();
  for (const double budget : kPaperBudgets) {
    LawSizeOptimum previous = optimal_size(law, budget, kPaperSparsities.front(), paper_family());
    for (std::size_t i = 1; i < kPaperSparsities.size(); ++i) {
      const LawSizeOptimum next = optimal_size(law, budget, kPaperSparsities[i], paper_family());
      EXPECT_GT(next.total_params, previous.total_params) << "C = " << budget;
      EXPECT_LT(next.active_params, previous.active_params) << "C = " << budget;
      EXPECT_LT(next.loss, previous.loss) << "C = " << budget;
      previous = next;
    }
  }
}

// Figures 9 and 12: at fixed S, a larger budget buys a larger model.
TEST(LawOptimumTest, OptimalSizeGrowsWithCompute) {
  const SparsityLaw law = SparsityLaw::table3();
  for (const double sparsity : kPaperSparsities) {
    LawSizeOptimum previous = optimal_size(law, kPaperBudgets.front(), sparsity, paper_family());
    for (std::size_t i = 1; i < kPaperBudgets.size(); ++i) {
      const LawSizeOptimum next = optimal_size(law, kPaperBudgets[i], sparsity, paper_family());
      EXPECT_GT(next.total_params, previous.total_params) << "S = " << sparsity;
      EXPECT_GT(next.active_params, previous.active_params) << "S = " << sparsity;
      EXPECT_LT(next.loss, previous.loss) << "S = " << sparsity;
      previous = next;
    }
  }
}

// Figure 2a and Appendix D.2: at fixed C, S* grows with N, from dense for small models (up to
// about 5e8 parameters) to the sparsest allowed for large ones.
TEST(LawOptimumTest, OptimalSparsityGrowsWithSize) {
  const SparsityLaw law = SparsityLaw::table3();
  const LawSparsityOptimum small = optimal_sparsity(law, kBudget, 1e8, paper_family(), 0.98);
  EXPECT_EQ(small.sparsity, 0.0);
  EXPECT_FALSE(small.at_max_sparsity);
  const LawSparsityOptimum large = optimal_sparsity(law, kBudget, 3e10, paper_family(), 0.98);
  EXPECT_EQ(large.sparsity, 0.98);
  EXPECT_TRUE(large.at_max_sparsity);
  double previous = -1;
  for (double total = 2e8; total <= 8e9; total *= 1.5) {
    const LawSparsityOptimum best = optimal_sparsity(law, kBudget, total, paper_family(), 0.98);
    EXPECT_GT(best.sparsity, previous) << "N = " << total;
    EXPECT_NEAR(best.tokens, kBudget / (6 * best.active_params), 1e-9 * best.tokens);
    previous = best.sparsity;
  }
}

// At fixed N, Eq. 6 with Table 3 puts S* LOWER as C grows: a bigger budget already buys enough
// tokens, so activating more of the model pays. Appendix D.2 says the same ("increasing the
// training budget C generally reduces the optimal sparsity level"); Section 3's text ("optimal
// sparsity level increases with training compute budget", citing Figure 4) says the opposite.
// With the paper family: N = 1e9 has S* = 0.930, 0.897, 0.864, 0.755, 0.551 at C = 3e19, 6e19,
// 1e20, 3e20, 1e21; N = 3e9 has 0.976, 0.964, 0.952, 0.914, 0.842.
TEST(LawOptimumTest, OptimalSparsityFallsAsComputeGrows) {
  const SparsityLaw law = SparsityLaw::table3();
  for (const double total : {1e9, 3e9}) {
    double previous = 1.0;
    for (const double budget : kPaperBudgets) {
      const LawSparsityOptimum best = optimal_sparsity(law, budget, total, paper_family(), 0.98);
      EXPECT_FALSE(best.at_max_sparsity);
      EXPECT_LT(best.sparsity, previous) << "N = " << total << ", C = " << budget;
      previous = best.sparsity;
    }
  }
  EXPECT_NEAR(optimal_sparsity(law, 3e19, 1e9, paper_family(), 0.98).sparsity, 0.930, 0.001);
  EXPECT_NEAR(optimal_sparsity(law, 1e21, 1e9, paper_family(), 0.98).sparsity, 0.551, 0.001);
}

TEST(LawOptimumTest, ThresholdSizeSeparatesBoundedFromInteriorSparsity) {
  const SparsityLaw law = SparsityLaw::table3();
  double previous = 0;
  for (const double budget : kPaperBudgets) {
    const double threshold = threshold_size(law, budget, paper_family(), 0.98);
    EXPECT_TRUE(
        optimal_sparsity(law, budget, threshold * 1.001, paper_family(), 0.98).at_max_sparsity);
    EXPECT_FALSE(
        optimal_sparsity(law, budget, threshold * 0.999, paper_family(), 0.98).at_max_sparsity);
    // Like the dense threshold of Figure 9, this one grows with the budget.
    EXPECT_GT(threshold, previous) << "C = " << budget;
    previous = threshold;
  }
}

// Figure 3c: without a memory bound the loss falls all the way to the sparsest model allowed.
TEST(LawOptimumTest, UnboundedOptimumIsTheSparsestAllowed) {
  const SparsityLaw law = SparsityLaw::table3();
  const BudgetOptimum best = optimum(law, kBudget);
  EXPECT_TRUE(best.sparsity_at_bound);
  EXPECT_FALSE(best.params_at_cap);
  EXPECT_EQ(best.sparsity, 0.98);
  const LawSizeOptimum at_bound = optimal_size(law, kBudget, 0.98, paper_family());
  EXPECT_NEAR(best.total_params, at_bound.total_params, 1e-9 * at_bound.total_params);
  EXPECT_NEAR(best.loss, at_bound.loss, 1e-12);

  OptimumOptions looser;
  looser.max_sparsity = 0.995;
  const BudgetOptimum sparser = optimum(law, kBudget, looser);
  EXPECT_EQ(sparser.sparsity, 0.995);
  EXPECT_LT(sparser.loss, best.loss);
}

// Section 2.2: with N bounded below the unconstrained optimum, the bound binds and the best
// sparsity for that N lies inside the allowed range.
TEST(LawOptimumTest, MemoryCapBindsBelowTheUnconstrainedOptimum) {
  const SparsityLaw law = SparsityLaw::table3();
  const BudgetOptimum free = optimum(law, kBudget);
  OptimumOptions capped_options;
  capped_options.max_total_params = free.total_params / 10;
  const BudgetOptimum capped = optimum(law, kBudget, capped_options);
  EXPECT_TRUE(capped.params_at_cap);
  EXPECT_FALSE(capped.sparsity_at_bound);
  EXPECT_EQ(capped.total_params, *capped_options.max_total_params);
  EXPECT_LT(capped.sparsity, capped_options.max_sparsity);
  EXPECT_GT(capped.sparsity, 0.0);
  EXPECT_GT(capped.loss, free.loss);
  const LawSparsityOptimum at_cap = optimal_sparsity(law, kBudget, capped.total_params,
                                                     paper_family(), capped_options.max_sparsity);
  EXPECT_NEAR(capped.sparsity, at_cap.sparsity, 1e-8);
  EXPECT_NEAR(capped.loss, at_cap.loss, 1e-12);
}

TEST(LawOptimumTest, MemoryCapAboveTheOptimumDoesNotBind) {
  const SparsityLaw law = SparsityLaw::table3();
  const BudgetOptimum free = optimum(law, kBudget);
  OptimumOptions loose;
  loose.max_total_params = free.total_params * 10;
  const BudgetOptimum capped = optimum(law, kBudget, loose);
  EXPECT_FALSE(capped.params_at_cap);
  EXPECT_EQ(capped.sparsity, free.sparsity);
  EXPECT_NEAR(capped.total_params, free.total_params, 1e-9 * free.total_params);
}

// Copies of Table 3 with every coefficient scaled by 1 +- 1 % in turn, in symmetric pairs.
std::vector<SparsityLaw> perturbed_copies(const SparsityLaw& law) {
  std::vector<SparsityLaw> copies;
  for (double SparsityLaw::*coefficient :
       {&SparsityLaw::a, &SparsityLaw::b, &SparsityLaw::c, &SparsityLaw::d, &SparsityLaw::e,
        &SparsityLaw::alpha, &SparsityLaw::beta, &SparsityLaw::gamma, &SparsityLaw::lambda,
        &SparsityLaw::delta}) {
    for (const double factor : {0.99, 1.01}) {
      SparsityLaw copy = law;
      copy.*coefficient *= factor;
      copies.push_back(copy);
    }
  }
  return copies;
}

TEST(LawOptimumTest, IntervalsOverPerturbedCopiesContainThePoint) {
  const SparsityLaw law = SparsityLaw::table3();
  OptimumOptions capped;
  capped.max_total_params = 2e9;
  for (const OptimumOptions& options : {OptimumOptions{}, capped}) {
    const BudgetOptimumWithIntervals result =
        optimum_with_intervals(law, perturbed_copies(law), kBudget, options);
    ASSERT_TRUE(result.intervals);
    const BudgetOptimumIntervals& intervals = *result.intervals;
    EXPECT_EQ(intervals.replicates_used, 20u);
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_TRUE(intervals.sparsity.contains(result.point.sparsity));
    EXPECT_TRUE(intervals.total_params.contains(result.point.total_params));
    EXPECT_TRUE(intervals.active_params.contains(result.point.active_params));
    EXPECT_TRUE(intervals.tokens.contains(result.point.tokens));
    EXPECT_TRUE(intervals.loss.contains(result.point.loss));
    EXPECT_LT(intervals.loss.lo, intervals.loss.hi);
  }
}

TEST(LawOptimumTest, NoReplicatesGiveNoIntervals) {
  const BudgetOptimumWithIntervals result =
      optimum_with_intervals(SparsityLaw::table3(), {}, kBudget);
  EXPECT_FALSE(result.intervals);
  EXPECT_TRUE(result.diagnostics.empty());
  EXPECT_EQ(result.point.loss, optimum(SparsityLaw::table3(), kBudget).loss);
}

// Without the token term the loss falls with N for ever.
SparsityLaw law_without_token_term() {
  SparsityLaw law = SparsityLaw::table3();
  law.b = 0;
  return law;
}

TEST(LawOptimumTest, ReplicatesWithoutAnOptimumAreLeftOutAndCounted) {
  std::vector<SparsityLaw> replicates = perturbed_copies(SparsityLaw::table3());
  replicates.push_back(law_without_token_term());
  const BudgetOptimumWithIntervals result =
      optimum_with_intervals(SparsityLaw::table3(), replicates, kBudget);
  ASSERT_TRUE(result.intervals);
  EXPECT_EQ(result.intervals->replicates_used, 20u);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_NE(result.diagnostics[0].find("1 of 21"), std::string::npos) << result.diagnostics[0];
}

TEST(LawOptimumTest, Refusals) {
  const SparsityLaw law = SparsityLaw::table3();
  const ActiveParameterModel& model = paper_family();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const double compute : {0.0, -1e20, nan}) {
    expect_refusal(RefusalReason::kInvalidOptions, [&] { optimal_size(law, compute, 0.5, model); });
    expect_refusal(RefusalReason::kInvalidOptions,
                   [&] { optimal_sparsity(law, compute, 1e9, model, 0.98); });
    expect_refusal(RefusalReason::kInvalidOptions,
                   [&] { threshold_size(law, compute, model, 0.98); });
    expect_refusal(RefusalReason::kInvalidOptions, [&] { optimum(law, compute); });
  }
  expect_refusal(RefusalReason::kInvalidOptions, [&] { optimal_size(law, kBudget, 1.0, model); });
  expect_refusal(RefusalReason::kInvalidOptions,
                 [&] { optimal_sparsity(law, kBudget, 0.0, model, 0.98); });
  for (const double max_sparsity : {-0.1, 1.0, nan}) {
    expect_refusal(RefusalReason::kInvalidOptions,
                   [&] { optimal_sparsity(law, kBudget, 1e9, model, max_sparsity); });
    OptimumOptions options;
    options.max_sparsity = max_sparsity;
    EXPECT_FALSE(options.validate().empty());
    expect_refusal(RefusalReason::kInvalidOptions, [&] { optimum(law, kBudget, options); });
  }
  OptimumOptions tiny_cap;
  tiny_cap.max_total_params = kSmallestTotalParams / 2;
  expect_refusal(RefusalReason::kInvalidOptions, [&] { optimum(law, kBudget, tiny_cap); });
  expect_refusal(RefusalReason::kInvalidOptions,
                 [&] { optimum_with_intervals(law, {law}, kBudget, {}, 1.0); });

  expect_refusal(RefusalReason::kNoInteriorMinimum,
                 [&] { optimal_size(law_without_token_term(), kBudget, 0.5, model); });
  expect_refusal(RefusalReason::kNoInteriorMinimum,
                 [&] { optimum(law_without_token_term(), kBudget); });
  SparsityLaw size_does_not_help = law;
  size_does_not_help.a = 0;
  size_does_not_help.d = 0;
  expect_refusal(RefusalReason::kNoInteriorMinimum,
                 [&] { optimal_size(size_does_not_help, kBudget, 0.5, model); });
  // A law in which sparsity only hurts never puts S* at the bound.
  SparsityLaw sparsity_hurts = law;
  sparsity_hurts.c = 0;
  sparsity_hurts.delta = 3;
  expect_refusal(RefusalReason::kNoInteriorMinimum,
                 [&] { threshold_size(sparsity_hurts, kBudget, model, 0.98); });

  SparsityLaw broken = law;
  broken.alpha = nan;
  expect_refusal(RefusalReason::kNonFiniteData, [&] { optimum(broken, kBudget); });
  expect_refusal(RefusalReason::kNonFiniteData,
                 [&] { optimal_sparsity(broken, kBudget, 1e9, model, 0.98); });
}

}  // namespace
}  // namespace moescope

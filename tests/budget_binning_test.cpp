// Grouping runs into compute budgets (budget_binning.h): a tolerance for sweeps at nominal
// budgets, geometric bins for data whose C varies continuously (Epoch AI's reading of Chinchilla),
// and what the fitters and the "no usable run" message make of them.
#include "moescope/fit/budget_binning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/usable_runs.h"

namespace moescope {
namespace {

TEST(BudgetBinning, ToleranceGroupsASweepScatteredAroundItsNominalBudgets) {
  const std::vector<double> compute{1.01e20, 3e19, 0.995e20, 1e20, 3.03e19, 1e21};
  const std::vector<BudgetBin> bins = bin_budgets(compute);
  ASSERT_EQ(bins.size(), 3u);
  EXPECT_EQ(bins[0].members, (std::vector<std::size_t>{1, 4}));
  EXPECT_DOUBLE_EQ(bins[0].budget, (3e19 + 3.03e19) / 2);  // the median
  EXPECT_EQ(bins[1].members, (std::vector<std::size_t>{2, 3, 0}));
  EXPECT_EQ(bins[1].budget, 1e20);
  EXPECT_EQ(bins[1].lo, 0.995e20);
  EXPECT_EQ(bins[1].hi, 1.01e20);
  EXPECT_EQ(bins[2].budget, 1e21);
}

TEST(BudgetBinning, BinsPerDecadeHaveGeometricCentresAndEdges) {
  // Four bins per decade: centres 10^(i/4), edges half a bin either side.
  const BudgetBinning binning = BudgetBinning::per_decade(4);
  const double edge = std::pow(10.0, 20.125);
  const std::vector<double> compute{1e20, 1.3e20, edge * 0.999, edge, 1.6e20, 9.9e19, 6e18};
  const std::vector<BudgetBin> bins = bin_budgets(compute, binning);
  ASSERT_EQ(bins.size(), 3u);
  EXPECT_NEAR(bins[0].budget, std::pow(10.0, 18.75), 1e6);
  EXPECT_EQ(bins[0].members, std::vector<std::size_t>{6});
  EXPECT_EQ(bins[1].budget, 1e20);
  EXPECT_EQ(bins[1].members, (std::vector<std::size_t>{5, 0, 1, 2}));
  EXPECT_NEAR(bins[1].lo, std::pow(10.0, 19.875), 1e6);
  EXPECT_NEAR(bins[1].hi, edge, 1e6);
  // An edge belongs to the bin above.
  EXPECT_NEAR(bins[2].budget, std::pow(10.0, 20.25), 1e7);
  EXPECT_EQ(bins[2].members, (std::vector<std::size_t>{3, 4}));
  EXPECT_TRUE(binning.same_budget(1e20, 1.3e20));
  EXPECT_FALSE(binning.same_budget(1e20, 1.6e20));
  EXPECT_EQ(binning.describe(), "4 bins per decade of C (centres 10^(i/4))");
  EXPECT_EQ(BudgetBinning{}.describe(), "runs within 2% of one C");
}

TEST(BudgetBinning, RefusesSettingsAndValuesThatAreNoBudgets) {
  EXPECT_FALSE(BudgetBinning::per_decade(0).validate().empty());
  EXPECT_FALSE(BudgetBinning::within(-0.1).validate().empty());
  EXPECT_FALSE(BudgetBinning::within(NAN).validate().empty());
  EXPECT_THROW(bin_budgets({1e20}, BudgetBinning::per_decade(0)), std::invalid_argument);
  EXPECT_THROW(bin_budgets({1e20, 0.0}), std::invalid_argument);
  EXPECT_THROW(bin_budgets({INFINITY}), std::invalid_argument);
  try {
    group_by_budget({}, BudgetBinning::per_decade(-1));
    ADD_FAILURE() << "accepted -1 bins per decade";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kInvalidOptions);
  }
}

// Runs of Chinchilla's kind: C varies continuously, so no two share a C within 2 %, yet each
// bin of a quarter decade holds a well-shaped IsoFLOP curve with its minimum at N* = 0.1 C^0.5.
std::vector<SurfacePoint> continuous_points() {
  std::vector<SurfacePoint> points;
  for (int decade = 0; decade < 3; ++decade) {
    const double centre = std::pow(10.0, 19 + decade);
    const double optimum = 0.1 * std::sqrt(centre);
    for (int i = 0; i < 7; ++i) {
      // Spread C by up to +-10 % inside the bin, differently for every run.
      const double c = centre * (1.0 + 0.1 * std::sin(1.7 * i + decade));
      const double n = optimum * std::exp(0.4 * (i - 3));
      const double loss = 2.0 + 0.05 * std::pow(std::log(n / optimum), 2);
      points.push_back({n, n, 0.0, loss, c, points.size()});
    }
  }
  return points;
}

TEST(BudgetBinning, CurvesOfContinuousBudgetsNeedBins) {
  CurveFitOptions options;
  options.bootstrap_replicates = 0;
  const IsoFlopCurves by_tolerance = fit_isoflop_curves(continuous_points(), options);
  EXPECT_TRUE(by_tolerance.curves.empty());
  EXPECT_GT(by_tolerance.refused.size(), 10u);

  options.binning = BudgetBinning::per_decade(4);
  const IsoFlopCurves binned = fit_isoflop_curves(continuous_points(), options);
  ASSERT_EQ(binned.curves.size(), 3u);
  EXPECT_TRUE(binned.refused.empty());
  for (const IsoFlopCurve& curve : binned.curves)
    EXPECT_EQ(curve.points, 7u);
  EXPECT_EQ(*binned.curves[1].budget, 1e20);  // the bin's centre
  EXPECT_NEAR(fit_optimal_size_power_law(binned, 0.0).exponent, 0.5, 1e-9);
}

TEST(BudgetBinning, CurveOptionsRefuseBadBinning) {
  CurveFitOptions options;
  options.binning = BudgetBinning::per_decade(0);
  ASSERT_EQ(options.validate().size(), 1u);
  EXPECT_NE(options.validate()[0].find("bins per decade must be at least 1"), std::string::npos);
}

// ---- Why no run can be used -----------------------------------------------------------------

TEST(UsableRuns, NoUsableRunSaysWhichFieldIsMissingOnHowManyRuns) {
  std::vector<moescope::Run> runs(5);
  for (moescope::Run& run : runs)
    run.loss = 2.5;  // a loss and nothing else: a file whose columns were not mapped
  runs[4].status = RunStatus::kPlanned;
  EXPECT_EQ(no_usable_runs_message(runs, FitInput::kLaw),
            "none of the 5 runs can be fitted: 4 have no N, 1 has status planned");
  const std::vector<LeftOutReason> reasons = left_out_reasons(runs, FitInput::kSurfaceOnN);
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0].reason, "no N");
  EXPECT_EQ(reasons[0].runs, 4u);
  EXPECT_EQ(no_usable_runs_message({}, FitInput::kCurves), "no runs");

  // One usable run: nothing to explain.
  runs[0].total_params = 1e8;
  runs[0].sparsity = 0.0;
  runs[0].active_params = 1e8;
  EXPECT_EQ(no_usable_runs_message(runs, FitInput::kSurfaceOnN), "");
  // The law needs D and C as well.
  EXPECT_EQ(no_usable_runs_message(runs, FitInput::kLaw),
            "none of the 5 runs can be fitted: 3 have no N, 1 has no D, 1 has status planned");
}

}  // namespace
}  // namespace moescope

// A user-defined law's rows from runs (law_rows.h): which runs are rows and why others are not,
// the budget optima, one loss unit, validation across budgets, and the optimum through a defined
// law (defined_law_optimum.h) against a brute-force grid.
#include "moescope/law/law_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/law/builtin_laws.h"
#include "moescope/law/defined_law_optimum.h"
#include "moescope/run/run_variables.h"
#include "support/small_chinchilla.h"

namespace {

using moescope::FitRefused;
using moescope::RefusalReason;
using moescope::RunFilter;
using moescope::ValidationScheme;
namespace law = moescope::law;

moescope::Run make_run(const std::string& id, double n, double d, double loss) {
  moescope::Run run;
  run.id = id;
  run.name = "run-" + id;
  run.total_params = n;
  run.tokens = d;
  run.compute = 6 * n * d;
  run.loss = loss;
  return run;
}

using moescope::testing_support::chinchilla;
using moescope::testing_support::kChinchillaLaw;

std::vector<moescope::Run> chinchilla_grid() {
  std::vector<moescope::Run> runs;
  int k = 0;
  for (const double budget : {1e18, 1e19, 1e20, 1e21}) {
    for (const double n : {3e7, 1e8, 3e8, 1e9, 3e9}) {
      const double d = budget / (6 * n);
      runs.push_back(make_run("r" + std::to_string(k++), n, d, chinchilla(n, d)));
    }
  }
  return runs;
}

TEST(LawRowsTest, RunsLackingAVariableAreLeftOutAndNamed) {
  const auto data_constrained = law::builtin_law("data-constrained", moescope::law_run_variables());
  ASSERT_TRUE(data_constrained);
  std::vector<moescope::Run> runs{make_run("r1", 1e8, 1e9, 3.0), make_run("r2", 2e8, 1e9, 2.9),
                                  make_run("r3", 3e8, 1e9, 2.8)};
  runs[0].unique_tokens = 5e8;
  runs[2].unique_tokens = 1e9;
  runs[2].status = moescope::RunStatus::kRunning;
  const law::LawRows rows = law::law_rows(runs, *data_constrained, RunFilter::parse(""));
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0].source_index, 0u);
  ASSERT_EQ(rows.left_out.size(), 2u);
  EXPECT_EQ(rows.left_out[0], "run r2 (run-r2): no U");
  EXPECT_NE(rows.left_out[1].find("status is running"), std::string::npos);
  // The values follow the law's variables.
  const auto& variables = data_constrained->variables();
  for (std::size_t v = 0; v < variables.size(); ++v) {
    EXPECT_EQ(rows.rows[0].values[v], *moescope::run_variable(runs[0], variables[v]))
        << variables[v];
  }
}

TEST(LawRowsTest, HoldoutFlagsFollowTheRule) {
  const law::LawDefinition law =
      law::parse_law_text(kChinchillaLaw, "law.json", moescope::law_run_variables());
  const std::vector<moescope::Run> runs = chinchilla_grid();
  const law::LawRows rows = law::law_rows(runs, law, RunFilter::parse("N >= 3e9"));
  ASSERT_EQ(rows.rows.size(), runs.size());
  for (std::size_t i = 0; i < rows.rows.size(); ++i)
    EXPECT_EQ(rows.holdout[i], *runs[rows.rows[i].source_index].total_params >= 3e9);
}

TEST(LawRowsTest, BudgetOptimaTakeEachBudgetsLowestLoss) {
  const auto envelope = law::builtin_law("envelope", moescope::law_run_variables());
  ASSERT_TRUE(envelope);
  std::vector<moescope::Run> runs = chinchilla_grid();
  runs.push_back(make_run("nocompute", 1e8, 1e9, 3.0));
  runs.back().compute.reset();
  const law::LawRows rows = law::law_rows(runs, *envelope, RunFilter::parse(""));
  ASSERT_EQ(rows.rows.size(), 4u);
  ASSERT_EQ(rows.notes.size(), 1u);
  EXPECT_NE(rows.notes[0].find("4 budgets from 20 usable runs"), std::string::npos)
      << rows.notes[0];
  EXPECT_NE(rows.left_out.back().find("no C"), std::string::npos);
  for (const law::LawRow& row : rows.rows) {
    const double budget = *runs[row.source_index].compute;
    for (const moescope::Run& run : runs) {
      if (run.compute && std::abs(*run.compute / budget - 1) < 0.02)
        EXPECT_LE(row.loss, *run.loss);
    }
  }
}

TEST(LawRowsTest, MixedLossUnitsAreRefused) {
  const law::LawDefinition law =
      law::parse_law_text(kChinchillaLaw, "law.json", moescope::law_run_variables());
  std::vector<moescope::Run> runs = chinchilla_grid();
  runs[3].loss_unit = moescope::LossUnit::kNatsPerByte;
  try {
    law::law_rows(runs, law, RunFilter::parse(""));
    FAIL() << "mixed units were accepted";
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kMixedLossUnits);
  }
}

TEST(LawRowsTest, LeaveOneBudgetOutRecoversTheLawOnEachBudget) {
  const law::LawDefinition law =
      law::parse_law_text(kChinchillaLaw, "law.json", moescope::law_run_variables());
  const law::LawRows rows = law::law_rows(chinchilla_grid(), law, RunFilter::parse(""));
  law::DefinedLawFitOptions options;
  options.threads = 2;
  const law::DefinedLawValidation validated =
      law::validate_defined_law(law, rows, options, ValidationScheme::kLeaveOneBudgetOut);
  ASSERT_EQ(validated.validation.budgets.size() + validated.validation.refused.size(), 4u);
  EXPECT_GE(validated.validation.budgets.size(), 3u);
  for (const moescope::BudgetValidation& budget : validated.validation.budgets) {
    EXPECT_EQ(budget.errors.points, 5u);
    EXPECT_EQ(budget.fitted_points, 15u);
    EXPECT_LT(budget.errors.mse, 1e-4) << "C = " << budget.budget;
  }
  const law::DefinedLawValidation forward =
      law::validate_defined_law(law, rows, options, ValidationScheme::kForward);
  EXPECT_EQ(forward.validation.budgets.size() + forward.validation.refused.size(), 1u);
}

TEST(LawRowsTest, OptimumMatchesABruteForceGrid) {
  const law::LawDefinition law =
      law::parse_law_text(kChinchillaLaw, "law.json", moescope::law_run_variables());
  const std::vector<double> values{400, 2000, 1.7, 0.34, 0.28};  // A, B, E, alpha, beta
  for (const double budget : {1e19, 1e21, 1e23}) {
    const law::DefinedLawOptimum optimum =
        law::defined_law_optimum(law, values, {}, budget, std::nullopt);
    ASSERT_TRUE(optimum.refused.empty()) << optimum.refused;
    double best_n = 0, best_loss = INFINITY;
    for (double log_n = std::log(1e5); log_n < std::log(1e13); log_n += 1e-4) {
      const double n = std::exp(log_n);
      const double loss = chinchilla(n, budget / (6 * n));
      if (loss < best_loss) {
        best_loss = loss;
        best_n = n;
      }
    }
    EXPECT_NEAR(optimum.total_params / best_n, 1.0, 2e-3) << "C = " << budget;
    EXPECT_NEAR(optimum.loss, best_loss, 1e-9);
    EXPECT_DOUBLE_EQ(optimum.tokens, budget / (6 * optimum.total_params));
  }
}

TEST(LawRowsTest, OptimumOnTheBracketsEdgeIsRefused) {
  // No data term: the loss falls with N for ever.
  const law::LawDefinition law = law::parse_law_text(
      R"({"name": "size-only", "expression": "E + A / N^alpha",
          "parameters": {"A": {"init": [100]}, "E": {"init": [1]}, "alpha": {"init": [0.3]}}})",
      "size.json", moescope::law_run_variables());
  const law::DefinedLawOptimum optimum =
      law::defined_law_optimum(law, {100, 1, 0.3}, {}, 1e20, std::nullopt);
  EXPECT_NE(optimum.refused.find("keeps falling toward larger N"), std::string::npos)
      << optimum.refused;
  const law::DefinedLawOptimum capped = law::defined_law_optimum(law, {100, 1, 0.3}, {}, 1e20, 1e9);
  EXPECT_TRUE(capped.refused.empty());
  EXPECT_TRUE(capped.at_cap);
  EXPECT_NEAR(capped.total_params, 1e9, 1e3);
}

TEST(LawRowsTest, BlockersAreTheVariablesBesidesNDAndC) {
  const auto data_constrained = law::builtin_law("data-constrained", moescope::law_run_variables());
  ASSERT_TRUE(data_constrained);
  EXPECT_EQ(law::defined_law_optimum_blockers(*data_constrained, {}),
            std::vector<std::string>{"U"});
  EXPECT_TRUE(law::defined_law_optimum_blockers(*data_constrained, {{"U", 1e9}}).empty());
}

}  // namespace

// Derivation of missing scaling quantities and the plausibility checks on a run.
#include "moescope/run/derive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "moescope/model/accounting.h"

namespace moescope {
namespace {

Architecture moe_architecture() {
  Architecture arch;
  arch.d_model = 512;
  arch.n_layers = 8;
  arch.n_heads = 8;
  arch.experts = 32;
  arch.active = 4;
  return arch;
}

bool has_problem(const std::vector<FieldProblem>& problems, const std::string& field,
                 const std::string& text) {
  for (const FieldProblem& problem : problems) {
    if (problem.field == field && problem.message.find(text) != std::string::npos)
      return true;
  }
  return false;
}

TEST(Derive, ArchitectureGivesSparsityAndParameterCounts) {
  moescope::Run run;
  run.architecture = moe_architecture();
  run.tokens = 1e9;
  derive_missing(run);
  const ParameterCount count = count_parameters(moe_architecture());
  EXPECT_EQ(run.sparsity, 28.0 / 32.0);
  EXPECT_EQ(run.total_params, count.total);
  EXPECT_EQ(run.active_params, count.active);
  EXPECT_EQ(run.compute, 6.0 * count.active * 1e9);
  for (const Quantity q :
       {Quantity::kSparsity, Quantity::kTotalParams, Quantity::kActiveParams, Quantity::kCompute}) {
    EXPECT_TRUE(run.derived.contains(q)) << to_string(q);
  }
  EXPECT_FALSE(run.derived.contains(Quantity::kTokens));
}

TEST(Derive, GivenValuesAreNeverOverwritten) {
  moescope::Run run;
  run.architecture = moe_architecture();
  run.total_params = 123456789;
  run.compute = 1e19;
  run.tokens = 1e9;
  derive_missing(run);
  EXPECT_EQ(run.total_params, 123456789);
  EXPECT_EQ(run.compute, 1e19);
  EXPECT_FALSE(run.derived.contains(Quantity::kTotalParams));
  EXPECT_FALSE(run.derived.contains(Quantity::kCompute));
}

TEST(Derive, RunWithoutSparsityInformationIsDense) {
  // The shape of a Chinchilla row: N and C only.
  moescope::Run run;
  run.total_params = 1e8;
  run.compute = 6e18;
  derive_missing(run);
  EXPECT_EQ(run.sparsity, 0.0);
  EXPECT_EQ(run.active_params, 1e8);
  EXPECT_EQ(run.tokens, 1e10);
  EXPECT_EQ(format_quantity_set(run.derived), "N_active;S;D");
}

TEST(Derive, DifferentTotalAndActiveLeaveSparsityUnknown) {
  moescope::Run run;
  run.total_params = 4e8;
  run.active_params = 1e8;
  run.tokens = 1e10;
  derive_missing(run);
  EXPECT_FALSE(run.sparsity.has_value());
  EXPECT_EQ(run.compute, 6e18);
}

TEST(Derive, ActiveParametersFromComputeAndTokens) {
  moescope::Run run;
  run.sparsity = 0.5;
  run.compute = 6e18;
  run.tokens = 1e10;
  derive_missing(run);
  EXPECT_EQ(run.active_params, 1e8);
  EXPECT_TRUE(run.derived.contains(Quantity::kActiveParams));
  EXPECT_FALSE(run.total_params.has_value());
}

// Whatever a file gave, deriving again finds nothing left to add: an export of derived runs
// imports back unchanged.
TEST(Derive, SecondPassChangesNothing) {
  std::vector<moescope::Run> partial(5);
  partial[0].compute = 6e18;  // only C and D: N_a from them, then N = N_a for the dense run
  partial[0].tokens = 1e10;
  partial[1].total_params = 1e8;
  partial[1].compute = 6e18;
  partial[2].architecture = moe_architecture();
  partial[2].compute = 1e19;
  partial[3].sparsity = 0.5;
  partial[3].active_params = 1e8;
  partial[3].tokens = 1e9;
  partial[4].total_params = 4e8;
  partial[4].active_params = 1e8;
  for (moescope::Run& run : partial) {
    derive_missing(run);
    moescope::Run again = run;
    derive_missing(again);
    EXPECT_EQ(again, run) << format_quantity_set(run.derived);
  }
  EXPECT_EQ(partial[0].total_params, 1e8);
  EXPECT_EQ(format_quantity_set(partial[0].derived), "N;N_active;S");
}

TEST(CheckRun, AcceptsAConsistentRun) {
  moescope::Run run;
  run.architecture = moe_architecture();
  run.tokens = 1e9;
  run.loss = 3.1;
  derive_missing(run);
  EXPECT_TRUE(check_run(run).empty());
}

TEST(CheckRun, NamesEachImplausibleField) {
  moescope::Run run;
  run.total_params = 125;  // millions, by mistake
  run.active_params = 250;
  run.sparsity = 75;
  run.tokens = -1;
  run.loss = std::numeric_limits<double>::quiet_NaN();
  const auto problems = check_run(run);
  EXPECT_TRUE(has_problem(problems, "N", "implausibly small"));
  EXPECT_TRUE(has_problem(problems, "N_active", "exceeds N"));
  EXPECT_TRUE(has_problem(problems, "S", "a percentage?"));
  EXPECT_TRUE(has_problem(problems, "D", "must be positive"));
  EXPECT_TRUE(has_problem(problems, "loss", "finite"));
}

TEST(CheckRun, ComputeOffByAUnitIsCaught) {
  moescope::Run run;
  run.active_params = 1e8;
  run.tokens = 1e10;
  run.compute = 6e18 / 1e6;  // given in millions of FLOPs... i.e. a slip of 1e6
  run.sparsity = 0;
  EXPECT_TRUE(has_problem(check_run(run), "C", "check the units"));
  run.compute = 6e18 * 3.5;  // an Eq. 9 estimate for a small long-context model is still fine
  EXPECT_FALSE(has_problem(check_run(run), "C", "check the units"));
}

TEST(CheckRun, SparsityMustAgreeWithExperts) {
  moescope::Run run;
  run.architecture = moe_architecture();
  run.sparsity = 0.5;
  EXPECT_TRUE(has_problem(check_run(run), "S", "disagrees with (E-K)/E=0.875"));
  run.architecture->active = 40;
  EXPECT_TRUE(has_problem(check_run(run), "active", "K=40 active experts exceed E=32"));
  run.architecture->active = 4;
  run.architecture->n_heads = 7;
  EXPECT_TRUE(has_problem(check_run(run), "heads", "not divisible by heads=7"));
}

TEST(CheckRun, PerplexityIsNotALoss) {
  moescope::Run run;
  run.loss = 35.0;
  EXPECT_TRUE(has_problem(check_run(run), "loss", "nats/token"));
}

TEST(QuantitySet, FormatsAndParsesBack) {
  QuantitySet set;
  set.insert(Quantity::kCompute);
  set.insert(Quantity::kTotalParams);
  EXPECT_EQ(format_quantity_set(set), "N;C");
  EXPECT_EQ(parse_quantity_set("N;C"), set);
  EXPECT_EQ(parse_quantity_set(""), QuantitySet{});
  EXPECT_FALSE(parse_quantity_set("N;X").has_value());
  EXPECT_FALSE(parse_quantity_set("N;").has_value());
  EXPECT_FALSE(parse_quantity_set("N;;C").has_value());
}

}  // namespace
}  // namespace moescope

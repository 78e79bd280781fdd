// The planner: cells (C, N, S) to architectures, budgets to tokens and steps, the gaps of a grid,
// and the planning service's spec files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "moescope/model/accounting.h"
#include "moescope/plan/planning.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

const std::vector<Cell> kCells = {
    {1e15, 1.7e6, 0.75}, {1e16, 1e7, 0.0}, {3e17, 1e8, 0.95}, {1e20, 1e9, 0.5}, {1e21, 4e9, 0.25}};

TEST(PlannerTest, PlannedSizeIsWithinToleranceAndIsTheArchitecturesCount) {
  PlannerOptions options;
  for (const Cell& cell : kCells) {
    SCOPED_TRACE(describe(cell));
    const PlannedRun run = plan_run(cell, options);
    EXPECT_EQ(run.cell, cell);
    EXPECT_EQ(run.total_params, count_parameters(run.architecture).total);
    EXPECT_EQ(run.active_params, count_parameters(run.architecture).active);
    EXPECT_LE(std::abs(run.total_params - cell.total_params) / cell.total_params,
              options.relative_tolerance);
    EXPECT_DOUBLE_EQ(run.relative_error,
                     (run.total_params - cell.total_params) / cell.total_params);
  }
}

TEST(PlannerTest, ShapesFollowTheDocumentedFamily) {
  PlannerOptions options;
  options.context = 256;
  for (const Cell& cell : kCells) {
    SCOPED_TRACE(describe(cell));
    const Architecture arch = plan_run(cell, options).architecture;
    EXPECT_TRUE(validate(arch).empty());
    EXPECT_EQ(arch.d_model % 64, 0);
    EXPECT_EQ(arch.n_heads * 64, arch.d_model);
    EXPECT_EQ(arch.vocab, 256);
    EXPECT_EQ(arch.context, 256);
    EXPECT_EQ(arch.granularity, 1);
    EXPECT_TRUE(arch.tied_embeddings);
    EXPECT_GE(arch.n_layers, 2);
    if (arch.n_layers > 2) {
      const double aspect = double(arch.d_model) / arch.n_layers;
      EXPECT_GE(aspect, 96 / 1.5);
      EXPECT_LE(aspect, 96 * 1.5);
    }
  }
}

TEST(PlannerTest, TokensTimesFlopsPerTokenIsTheBudget) {
  for (const FlopEstimator estimator : {FlopEstimator::kEq9, FlopEstimator::kSixNa}) {
    PlannerOptions options;
    options.estimator = estimator;
    for (const Cell& cell : kCells) {
      SCOPED_TRACE(describe(cell) + " " + std::string(to_string(estimator)));
      const PlannedRun run = plan_run(cell, options);
      const double per_token = estimator == FlopEstimator::kEq9
                                   ? flops_per_token_eq9(run.architecture)
                                   : flops_per_token_6na(run.architecture);
      EXPECT_EQ(run.estimator, estimator);
      EXPECT_EQ(run.flops_per_token, per_token);
      EXPECT_DOUBLE_EQ(run.tokens * per_token, cell.compute);
      EXPECT_EQ(run.batch_size, options.batch_size);
      EXPECT_EQ(run.steps, static_cast<std::int64_t>(std::floor(
                               run.tokens / (options.batch_size * double(options.context)))));
    }
  }
}

TEST(PlannerTest, ExpertsGiveTheAskedSparsityExactly) {
  PlannerOptions options;
  options.relative_tolerance = 0.25;  // S = 0.98 at 1e8 is 19 % off; sparsity is what counts here
  for (const double s : {0.0, 0.25, 0.5, 0.75, 0.875, 0.9, 0.95, 0.98}) {
    SCOPED_TRACE(s);
    const Architecture arch = plan_run({1e18, 1e8, s}, options).architecture;
    EXPECT_EQ(sparsity(arch), s);
    EXPECT_LE(arch.active, 8);
  }
  const Architecture dense = plan_run({1e18, 1e8, 0.0}).architecture;
  EXPECT_EQ(dense.experts, 1);
  EXPECT_EQ(dense.active, 1);
}

TEST(PlannerTest, GranularityMakesSmallerExpertsOfTheSameCount) {
  PlannerOptions options;
  options.granularity = 2;
  const PlannedRun run = plan_run({1e18, 1e8, 0.75}, options);
  EXPECT_EQ(run.architecture.granularity, 2);
  EXPECT_EQ(run.architecture.experts, 4);
  EXPECT_EQ(run.architecture.active, 1);
  EXPECT_LE(std::abs(run.relative_error), options.relative_tolerance);
}

std::string refusal_of(const std::vector<Cell>& cells, const PlannerOptions& options = {}) {
  try {
    plan_cells(cells, options);
  } catch (const PlanRefused& refused) {
    return refused.what();
  }
  return "not refused";
}

TEST(PlannerTest, RefusesAnImpossibleCellNamingIt) {
  // Smaller than the smallest model of the family.
  EXPECT_EQ(refusal_of({{1e15, 1e3, 0.5}}),
            "cell C=1e15 N=1000 S=0.5: no architecture within 5% of N: the nearest, d_model=64 "
            "layers=2 E=2 K=1, has N=2.46e5 (+2.45e4%); a looser tolerance or a smaller head size "
            "reaches more sizes");
  // Between two sizes of the family: d_model=128 and 192 at 2 layers.
  EXPECT_NE(refusal_of({{1e15, 2.6e6, 0.75}}).find("no architecture within 5%"), std::string::npos);
  EXPECT_EQ(refusal_of({{1e15, 1e6, 0.33}}),
            "cell C=1e15 N=1e6 S=0.33: S=0.33 is not (E-K)/E for any E and K <= 8 active experts");
  EXPECT_EQ(refusal_of({{1e12, 8.7e6, 0.5}}),
            "cell C=1e12 N=8.7e6 S=0.5: D=2.785e4 tokens make 1 steps of batch_size*context=16384 "
            "tokens, fewer than min_steps=50 (raise C, or lower the batch size or context)");
  EXPECT_EQ(refusal_of({{-1, 1e7, 0.5}}),
            "cell C=-1 N=1e7 S=0.5: the budget C must be finite and > 0");
}

// 1e30 FLOPs at 1e6 parameters are some 1e23 tokens, 1e19 steps: more than an int64 holds (it
// printed -9223372036854775808 steps). Refused at the trainer's limit on tokens instead.
TEST(PlannerTest, ABudgetBeyondTheTrainersTokenLimitIsRefusedNotOverflowed) {
  try {
    const PlannedRun run = plan_run({1e30, 1e6, 0.5}, PlannerOptions{});
    ADD_FAILURE() << "planned " << run.steps << " steps";
  } catch (const PlanRefused& refused) {
    ASSERT_EQ(refused.messages().size(), 1u);
    EXPECT_NE(refused.messages()[0].find("tokens, more than the trainer's limit of 1e18 tokens"),
              std::string::npos)
        << refused.messages()[0];
  }
  EXPECT_NO_THROW(plan_run({1e22, 1e9, 0.5}, PlannerOptions{}));
}

TEST(PlannerTest, PlanningSeveralCellsListsEveryRefusal) {
  try {
    plan_cells({{1e15, 1.7e6, 0.75}, {1e15, 1e6, 0.33}, {1e15, 1e3, 0.0}});
    FAIL() << "not refused";
  } catch (const PlanRefused& refused) {
    ASSERT_EQ(refused.messages().size(), 2u);
    EXPECT_NE(refused.messages()[0].find("N=1e6 S=0.33"), std::string::npos);
    EXPECT_NE(refused.messages()[1].find("N=1000 S=0"), std::string::npos);
  }
}

TEST(PlannerTest, TighterToleranceRefusesWhatALooserOneAccepts) {
  PlannerOptions loose;
  const PlannedRun run = plan_run({1e15, 1.7e6, 0.75}, loose);
  ASSERT_GT(std::abs(run.relative_error), 0);
  PlannerOptions tight;
  tight.relative_tolerance = std::abs(run.relative_error) / 2;
  tight.aspect_slack = 1;  // one depth per width: the nearest shape can only get further away
  EXPECT_THROW(plan_run({1e15, 1.7e6, 0.75}, tight), PlanRefused);
}

TEST(PlannerTest, InvalidOptionsAreNamed) {
  PlannerOptions options;
  options.batch_size = 0;
  options.aspect_slack = 0.5;
  try {
    plan_run({1e15, 1.7e6, 0.75}, options);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "invalid planner options:\n  batch_size must be > 0, got 0\n  aspect_slack must "
                 "be finite and >= 1, got 0.5");
  }
}

TEST(PlannerTest, ValidationPassesAndCheckpointsAreSpreadOverTheSteps) {
  const PlannedRun run = plan_run({1e15, 1.7e6, 0.75});
  TrainingSettings settings;
  const TrainSpec defaults = planned_spec(run, settings);
  EXPECT_EQ(defaults.eval_interval, (run.steps + 9) / 10);  // the trainer's ten
  EXPECT_EQ(defaults.checkpoint_interval, (run.steps + 19) / 20);
  settings.validation_passes = 5;
  settings.checkpoints = 2;
  const TrainSpec fewer = planned_spec(run, settings);
  EXPECT_EQ(fewer.eval_interval, (run.steps + 4) / 5);
  EXPECT_EQ(fewer.checkpoint_interval, (run.steps + 1) / 2);
  // The file says so, and reads back to the same spec.
  const TrainSpec read = parse_train_spec(to_spec_file(fewer), ".");
  EXPECT_EQ(read.eval_interval, fewer.eval_interval);
  EXPECT_EQ(read.checkpoint_interval, fewer.checkpoint_interval);
  settings.validation_passes = 0;
  settings.checkpoints = 0;
  try {
    planned_spec(run, settings);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("validation_passes must be at least 1, got 0"),
              std::string::npos);
    EXPECT_NE(std::string(error.what()).find("checkpoints must be at least 1, got 0"),
              std::string::npos);
  }
}

TEST(PlannerTest, SpecHasTheTrainersKeysAndThePlannedNumbers) {
  const PlannedRun run = plan_run({1e15, 1.7e6, 0.75});
  TrainingSettings settings;
  settings.seed = 7;
  const auto spec = nlohmann::json::parse(to_spec_file(planned_spec(run, settings)));
  EXPECT_EQ(spec.size(), 15u);
  EXPECT_EQ(spec["design"], "grid");  // how the run was chosen, kept with it as provenance
  EXPECT_EQ(spec["d_model"], run.architecture.d_model);
  EXPECT_EQ(spec["layers"], run.architecture.n_layers);
  EXPECT_EQ(spec["heads"], run.architecture.n_heads);
  EXPECT_EQ(spec["experts"], 4);
  EXPECT_EQ(spec["active"], 1);
  EXPECT_EQ(spec["granularity"], 1);
  EXPECT_EQ(spec["context"], 512);
  EXPECT_EQ(spec["vocab"], 256);
  EXPECT_EQ(spec["batch_size"], 32);
  EXPECT_EQ(spec["tokens"].get<double>(), run.tokens);
  EXPECT_EQ(spec["lr"], 0.003);
  EXPECT_EQ(spec["warmup_fraction"], 0.05);
  EXPECT_EQ(spec["seed"], 7);
  // A twentieth of D per validation pass, in whole sequences, at most the trainer's default.
  EXPECT_EQ(spec["eval_tokens"], 262144);
  const PlannedRun small = plan_run({1e13, 1.7e6, 0.75});
  const auto eval_tokens =
      nlohmann::json::parse(to_spec_file(planned_spec(small)))["eval_tokens"].get<std::int64_t>();
  EXPECT_EQ(eval_tokens % 512, 0);
  EXPECT_LE(static_cast<double>(eval_tokens), small.tokens / 20);
  EXPECT_GT(static_cast<double>(eval_tokens + 512), small.tokens / 20);
  EXPECT_EQ(run_label(run), "C1e15_N1.7e6_S0.75");
  settings.warmup_fraction = 1;
  EXPECT_THROW(planned_spec(run, settings), std::invalid_argument);
}

// What the planner writes, the trainer reads as planned; a plan written again replaces its files,
// and specs for a queue never take a name in use.
TEST(PlanningTest, SpecFilesAreReadByTheTrainerAsPlanned) {
  const testing_support::TemporaryFolder folder("plan-specs");
  const PlannedRun run = plan_run({1e15, 1.7e6, 0.75});
  const std::vector<std::filesystem::path> files = write_specs({run, run}, {}, folder.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "C1e15_N1.7e6_S0.75.json");
  EXPECT_EQ(files[1].filename(), "C1e15_N1.7e6_S0.75_2.json");
  const TrainSpec spec = read_train_spec(files[0]);
  EXPECT_EQ(spec.architecture, run.architecture);
  EXPECT_EQ(spec.steps, run.steps);
  EXPECT_EQ(write_specs({run}, {}, folder.path()), std::vector{files[0]});
  std::filesystem::create_directory(folder.path() / "C1e15_N1.7e6_S0.75_3");  // a job's folder
  EXPECT_EQ(write_specs({run}, {}, folder.path(), SpecNames::kFresh).at(0).filename(),
            "C1e15_N1.7e6_S0.75_4.json");
}

// A grid whose curves hold exactly the gap finder's targets: five sizes over a span of 4 around
// each curve's optimum, drawn from the same law.
class GapFinderTest : public ::testing::Test {
 protected:
  GapFinderTest() {
    // Budgets large enough that the grid's widths, multiples of 64, land near every target.
    grid_options_.budgets = {1e21, 3e21};
    grid_options_.sparsities = {0.0, 0.5, 0.9, 0.98};
    grid_options_.sizes_per_curve = 5;
    grid_options_.size_span = 4;
    runs_ = generate_synthetic_grid(grid_options_);
  }

  GapReport gaps(const std::vector<moescope::Run>& runs, const std::vector<double>& budgets) const {
    return find_gaps(runs, budgets, SparsityLaw::table3(), ActiveParameterModel::paper_family());
  }

  SyntheticGridOptions grid_options_;
  std::vector<moescope::Run> runs_;
};

TEST_F(GapFinderTest, AFullGridHasNoGaps) {
  ASSERT_EQ(runs_.size(), 40u);
  const GapReport report = gaps(runs_, grid_options_.budgets);
  EXPECT_TRUE(report.gaps.empty()) << describe(report.gaps.front());
  EXPECT_TRUE(report.notes.empty());
}

TEST_F(GapFinderTest, TheGapsOfAGridWithAPointRemovedAreThatPoint) {
  for (const std::size_t removed : {0u, 7u, 12u, 26u, 39u}) {
    std::vector<moescope::Run> runs = runs_;
    const moescope::Run gone = runs[removed];
    runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(removed));
    const GapReport report = gaps(runs, grid_options_.budgets);
    ASSERT_EQ(report.gaps.size(), 1u) << gone.name;
    const Cell& gap = report.gaps.front();
    EXPECT_EQ(gap.compute, *gone.compute);
    EXPECT_EQ(gap.sparsity, *gone.sparsity);
    EXPECT_LE(std::abs(std::log(gap.total_params / *gone.total_params)), 0.25) << gone.name;
  }
}

TEST_F(GapFinderTest, ANewBudgetLacksEveryTargetAndFailedRunsFillNothing) {
  const GapReport fresh = gaps(runs_, {1e20});
  ASSERT_EQ(fresh.gaps.size(), 20u);
  EXPECT_EQ(fresh.gaps[0].sparsity, 0.0);
  EXPECT_EQ(fresh.gaps[19].sparsity, 0.98);
  EXPECT_LT(fresh.gaps[0].total_params, fresh.gaps[1].total_params);
  EXPECT_NEAR(fresh.gaps[1].total_params / fresh.gaps[0].total_params, 2.0, 1e-12);

  std::vector<moescope::Run> runs = runs_;
  runs[3].status = RunStatus::kFailed;
  EXPECT_EQ(gaps(runs, grid_options_.budgets).gaps.size(), 1u);
}

TEST_F(GapFinderTest, EveryGapIsPlannedOrRefused) {
  PlannerOptions planner;
  planner.relative_tolerance = gap_filling_tolerance(GapOptions{});
  EXPECT_NEAR(planner.relative_tolerance, 0.22, 0.005);
  const Plan plan = plan_gaps(runs_, {1e20}, SparsityLaw::table3(), planner);
  const GapReport report =
      find_gaps(runs_, {1e20}, SparsityLaw::table3(), ActiveParameterModel(planner.model_family()));
  EXPECT_EQ(plan.runs.size() + plan.refused.size(), report.gaps.size());
  EXPECT_FALSE(plan.runs.empty());
}

TEST_F(GapFinderTest, BadBudgetsAndOptionsAreNamed) {
  EXPECT_THROW(gaps(runs_, {0.0}), std::invalid_argument);
  GapOptions options;
  options.sizes_per_curve = 1;
  EXPECT_THROW(find_gaps(runs_, {1e20}, SparsityLaw::table3(), ActiveParameterModel::paper_family(),
                         options),
               std::invalid_argument);
}

}  // namespace
}  // namespace moescope

// What a plan costs (plan/plan_cost.h): epochs against the corpus catalog, the 4-epoch refusal,
// wall times from a hand-made throughput table, and the throughput table's reader and writer.
#include "moescope/plan/plan_cost.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "moescope/io/diagnostic.h"
#include "moescope/io/run_table.h"
#include "moescope/model/accounting.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

using testing_support::TemporaryFolder;

// d_model 128, 2 layers, E=4, K=1: N = 1.74e6 exactly enough to plan at the default tolerance.
const Cell kSmallCell{1e15, 1.74e6, 0.75};

ThroughputRow row(int d_model, int layers, int experts, int active, double flops_per_s) {
  ThroughputRow r;
  r.d_model = d_model;
  r.layers = layers;
  r.heads = d_model / 64;
  r.experts = experts;
  r.active = active;
  r.context = 512;
  r.micro_batch_size = 32;
  r.flops_per_s = flops_per_s;
  r.tokens_per_s = flops_per_s / flops_per_token_eq9(r.architecture());
  r.mfu = flops_per_s / 1e15;
  return r;
}

ThroughputTable table_of(std::vector<ThroughputRow> rows) {
  return {"NVIDIA H100 80GB HBM3", 1e15, "2026-12-06", std::move(rows)};
}

TEST(CorpusCatalog, KnowsTheDebianCorpusAndSizesAFileByItsBytes) {
  const CorpusSize debian = corpus_size("debian");
  EXPECT_EQ(debian.name, "debian-v1");
  EXPECT_EQ(debian.train_tokens, 39406839);
  TemporaryFolder folder("corpus-catalog");
  const auto file = folder.path() / "text.txt";
  std::ofstream(file) << std::string(10000, 'a');
  EXPECT_DOUBLE_EQ(corpus_size(file.string()).train_tokens, 9900);  // 1 % held out
  try {
    corpus_size((folder.path() / "missing.txt").string());
    FAIL() << "a missing corpus file was sized";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("missing.txt"), std::string::npos) << error.what();
  }
}

TEST(PlanCost, RefusesRunsOverFourEpochsUnlessRepeatsAreAllowed) {
  // 1e15 FLOPs on 1.74e6 parameters is 2.03e8 tokens: 5.1 epochs of debian-v1.
  const std::vector<PlannedRun> runs = {plan_run(kSmallCell), plan_run({1e14, 1.74e6, 0.75})};
  CostOptions options;
  const PlanCost refused = cost_plan(runs, {}, options);
  EXPECT_TRUE(refused.refused);
  ASSERT_EQ(refused.over_epochs.size(), 1u);
  EXPECT_NE(refused.refusal.find("C1e15_N1.74e6_S0.75: 5.1 epochs"), std::string::npos)
      << refused.refusal;
  EXPECT_GT(refused.runs[0].epochs, kMaxUsefulEpochs);
  EXPECT_LT(refused.runs[1].epochs, kMaxUsefulEpochs);
  options.allow_repeats = true;
  const PlanCost allowed = cost_plan(runs, {}, options);
  EXPECT_FALSE(allowed.refused);
  EXPECT_TRUE(allowed.refusal.empty());
  EXPECT_EQ(allowed.over_epochs.size(), 1u);  // still listed
}

TEST(PlanCost, TotalsAreTheSumsMemoryTheLargestAndEpochsCountTheCorpus) {
  const std::vector<PlannedRun> runs = {plan_run(kSmallCell), plan_run({1e14, 1.74e6, 0.75})};
  const PlanCost cost = cost_plan(runs, {}, CostOptions{});
  double flops = 0, epochs = 0, memory = 0;
  std::int64_t steps = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const double tokens = static_cast<double>(runs[i].steps) * 32 * 512;
    EXPECT_EQ(cost.runs[i].steps, runs[i].steps);
    EXPECT_DOUBLE_EQ(cost.runs[i].epochs, tokens / 39406839);
    EXPECT_DOUBLE_EQ(cost.runs[i].flops, tokens * runs[i].flops_per_token);
    EXPECT_GT(cost.runs[i].memory_bytes, 1e9);  // the runtime's 1 GiB at least
    flops += cost.runs[i].flops;
    epochs += cost.runs[i].epochs;
    memory = std::max(memory, cost.runs[i].memory_bytes);
    steps += cost.runs[i].steps;
  }
  EXPECT_DOUBLE_EQ(cost.total.flops, flops);
  EXPECT_DOUBLE_EQ(cost.total.epochs, epochs);
  EXPECT_DOUBLE_EQ(cost.total.memory_bytes, memory);
  EXPECT_EQ(cost.total.steps, steps);
}

TEST(PlanCost, WithoutAThroughputTableNoWallTimeAndSaysHowToMeasureOne) {
  CostOptions options;
  options.host = "gpu1";
  const PlanCost cost = cost_plan({plan_run(kSmallCell)}, {}, options);
  EXPECT_FALSE(cost.runs[0].wall_seconds);
  EXPECT_FALSE(cost.total.wall_seconds);
  EXPECT_EQ(cost.throughput_note,
            "no throughput measured for host gpu1; run `moescope hosts check gpu1 --benchmark`");
  EXPECT_TRUE(cost.time_warning.empty());
}

TEST(PlanCost, WallTimeFromAMeasuredRowMatchesTheHandComputation) {
  const PlannedRun run = plan_run(kSmallCell);
  ASSERT_EQ(run.architecture.d_model, 128);
  CostOptions options;
  options.throughput = table_of({row(128, 2, 4, 1, 2e13), row(512, 8, 1, 1, 3e14)});
  const PlanCost cost = cost_plan({run}, {}, options);
  // Training: steps x 32 x 512 tokens at Eq. 9 FLOPs per token. Validation: 262,144 tokens (the
  // spec's eval_tokens, under the 393,216 held out) forward only, a third of Eq. 9, at the start,
  // every eval_interval steps and at the end. All at the measured row's 2e13 FLOP/s.
  const TrainSpec spec = planned_spec(run);
  ASSERT_EQ(spec.eval_tokens, 262144);
  const std::int64_t passes =
      1 + spec.steps / spec.eval_interval + (spec.steps % spec.eval_interval ? 1 : 0);
  const double training = static_cast<double>(run.steps) * 32 * 512 * run.flops_per_token;
  const double validation = static_cast<double>(passes) * 262144.0 * run.flops_per_token / 3;
  ASSERT_TRUE(cost.runs[0].wall_seconds);
  EXPECT_NEAR(*cost.runs[0].wall_seconds, (training + validation) / 2e13, 1e-9);
  EXPECT_NEAR(*cost.total.wall_seconds, *cost.runs[0].wall_seconds, 1e-9);
  EXPECT_NE(cost.throughput_note.find("NVIDIA H100"), std::string::npos);
  // About 50 s: over a limit of 30 s, the plan warns.
  options.max_hours = 1.0 / 120;
  const std::string warning = cost_plan({run}, {}, options).time_warning;
  EXPECT_NE(warning.find("more than the 30 s set"), std::string::npos) << warning;
}

TEST(ThroughputEstimate, LogLinearInActiveParametersBetweenRowsNearestOutside) {
  const ThroughputRow small = row(128, 2, 4, 1, 1e13);
  const ThroughputRow large = row(512, 8, 4, 1, 1e14);
  const ThroughputTable table = table_of({large, small, row(256, 4, 1, 1, 9e20)});
  Architecture between = row(256, 4, 4, 1, 1).architecture();
  const double a = count_parameters(small.architecture()).active;
  const double b = count_parameters(large.architecture()).active;
  const double x = count_parameters(between).active;
  const double t = std::log(x / a) / std::log(b / a);
  ASSERT_GT(t, 0);
  ASSERT_LT(t, 1);
  // The dense row (E=1) is not compared with E=4 runs while E=4 rows exist.
  const ThroughputEstimate estimate = estimate_throughput(table, between);
  EXPECT_NEAR(estimate.flops_per_s, std::pow(1e13, 1 - t) * std::pow(1e14, t), 1e14 * 1e-12);
  EXPECT_NE(estimate.basis.find("interpolated between d128 L2 E4 K1 and d512 L8 E4 K1"),
            std::string::npos)
      << estimate.basis;
  // Above the largest row: its FLOP/s, not an extrapolation.
  EXPECT_NEAR(estimate_throughput(table, row(1024, 12, 4, 1, 1).architecture()).flops_per_s, 1e14,
              1e14 * 1e-12);
  // No row of that context: all rows, nearest.
  Architecture other_context = row(64, 2, 4, 1, 1).architecture();
  other_context.context = 1024;
  EXPECT_NE(estimate_throughput(table, other_context).basis.find("any context"), std::string::npos);
}

TEST(ThroughputTable, WritesAndReadsBack) {
  TemporaryFolder folder("throughput-table");
  const ThroughputTable table = table_of({row(128, 2, 4, 1, 2e13), row(512, 8, 32, 4, 3e14)});
  const auto file = throughput_table_file("gpu1", folder.path() / "moescope" / "hosts.json");
  EXPECT_EQ(file, folder.path() / "moescope" / "throughput" / "gpu1.json");
  write_throughput_table(file, table);
  EXPECT_EQ(read_throughput_table(file), table);
}

// The reader's message for `text`, which it must refuse.
std::string refusal(const std::string& text) {
  try {
    parse_throughput_table(text, "table.json");
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

TEST(ThroughputTable, ReaderRefusesNamingTheFileAndTheKey) {
  nlohmann::json good = to_json(table_of({row(128, 2, 4, 1, 2e13)}));
  EXPECT_NO_THROW(parse_throughput_table(good.dump(), "table.json"));
  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json copy = good;
    edit(copy);
    return refusal(copy.dump());
  };
  auto expect_has = [](const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_NE(message.find("table.json"), std::string::npos) << message;
  };
  expect_has(with([](auto& j) { j["format"] = "moescope-runs"; }), "format: must be");
  expect_has(with([](auto& j) { j["version"] = 2; }), "version: must be 1, got 2");
  expect_has(with([](auto& j) { j["peak"] = 1; }), "peak: unknown key");
  expect_has(with([](auto& j) { j.erase("device"); }), "device: missing");
  expect_has(with([](auto& j) { j["measured"] = "yesterday"; }), "measured: must be an ISO 8601");
  expect_has(with([](auto& j) { j["peak_flops"] = -1; }), "peak_flops: must be a finite number");
  expect_has(with([](auto& j) { j["rows"] = nlohmann::json::array(); }), "rows: must hold");
  expect_has(with([](auto& j) { j["rows"][0]["tokens_per_s"] = 0; }),
             "rows[0].tokens_per_s: must be a finite number > 0");
  expect_has(with([](auto& j) { j["rows"][0]["experts"] = 1.5; }),
             "rows[0].experts: must be a whole number");
  expect_has(with([](auto& j) { j["rows"][0]["active"] = 8; }), "rows[0].active: must be <=");
  expect_has(with([](auto& j) { j["rows"][0].erase("mfu"); }), "rows[0].mfu: missing");
  expect_has(with([](auto& j) { j["rows"][0]["mfu"] = 1.5; }), "rows[0].mfu: must be in [0, 1]");
  // Two problems at once are both named.
  const std::string both = with([](auto& j) {
    j["version"] = 3;
    j["rows"][0]["speed"] = 1;
  });
  expect_has(both, "version");
  expect_has(both, "rows[0].speed: unknown key");
  expect_has(refusal(std::string(1000, '[') + std::string(1000, ']')), "nested more than");
  expect_has(refusal("{\"format\": "), "not valid JSON");
  expect_has(refusal("[1]"), "must be a JSON object");
  EXPECT_THROW(write_throughput_table("unused.json", table_of({})), std::invalid_argument);
}

TEST(TrainableGaps, OnThePapersGridPlansTheLargestBudgetTheCorpusFeeds) {
  // The explorer's embedded data, the synthetic Table-3 grid at 3e19 .. 1e21 FLOPs.
  const std::vector<moescope::Run> runs =
      read_runs(std::filesystem::path(MOESCOPE_SOURCE_DIR) / "datasets" / "synthetic-table3.csv")
          .runs;
  const PlannerOptions planner;
  PlannerOptions at_gaps = planner;
  at_gaps.relative_tolerance = gap_filling_tolerance({});
  const CorpusSize corpus = corpus_size("debian");
  const std::optional<TrainableGaps> found =
      largest_trainable_gaps(runs, 1e20, SparsityLaw::table3(), at_gaps, corpus);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->plan.runs.empty());
  const PlanCost cost = cost_plan(found->plan.runs, {}, CostOptions{});
  EXPECT_FALSE(cost.refused) << cost.refusal;
  // The next budget up the 1-2-5 ladder repeats the corpus.
  const double next =
      std::round(found->budget / std::pow(10.0, std::floor(std::log10(found->budget)))) == 2
          ? found->budget * 2.5
          : found->budget * 2;
  const Plan above = plan_gaps(runs, {next}, SparsityLaw::table3(), at_gaps);
  CostOptions options;
  EXPECT_TRUE(above.runs.empty() || cost_plan(above.runs, {}, options).refused) << next;
}

}  // namespace
}  // namespace moescope

#pragma once

// What a plan costs before anything trains: FLOPs, steps, epochs of the corpus, wall time on a
// host and memory, per run and in total. `moescope train plan` prints it and the explorer's
// training panel shows it before Launch; both refuse runs that repeat the corpus more than
// kMaxUsefulEpochs times unless repeats are allowed, and warn above a total wall time.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moescope/plan/planner.h"
#include "moescope/plan/planning.h"
#include "moescope/plan/train_spec_file.h"
#include "moescope/trainer/corpus_catalog.h"
#include "moescope/trainer/throughput_table.h"

namespace moescope {

// The total wall time above which a plan warns by default: a day, about what one person leaves a
// machine to before looking again.
inline constexpr double kDefaultMaxPlanHours = 24;

struct CostOptions {
  // The corpus the runs train on (corpus_size of corpus_catalog.h); default the built-in debian.
  CorpusSize corpus = corpus_size("debian");
  // The host the wall times are for, as messages name it ("local" is this machine).
  std::string host = "local";
  // Its measured throughput; nullopt: no wall times, and a note saying how to measure them.
  std::optional<ThroughputTable> throughput;
  // Runs that repeat the corpus more than kMaxUsefulEpochs times are refused unless true.
  bool allow_repeats = false;
  // A total wall time above this warns; default kDefaultMaxPlanHours. > 0.
  double max_hours = kDefaultMaxPlanHours;
};

struct RunCost {
  // Eq. 9 FLOPs of what the trainer trains (its whole steps), the FLOPs its result reports.
  double flops = 0;
  std::int64_t steps = 0;
  double tokens = 0;  // trained: steps x batch x context
  double epochs = 0;  // tokens / the corpus's training tokens
  // Training plus validation passes at the throughput estimated for the host (forward-only
  // validation counted as a third of Eq. 9's FLOPs per token); nullopt without a table.
  std::optional<double> wall_seconds;
  // The peak estimate of trainer/memory_estimate.h for the host's device.
  double memory_bytes = 0;
};

struct PlanCost {
  std::vector<RunCost> runs;  // in the order of the plan's runs
  // Sums over the runs, trained one at a time: flops, steps, tokens, epochs and wall_seconds
  // (only when every run has one); memory_bytes is the largest run's, what the host must hold.
  RunCost total;
  // How memory was estimated: "bf16 on a GPU with fused attention (NVIDIA H100 ...)", or without
  // a table "fp32 on a CPU, which errs high".
  std::string memory_basis;
  // Where the wall times come from ("throughput measured on NVIDIA H100 ... 2026-12-06"), or
  // "no throughput measured for host X; run `moescope hosts check X --benchmark`".
  std::string throughput_note;
  // Runs over kMaxUsefulEpochs epochs: "C1e19_N2e7_S0: 13.2 epochs", one each.
  std::vector<std::string> over_epochs;
  // Refused: over_epochs is not empty and repeats are not allowed.
  bool refused = false;
  // The refusal, or the warning past max_hours; empty when neither.
  std::string refusal;
  std::string time_warning;
};

// Throws std::invalid_argument for bad settings (planned_spec's) or max_hours not > 0.
PlanCost cost_plan(const std::vector<PlannedRun>& runs, const TrainingSettings& settings,
                   const CostOptions& options);

// The gaps a local trainer can fill: a grid fitted at paper scale (the explorer's embedded data, at
// 3e19 .. 1e21 FLOPs) has complete curves at its own budgets, and gaps above them that no corpus
// here could feed. Searches the budgets 1, 2 and 5 x 10^k from `ceiling` down to 1e12 for the
// largest whose gaps (plan_gaps with `gaps`) give at least one planned run and no run over
// kMaxUsefulEpochs epochs of `corpus`. nullopt when none does.
struct TrainableGaps {
  double budget = 0;
  Plan plan;
};
std::optional<TrainableGaps> largest_trainable_gaps(const std::vector<Run>& runs, double ceiling,
                                                    const SparsityLaw& law,
                                                    const PlannerOptions& planner,
                                                    const CorpusSize& corpus,
                                                    const GapOptions& gaps = {});

// The command that measures a host's throughput: "moescope hosts check NAME --benchmark".
std::string benchmark_command(const std::string& host);

// "3.2 h", "45 min", "12 s", "2.1 d": a wall time as tables show it.
std::string describe_duration(double seconds);
// "1.5 GiB", "320 MiB".
std::string describe_bytes(double bytes);

}  // namespace moescope

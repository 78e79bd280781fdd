#include "moescope/plan/plan_cost.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "moescope/model/accounting.h"
#include "moescope/trainer/memory_estimate.h"

namespace moescope {
namespace {

std::string fixed(double value, int digits) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// A table measured on a CPU names its device "cpu ..." (the trainer's device names).
bool is_cpu(const ThroughputTable& table) {
  std::string start = table.device.substr(0, 3);
  std::transform(start.begin(), start.end(), start.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return start == "cpu";
}

// Validation passes the trainer makes: one at the start, one every eval_interval steps, and one
// at the end unless the last step already made it (trainer.cpp).
std::int64_t validation_passes(const TrainSpec& spec) {
  if (spec.eval_interval == 0)
    return 2;
  return 1 + spec.steps / spec.eval_interval + (spec.steps % spec.eval_interval != 0 ? 1 : 0);
}

}  // namespace

PlanCost cost_plan(const std::vector<PlannedRun>& runs, const TrainingSettings& settings,
                   const CostOptions& options) {
  if (!std::isfinite(options.max_hours) || options.max_hours <= 0)
    throw std::invalid_argument("max_hours must be a finite number > 0");
  PlanCost cost;
  const bool on_gpu = options.throughput && !is_cpu(*options.throughput);
  cost.memory_basis =
      on_gpu ? "bf16 on a GPU with fused attention (" + options.throughput->device + ")"
      : options.throughput ? "fp32 on a CPU (" + options.throughput->device + ")"
                           : "fp32 on a CPU, which errs high for a GPU";
  if (options.throughput) {
    cost.throughput_note = "wall times from the throughput measured on host " + options.host +
                           " (" + options.throughput->device + ", " + options.throughput->measured +
                           "), one run at a time; an estimate";
  } else {
    cost.throughput_note = "no throughput measured for host " + options.host + "; run `" +
                           benchmark_command(options.host) + "`";
  }
  cost.total.wall_seconds = options.throughput ? std::optional<double>(0) : std::nullopt;
  for (const PlannedRun& run : runs) {
    const TrainSpec spec = planned_spec(run, settings);
    const Architecture& arch = spec.architecture;
    const double flops_per_token = flops_per_token_eq9(arch);
    RunCost item;
    item.steps = spec.steps;
    item.tokens = spec.trained_tokens();
    item.flops = item.tokens * flops_per_token;
    item.epochs = item.tokens / options.corpus.train_tokens;
    item.memory_bytes = estimate_training_memory(spec, on_gpu, on_gpu, on_gpu).total();
    if (options.throughput) {
      const double eval_tokens =
          std::min(static_cast<double>(spec.eval_tokens), options.corpus.validation_tokens);
      const double eval_flops =
          static_cast<double>(validation_passes(spec)) * eval_tokens * flops_per_token / 3;
      item.wall_seconds =
          (item.flops + eval_flops) / estimate_throughput(*options.throughput, arch).flops_per_s;
      *cost.total.wall_seconds += *item.wall_seconds;
    }
    cost.total.flops += item.flops;
    cost.total.steps += item.steps;
    cost.total.tokens += item.tokens;
    cost.total.epochs += item.epochs;
    cost.total.memory_bytes = std::max(cost.total.memory_bytes, item.memory_bytes);
    if (item.epochs > kMaxUsefulEpochs)
      cost.over_epochs.push_back(run_label(run) + ": " + fixed(item.epochs, 1) + " epochs");
    cost.runs.push_back(item);
  }
  const std::string corpus = "corpus " + options.corpus.name + " (" +
                             fixed(options.corpus.train_tokens / 1e6, 1) + "M training tokens)";
  if (!cost.over_epochs.empty() && !options.allow_repeats) {
    cost.refused = true;
    const std::size_t count = cost.over_epochs.size();
    cost.refusal = std::to_string(count) + (count == 1 ? " run repeats " : " runs repeat ") +
                   "the " + corpus + " more than " + fixed(kMaxUsefulEpochs, 0) +
                   " times, past which more epochs stop helping (Muennighoff et al., 2023); use a "
                   "larger corpus or smaller budgets, or allow repeats:";
    for (const std::string& line : cost.over_epochs)
      cost.refusal += "\n  " + line;
  }
  if (cost.total.wall_seconds && *cost.total.wall_seconds > options.max_hours * 3600) {
    cost.time_warning = "the plan takes about " + describe_duration(*cost.total.wall_seconds) +
                        " on host " + options.host + ", more than the " +
                        describe_duration(options.max_hours * 3600) + " set";
  }
  return cost;
}

std::optional<TrainableGaps> largest_trainable_gaps(const std::vector<Run>& runs, double ceiling,
                                                    const SparsityLaw& law,
                                                    const PlannerOptions& planner,
                                                    const CorpusSize& corpus,
                                                    const GapOptions& gaps) {
  constexpr double kLowestBudget = 1e12;  // below it a run has too few steps to plan anyway
  if (!std::isfinite(ceiling) || ceiling < kLowestBudget)
    return std::nullopt;
  int decade = static_cast<int>(std::floor(std::log10(ceiling)));
  for (; decade >= 12; --decade) {
    for (const double mantissa : {5.0, 2.0, 1.0}) {
      const double budget = mantissa * std::pow(10.0, decade);
      if (budget > ceiling * (1 + 1e-12))
        continue;
      Plan plan = plan_gaps(runs, {budget}, law, planner, gaps);
      const bool repeats = std::any_of(plan.runs.begin(), plan.runs.end(), [&](const auto& run) {
        return static_cast<double>(run.steps) * run.batch_size * run.architecture.context >
               kMaxUsefulEpochs * corpus.train_tokens;
      });
      if (!plan.runs.empty() && !repeats)
        return TrainableGaps{budget, std::move(plan)};
    }
  }
  return std::nullopt;
}

std::string benchmark_command(const std::string& host) {
  return "moescope hosts check " + host + " --benchmark";
}

std::string describe_duration(double seconds) {
  if (seconds < 60)
    return fixed(seconds, seconds < 10 ? 1 : 0) + " s";
  if (seconds < 3600)
    return fixed(seconds / 60, 0) + " min";
  if (seconds < 48 * 3600)
    return fixed(seconds / 3600, 1) + " h";
  return fixed(seconds / 86400, 1) + " d";
}

std::string describe_bytes(double bytes) {
  constexpr double kMiB = 1024.0 * 1024.0;
  if (bytes < 1024 * kMiB)
    return fixed(bytes / kMiB, 0) + " MiB";
  return fixed(bytes / (1024 * kMiB), 2) + " GiB";
}

}  // namespace moescope

#include "fit/run_requirements.h"

#include <algorithm>

#include "moescope/fit/fit_refused.h"
#include "moescope/run/loss_units.h"

namespace moescope {

std::string missing_for_fit(const Run& run, BudgetNeed need, ActiveParamsNeed active) {
  if (run.status != RunStatus::kDone)
    return "status is " + std::string(to_string(run.status));
  if (!run.loss)
    return "no loss";
  if (!run.total_params)
    return "no N";
  if (!run.active_params && active == ActiveParamsNeed::kRequired)
    return "no N_active";
  if (!run.sparsity)
    return "no S";
  if (need == BudgetNeed::kTokensAndCompute) {
    if (!run.tokens)
      return "no D";
    if (!run.compute)
      return "no C";
  }
  return {};
}

LossUnit one_loss_unit(const std::vector<Run>& runs, const std::vector<std::size_t>& used) {
  std::vector<LossUnitCount> counts;
  for (const std::size_t i : used) {
    const LossUnit unit = runs[i].loss_unit;
    const auto same = [unit](const LossUnitCount& count) { return count.unit == unit; };
    if (const auto found = std::find_if(counts.begin(), counts.end(), same);
        found != counts.end()) {
      ++found->runs;
    } else {
      counts.push_back({unit, 1});
    }
  }
  if (counts.size() > 1) {
    // The most frequent unit first: the one the message suggests keeping.
    std::stable_sort(
        counts.begin(), counts.end(),
        [](const LossUnitCount& a, const LossUnitCount& b) { return a.runs > b.runs; });
    const bool per_token_and_per_byte =
        std::any_of(counts.begin(), counts.end(),
                    [](const LossUnitCount& count) { return is_per_token(count.unit); }) &&
        std::any_of(counts.begin(), counts.end(),
                    [](const LossUnitCount& count) { return !is_per_token(count.unit); });
    const std::string conversion =
        per_token_and_per_byte
            ? "convert them all, giving the bytes of text per token of the per-token losses' "
              "tokenizer (--bytes-per-token X: nats/token = X x nats/byte)"
            : "convert them all to one unit (--convert-loss UNIT: nats = bits x ln 2)";
    throw FitRefused(RefusalReason::kMixedLossUnits,
                     "the losses are in more than one unit (" + describe_loss_units(counts) +
                         "), and a fit takes one: keep the runs of one unit (e.g. --where "
                         "'loss_unit == \"" +
                         std::string(to_string(counts.front().unit)) + "\"'), or " + conversion);
  }
  return counts.empty() ? kDefaultLossUnit : counts.front().unit;
}

std::string left_out_line(const Run& run, const std::string& reason) {
  return "run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")") + ": " + reason;
}

}  // namespace moescope

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/fit/law_optimum.h"

namespace moescope {

// The live read-out panel: S*, N*, N_a*, D*, L* at the state's budget and caps, with intervals.
// It is what `moescope optimum` prints for the same law, replicates, budget and cap.
struct ReadOut {
  double budget = 0;
  BudgetOptimum point;
  // nullopt without replicates, when none has an optimum, or when state.replicate_intervals is
  // false (they are then computed once the slider settles).
  std::optional<BudgetOptimumIntervals> intervals;
  // Replicates left out, one line per reason (as optimum_with_intervals gives them).
  std::vector<std::string> diagnostics;
};

// The options `moescope optimum` passes: max_sparsity and max_total_params from the state, the
// default model family.
OptimumOptions optimum_options(const ExplorerState& state);

// The replicates' Eq. 6 coefficients, in replicate order.
std::vector<SparsityLaw> replicate_laws(const ExplorerData& data);

// optimum_with_intervals(data.law.abnar, replicate_laws(data), state.budget,
// optimum_options(state)); only the point when state.replicate_intervals is false. Throws
// FitRefused as optimum() does (e.g. no interior minimum at this budget).
ReadOut read_out(const ExplorerData& data, const ExplorerState& state);

}  // namespace moescope

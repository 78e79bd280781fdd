#include "moescope/explore/read_out.h"

namespace moescope {

OptimumOptions optimum_options(const ExplorerState& state) {
  OptimumOptions options;
  options.max_sparsity = state.max_sparsity;
  options.max_total_params = state.max_total_params;
  return options;
}

std::vector<SparsityLaw> replicate_laws(const ExplorerData& data) {
  std::vector<SparsityLaw> laws;
  laws.reserve(data.replicates.size());
  for (const FittedLaw& replicate : data.replicates)
    laws.push_back(replicate.abnar);
  return laws;
}

ReadOut read_out(const ExplorerData& data, const ExplorerState& state) {
  const OptimumOptions options = optimum_options(state);
  ReadOut result;
  result.budget = state.budget;
  if (!state.replicate_intervals) {
    result.point = optimum(data.law.abnar, state.budget, options);
    return result;
  }
  BudgetOptimumWithIntervals full =
      optimum_with_intervals(data.law.abnar, replicate_laws(data), state.budget, options);
  result.point = full.point;
  result.intervals = std::move(full.intervals);
  result.diagnostics = std::move(full.diagnostics);
  return result;
}

}  // namespace moescope

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/data_range.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/law_scope.h"

namespace moescope {

// The compute-optimal model at one budget as MoEScope reports it: `moescope optimum` prints it and
// the explorer's read-out shows it, in one JSON format (optimum_json).
struct OptimumReadOut {
  double budget = 0;
  LawScope law;
  OptimumOptions options;
  BudgetOptimum point;
  // nullopt without replicates, when none has an optimum, or when not asked for.
  std::optional<BudgetOptimumIntervals> intervals;
  // Replicates left out, one line per reason (optimum_with_intervals).
  std::vector<std::string> diagnostics;
  // Where the optimum leaves the data (kExtrapolationFactor); nullopt where the range is unknown.
  std::optional<Extrapolation> extrapolation;
};

// The optimum of `law` at `budget` under `options`, with the central 95 % of the replicates'
// optima where `with_intervals`. A Chinchilla-form law is read at scope.sparsity
// (OptimumOptions::fixed_sparsity), options.max_sparsity then not applying. Throws FitRefused as
// optimum() does, and kNotIdentified for a Chinchilla-form law without a sparsity level (fitted
// across several levels, it ignores S and cannot say which is optimal).
OptimumReadOut read_optimum(const FittedLaw& law, const LawScope& scope,
                            const std::vector<FittedLaw>& replicates, double budget,
                            OptimumOptions options, bool with_intervals = true);

// The JSON object of a read-out, keys in this order: budget, form, law_sparsity, S, N, N_active,
// D, loss, loss_unit, intervals {S, N, N_active, D, loss} ([lo, hi] or null), max_params,
// max_sparsity, sparsity_at_bound, params_at_cap, replicates, replicates_at_bound,
// replicates_at_cap, extrapolation (null, or per quantity outside the data {"value", "data": [lo,
// hi]} under "budget", "N", "S"; "unknown" where the range is not known). Two-space indented, no
// NaN (null). README's `moescope optimum` documents it.
std::string optimum_json(const OptimumReadOut& read_out);

// Parameter caps at which to read S* beside the unconstrained optimum (the paper's Figure 4
// reading: S* rises with N, so a memory bound lowers it): the powers of ten inside the data's
// range of N, at most `count`, spread evenly and keeping the largest.
std::vector<double> headline_caps(const DataRange& range, std::size_t count = 4);

}  // namespace moescope

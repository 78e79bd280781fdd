#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/interval.h"
#include "moescope/model/sparsity_law.h"

namespace moescope {

// Compute-optimal configurations read off the parametric law (Eq. 6) instead of off IsoFLOP fits:
// the paper's Figures 2-4 and 9 as functions of a fitted SparsityLaw. A budget C fixes the tokens
// through the active parameters, D = C / (6 N_a), and `model` supplies N_a(N, S).
//
// Searches run over log N in [kSmallestTotalParams, kLargestTotalParams] and over
// u = -ln(1 - S), which spreads the sparsities the paper cares about (0.9 .. 0.98) as evenly as the
// dense end. A coarse grid finds every local minimum; each is then refined by bisection on the sign
// of the law's analytic derivative, because loss values alone cannot place a minimum more finely
// than about sqrt(machine epsilon) of its position, and bisection reaches 1e-10. The best of them
// is the optimum. A minimum pinned to the edge of the N range means the law has no optimum there:
// the search refuses rather than report the edge.

// The N range searched (a "wide bracket": from a model narrower than one attention head to a
// hundred trillion parameters).
inline constexpr double kSmallestTotalParams = 1e5;
inline constexpr double kLargestTotalParams = 1e14;

// The compute-optimal size at one sparsity (Eq. 3).
struct LawSizeOptimum {
  double total_params = 0;   // N*
  double active_params = 0;  // N_a*
  double tokens = 0;         // D* = C / (6 N_a*)
  double loss = 0;           // L*
};

// Throws FitRefused with kInvalidOptions (compute not finite and > 0, sparsity outside [0, 1)),
// kNonFiniteData (a coefficient of the law that is not finite) or kNoInteriorMinimum (the loss
// is smallest at an end of the N range).
LawSizeOptimum optimal_size(const SparsityLaw& law, double compute, double sparsity,
                            const ActiveParameterModel& model);

// The compute-optimal sparsity of a model of fixed size (Eq. 4).
struct LawSparsityOptimum {
  double sparsity = 0;       // S*
  double active_params = 0;  // N_a at S*
  double tokens = 0;         // D at S*
  double loss = 0;           // L at S*
  // S* = max_sparsity: the loss still falls there, and a sparser model would be better still.
  bool at_max_sparsity = false;
};

// S* over [0, max_sparsity] at fixed N and C. Throws FitRefused with kInvalidOptions (compute or
// total_params not finite and > 0, max_sparsity outside [0, 1)) or kNonFiniteData (the law).
LawSparsityOptimum optimal_sparsity(const SparsityLaw& law, double compute, double total_params,
                                    const ActiveParameterModel& model, double max_sparsity);

// The paper's N_th (Section 2.2): the smallest N from which on S*(N, C) = max_sparsity. Found by
// bisection in log N to 1e-10, which assumes, as the paper finds, that S* grows with N. Throws
// FitRefused with kInvalidOptions (as optimal_sparsity), kNonFiniteData (the law) or
// kNoInteriorMinimum (S* is at max_sparsity already at kSmallestTotalParams, or still below it at
// kLargestTotalParams).
double threshold_size(const SparsityLaw& law, double compute, const ActiveParameterModel& model,
                      double max_sparsity);

struct OptimumOptions {
  // The sparsest model allowed; default 0.98, the sparsest the paper trained. Must lie in [0, 1).
  double max_sparsity = 0.98;
  // The memory bound of Section 2.2 on total parameters; default none. Must be finite and at
  // least kSmallestTotalParams.
  std::optional<double> max_total_params;
  // How N_a follows from N and S; default the family of MoEScope's default data.
  ActiveParameterModel model = ActiveParameterModel::paper_family();
  // The one sparsity the law describes (Chinchilla's form fitted to runs of one level,
  // RunLawFit::sparsity): S* is that level and only N is searched; max_sparsity is then not
  // used. Default none: S is searched over [0, max_sparsity]. Must lie in [0, 1).
  std::optional<double> fixed_sparsity;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// The lowest loss a budget buys, over sparsity and size together.
struct BudgetOptimum {
  double sparsity = 0;       // S*
  double total_params = 0;   // N*
  double active_params = 0;  // N_a*
  double tokens = 0;         // D*
  double loss = 0;           // L*
  // S* = max_sparsity: without that bound the optimum would be sparser (Figure 3c: for Table 3 it
  // always is, the loss falls all the way to S = 1).
  bool sparsity_at_bound = false;
  // N* = max_total_params: the memory bound binds, and S* is then the best sparsity for that N.
  bool params_at_cap = false;
};

// Minimises L(N, C / (6 N_a(N, S)), S) over S in [0, max_sparsity] and N up to the cap. Throws
// FitRefused with kInvalidOptions (compute not finite and > 0, or options.validate() failed),
// kNonFiniteData (the law) or kNoInteriorMinimum (at the best sparsity the loss has no minimum
// inside the N range, and no cap explains it).
BudgetOptimum optimum(const SparsityLaw& law, double compute, const OptimumOptions& options = {});

// Percentile intervals of each optimal quantity over replicate laws (e.g. the bootstrap refits of
// LawFitSummary::replicates).
struct BudgetOptimumIntervals {
  Interval sparsity;
  Interval total_params;
  Interval active_params;
  Interval tokens;
  Interval loss;
  std::size_t replicates_used = 0;  // replicates whose optimum exists
  // Of those, how many have S* at max_sparsity and N* at the cap: an interval whose end is the
  // bound says only that the bound binds.
  std::size_t sparsity_at_bound = 0;
  std::size_t params_at_cap = 0;
};

struct BudgetOptimumWithIntervals {
  BudgetOptimum point;  // through `best`
  // nullopt when there are no replicates, or none of them has an optimum.
  std::optional<BudgetOptimumIntervals> intervals;
  // Why replicates were left out, one line per refusal reason with its count.
  std::vector<std::string> diagnostics;
};

// The optimum through `best`, with the central `level` (default 95 %) of the replicates' optima
// (percentile_interval). Refuses as optimum() does for `best`; a replicate that refuses is left
// out and counted in diagnostics.
BudgetOptimumWithIntervals optimum_with_intervals(const SparsityLaw& best,
                                                  const std::vector<SparsityLaw>& replicates,
                                                  double compute,
                                                  const OptimumOptions& options = {},
                                                  double level = 0.95);

}  // namespace moescope

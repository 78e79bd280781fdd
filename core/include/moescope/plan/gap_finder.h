#pragma once

#include <string>
#include <vector>

#include "moescope/fit/active_parameter_model.h"
#include "moescope/model/sparsity_law.h"
#include "moescope/plan/cell.h"
#include "moescope/run/run.h"

namespace moescope {

// The cells an IsoFLOP grid lacks. For each chosen budget C and each sparsity level S present in
// the runs, the curve should hold sizes_per_curve sizes spaced evenly in log N over
// [N* / size_span, N* x size_span] around the law's compute-optimal size N*(C, S) (optimal_size of
// law_optimum.h, with D = C / (6 N_a) and N_a from `model`). A target size with no run of that
// curve within size_tolerance in ln N is a gap.
//
// A run belongs to a curve when its C is within budget_tolerance of the budget (relative) and its
// S equals the level (to 1e-9). Runs without N, S or C, and failed runs, fill nothing: a failed
// cell is still a gap. Planned and running runs do fill their cells.
struct GapOptions {
  // Target sizes per curve; default 5. At least 2.
  int sizes_per_curve = 5;
  // The targets span N* / size_span .. N* x size_span; default 4, so the five defaults are
  // N* x {1/4, 1/2, 1, 2, 4}.
  double size_span = 4;
  // A run within this distance in ln N of a target fills it; default 0.25 (a factor of 1.28).
  // Keep it below half the targets' spacing, ln(size_span) * 2 / (sizes_per_curve - 1), so that
  // one run never fills two targets.
  double size_tolerance = 0.25;
  // Runs whose C is within this fraction of a budget are on its curve; default 0.02, as `moescope
  // fit surface` groups runs by budget.
  double budget_tolerance = 0.02;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

struct GapReport {
  // By budget (in the order given), then sparsity (ascending), then size (ascending).
  std::vector<Cell> gaps;
  // Curves that have no targets, one line each: where the law has no optimum inside its N range.
  std::vector<std::string> notes;
};

// Throws std::invalid_argument for bad options or a budget that is not finite and > 0.
GapReport find_gaps(const std::vector<Run>& runs, const std::vector<double>& budgets,
                    const SparsityLaw& law, const ActiveParameterModel& model,
                    const GapOptions& options = {});

}  // namespace moescope

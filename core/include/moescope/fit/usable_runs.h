#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// Why runs cannot feed a fit, counted: what a command or the explorer says when a fit gets no
// usable run (or fewer than it needs), instead of "too few points: got 0".

// What a fit takes of a run: every fit a finished run with a loss, N and S, and
//  - kLaw: N_a, D and C too (the parametric laws, law_fit_runs.h);
//  - kCurves: N_a too (the 2-D curves read D = C / (6 N_a));
//  - kSurfaceOnN: nothing more (surfaces on the N axis);
//  - kSurfaceOnNa: N_a too (surfaces on the N_a axis).
enum class FitInput { kLaw, kCurves, kSurfaceOnN, kSurfaceOnNa };

// One reason, in the fitters' words ("no loss", "no N", "status is planned"), and how many runs
// it leaves out. A run counts under the first reason that applies, checked in the order status,
// loss, N, N_a, S, D, C.
struct LeftOutReason {
  std::string reason;
  std::size_t runs = 0;
};

// The reasons runs are left out of a fit, the most frequent first (ties in order of appearance);
// empty when every run can be used.
std::vector<LeftOutReason> left_out_reasons(const std::vector<Run>& runs, FitInput input);

// The one unit of the losses of the runs any fit can take (the loosest need, kSurfaceOnN), the
// default where there are none. Throws FitRefused(kMixedLossUnits) naming the units, their
// numbers of runs and how to fit them, where there is more than one: for a view that fits several
// ways at once (the explorer), so that it refuses once, before any fit.
LossUnit fitted_loss_unit(const std::vector<Run>& runs);

// "none of the 245 runs can be fitted: 245 have no N, 3 have status planned", or "no runs"; empty
// when at least one run can be fitted. For a status bar and a fit's refusal.
std::string no_usable_runs_message(const std::vector<Run>& runs, FitInput input);

}  // namespace moescope

#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// What a fitter needs of a run, beyond being finished with a loss, N and S.
enum class BudgetNeed {
  kNone,              // IsoFLOP surfaces and curves: C is optional, D unused
  kTokensAndCompute,  // the parametric laws: D and C too
};

// Whether a fitter needs N_a: the laws and the 2-D curves do (D = C / (6 N_a)), a surface only on
// the N_a axis.
enum class ActiveParamsNeed {
  kRequired,
  kOptional,
};

// Why `run` cannot feed a fitter ("no loss", "status is planned", ...); empty when it can.
// Checked in the order status, loss, N, N_a, S, then D and C.
std::string missing_for_fit(const Run& run, BudgetNeed need,
                            ActiveParamsNeed active = ActiveParamsNeed::kRequired);

// The one unit of the losses of runs[i] for each i in `used` (kDefaultLossUnit where `used` is
// empty). Throws FitRefused(kMixedLossUnits) naming each unit with its number of runs, the most
// frequent first, and how to fit them: keep one unit, or convert (loss_units.h). Every fitter's
// gathering of points calls it, so that no fit, command or view mixes units.
LossUnit one_loss_unit(const std::vector<Run>& runs, const std::vector<std::size_t>& used);

// "run rXXXX (name): no loss", the line a fitter lists for a run it left out.
std::string left_out_line(const Run& run, const std::string& reason);

}  // namespace moescope

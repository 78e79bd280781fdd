#pragma once

#include <string>

#include "moescope/run.h"

namespace moescope {

// What a fitter needs of a run, beyond being finished with a loss, N, N_a and S.
enum class BudgetNeed {
  kNone,              // IsoFLOP surfaces and curves: C is optional, D unused
  kTokensAndCompute,  // the parametric laws: D and C too
};

// Why `run` cannot feed a fitter ("no loss", "status is planned", ...); empty when it can.
std::string missing_for_fit(const Run& run, BudgetNeed need);

// "run rXXXX (name): no loss", the line a fitter lists for a run it left out.
std::string left_out_line(const Run& run, const std::string& reason);

}  // namespace moescope

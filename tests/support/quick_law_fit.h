#pragma once

#include "moescope/fit/law_fit.h"

namespace moescope::testing_support {

// Chinchilla's form from 8 starts: enough for one sparsity level, quick for a unit test about the
// fitting machinery rather than the optimum.
inline LawFitOptions quick_chinchilla_options() {
  LawFitOptions options;
  options.form = LawForm::kChinchilla;
  options.grid_override = {{"log_A", {5, 10}},
                           {"log_B", {5, 10}},
                           {"alpha", {0.5}},
                           {"beta", {0.5}},
                           {"log_E", {0, 0.5}}};
  return options;
}

}  // namespace moescope::testing_support

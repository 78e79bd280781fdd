#pragma once

#include <optional>

#include "moescope/fit/data_range.h"
#include "moescope/fit/law_fit.h"
#include "moescope/run/run.h"

namespace moescope {

// What a fitted law is and what it covers, beside its coefficients: enough to read an optimum off
// it honestly.
struct LawScope {
  LawForm form = LawForm::kAbnar;
  // The one sparsity level a Chinchilla-form law was fitted to: its optima are at that level.
  // nullopt for Eq. 6, and for a Chinchilla-form law fitted across levels, which ignores S and
  // has no optimum over it.
  std::optional<double> sparsity;
  // The runs behind the fit (data_range); nullopt where unknown (a fit saved without it), and
  // read-outs then carry no extrapolation flags.
  std::optional<DataRange> range;
  // The unit of the losses it was fitted to, and so of every loss it predicts.
  LossUnit loss_unit = kDefaultLossUnit;
};

}  // namespace moescope

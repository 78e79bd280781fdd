#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "moescope/fit/law_fit.h"

// The lines every law fit's text report ends with, compiled forms and user-defined laws alike.
namespace moescope::cli {

// "intervals: 100 bootstrap refits (0 failed), each from 8 local minima ..."; nothing when the
// fit ran no bootstrap.
void print_bootstrap_note(std::ostream& out, std::size_t replicates, std::size_t failed,
                          std::size_t minima);

// The fit's and the held-out runs' MSE and Huber; "-" where no run was held out (a mean over none
// is not a number).
void print_error_table(std::ostream& out, const ErrorMeasures& fit, const ErrorMeasures& holdout,
                       const std::string& holdout_rule);

}  // namespace moescope::cli

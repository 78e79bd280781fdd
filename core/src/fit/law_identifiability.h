#pragma once

#include <vector>

#include "moescope/fit/law_fit.h"

namespace moescope::law_fit_detail {

// Refuses, before any start is tried, fit points from which `form` cannot be determined: a fit
// would return a start point or one arbitrary member of a family of equally good laws, and its
// bootstrap intervals would have no meaning. Throws FitRefused with
//  - kTooFewPoints: fewer distinct points (N, D and, for Eq. 6, S) than the form has parameters
//    plus one (repeated rows add weight, not information);
//  - kNotIdentified: every loss equal; fewer than three distinct values of a variable the form
//    takes a power of (a power term and the constant floor need three to be told apart); or the
//    logs of those variables tied by one linear relation in every point (D = 20 N throughout
//    makes the N and D terms two powers of N, which the data cannot assign to either).
// The message names the variable or the relation and the values found.
void check_identifiable(LawForm form, const std::vector<ScalingPoint>& fit_points);

}  // namespace moescope::law_fit_detail

#pragma once

#include <string>
#include <vector>

#include "moescope/run/field_problem.h"
#include "moescope/run/run.h"

namespace moescope {

// Fills in the scaling quantities that follow from the ones given, and marks each in run.derived:
//  - from a complete architecture: S = (E - K) / E, N and N_a by count_parameters();
//  - a run with no sparsity information at all (no S, no architecture, N_a absent or equal to N)
//    is a dense transformer: S = 0;
//  - for a dense run (S = 0), N_a = N;
//  - C = 6 N_a D, and whichever one of the three is missing from the other two.
// Values that were given are never overwritten, and a second call changes nothing.
void derive_missing(Run& run);

// Checks a run for values that cannot be right: NaN or infinite numbers, negative or zero sizes
// (U, the unique tokens, included), S outside [0, 1), K > E, N_a > N, S disagreeing with E and K,
// an N or N_a given beside an architecture that disagrees with its count by more than
// kArchitectureCountTolerance, magnitudes that betray a unit mistake (N in millions, C off from
// 6 N_a D by more than kComputeUnitTolerance, a loss that is not in nats; the floors on N, D, U
// and C apply to imported runs only, since a run MoEScope trained may be tiny), extras that break
// Run::extras' rules (a name that is no extra's, names not sorted or not unique, more than
// kMaxRunExtras, a value not finite), texts (id, name, origin, task names) that are not valid
// UTF-8, and best_of below 1. Returns every problem found; empty when the run is usable. Readers
// apply it on the way in, the store on the way out.
std::vector<FieldProblem> check_run(const Run& run);

// C may come from another estimator than 6 N_a D: Eq. 9 exceeds it by up to ~4x for tiny models
// with long contexts. A factor of 10 still catches every unit slip (millions, billions, PF-days).
inline constexpr double kComputeUnitTolerance = 10.0;

// An N or N_a given beside an architecture must match count_parameters() within this relative
// difference. The accounting leaves out only normalisation gains and biases (under 0.1 % of a
// model of d_model >= 256), so 1 % passes any count of the same model and still catches another
// convention: embeddings left out, untied, or a vocabulary other than the one given.
inline constexpr double kArchitectureCountTolerance = 0.01;

}  // namespace moescope

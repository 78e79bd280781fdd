#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moescope/fit/interval.h"
#include "moescope/law/law_definition.h"

namespace moescope::law {

// The compute-optimal split of a budget C through a user-defined law (`moescope optimum --law
// FIT.json`): N* = argmin over N of L̂(N, D = C / (6 N), C), the law's other variables held at
// given values. Defined only for a law whose variables are N, D and C and the ones given:
// defined_law_optimum_blockers() names the others.
//
// The search: ln N over the stated bracket, the tokens per parameter D/N = C / (6 N^2) from
// kMinTokensPerParameter to kMaxTokensPerParameter (N at most `max_params` where given), scanned
// at kOptimumScanPoints points evenly spaced in ln N, then Brent's method (numerics kit,
// brent_minimum.h) between the neighbours of the scan's lowest point. A minimum within 0.1 % of
// the bracket's width of one of its ends is no optimum of the law but the bracket's edge: it is
// refused with the reason (the loss keeps falling toward larger or smaller N), except at a
// `max_params` cap, which is reported as binding. A law that uses neither N nor D has no split:
// its loss at C is reported, with no N* and D*.
inline constexpr double kMinTokensPerParameter = 1e-4;
inline constexpr double kMaxTokensPerParameter = 1e6;
inline constexpr int kOptimumScanPoints = 64;

// The law's variables that are none of N, D and C and not given in `given`; empty where the law
// gives an optimum.
std::vector<std::string> defined_law_optimum_blockers(
    const LawDefinition& law, const std::vector<std::pair<std::string, double>>& given);

struct DefinedLawOptimum {
  bool has_split = true;  // false for a law in C alone (then N and D are NaN)
  double total_params = 0;
  double tokens = 0;
  double loss = 0;
  bool at_cap = false;  // N* is max_params
  // Why there is no optimum (the minimum lies on the bracket's edge); empty where there is one.
  std::string refused;
  Interval bracket;  // of N
};

// At budget `compute` with free parameter values `values` (law.parameters() order).
DefinedLawOptimum defined_law_optimum(const LawDefinition& law, const std::vector<double>& values,
                                      const std::vector<std::pair<std::string, double>>& given,
                                      double compute, std::optional<double> max_params);

}  // namespace moescope::law

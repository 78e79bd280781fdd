#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// The variables a law is evaluated on, by the names a law uses: the one place that says which
// number of a run each name means, for every fitter and evaluator of a user-defined law.
//
//   N         total_params          E  architecture experts      (absent without architecture)
//   N_active  active_params         K  architecture active       (absent without architecture)
//   D         tokens                G  architecture granularity  (absent without architecture)
//   C         compute               U  unique_tokens
//   S         sparsity              L  loss (what a law predicts)
//
// Any other name is an extra of the run (Run::extras), a column the user asked for by name.

// The names a law may use besides extras: N, N_active, D, C, S, E, K, G, U (not L, the loss).
const std::vector<std::string>& law_run_variables();

// The value of the variable `name` of `run`, or nullopt where the run lacks it (an absent field,
// no architecture, no extra of that name).
std::optional<double> run_variable(const Run& run, std::string_view name);

// The extra named `name` of `run`, or nullopt.
std::optional<double> run_extra(const Run& run, std::string_view name);

// Why `name` cannot name an extra, or nullopt where it can: an extra's name is an identifier
// ([A-Za-z_][A-Za-z0-9_]*) of at most kMaxExtraNameLength characters that is neither a run
// variable (law_run_variables(), L) nor a field or alias of the column mapping (N, loss, Na, ...),
// whose name would mean that field instead.
std::optional<std::string> extra_name_problem(std::string_view name);

// Whether `name` is a run variable or a field (so no extra): law_run_variables(), L, and every
// canonical field name and alias.
bool is_reserved_variable_name(std::string_view name);

}  // namespace moescope

#include "moescope/run/run_variables.h"

#include <algorithm>

#include "moescope/io/column_mapping.h"

namespace moescope {
namespace {

bool is_identifier(std::string_view name) {
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.empty() || !letter(name.front()))
    return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || digit(c); });
}

std::optional<double> architecture_value(const Run& run, int Architecture::*member) {
  if (!run.architecture)
    return std::nullopt;
  return static_cast<double>((*run.architecture).*member);
}

}  // namespace

const std::vector<std::string>& law_run_variables() {
  static const std::vector<std::string> names{"N", "N_active", "D", "C", "S", "E", "K", "G", "U"};
  return names;
}

std::optional<double> run_variable(const Run& run, std::string_view name) {
  if (name == "N")
    return run.total_params;
  if (name == "N_active")
    return run.active_params;
  if (name == "D")
    return run.tokens;
  if (name == "C")
    return run.compute;
  if (name == "S")
    return run.sparsity;
  if (name == "E")
    return architecture_value(run, &Architecture::experts);
  if (name == "K")
    return architecture_value(run, &Architecture::active);
  if (name == "G")
    return architecture_value(run, &Architecture::granularity);
  if (name == "U")
    return run.unique_tokens;
  if (name == "L")
    return run.loss;
  return run_extra(run, name);
}

std::optional<double> run_extra(const Run& run, std::string_view name) {
  // Sorted by name (check_run() holds every run read to it), yet searched whole: a run built in
  // code may not be, and 64 entries are searched in no time.
  for (const auto& [extra, value] : run.extras) {
    if (extra == name)
      return value;
  }
  return std::nullopt;
}

bool is_reserved_variable_name(std::string_view name) {
  const std::vector<std::string>& variables = law_run_variables();
  return name == "L" || std::find(variables.begin(), variables.end(), name) != variables.end() ||
         canonical_field_name(name).has_value();
}

std::optional<std::string> extra_name_problem(std::string_view name) {
  if (name.size() > kMaxExtraNameLength) {
    return "an extra's name has at most " + std::to_string(kMaxExtraNameLength) +
           " characters, got " + std::to_string(name.size()) + " ('" +
           std::string(name.substr(0, 20)) + "...')";
  }
  if (!is_identifier(name)) {
    return "'" + std::string(name) +
           "' is no name for an extra: letters, digits and '_', not starting with a digit";
  }
  if (is_reserved_variable_name(name)) {
    return "'" + std::string(name) + "' is a run field or variable, not an extra";
  }
  return std::nullopt;
}

}  // namespace moescope

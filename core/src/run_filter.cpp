#include "moescope/run_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>

#include "moescope/diagnostic.h"
#include "moescope/number_format.h"

namespace moescope {
namespace {

constexpr double kEqualityTolerance = 1e-9;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

constexpr std::array<std::string_view, 11> kFields{"N",           "N_active", "S",       "D",
                                                   "C",           "loss",     "experts", "active",
                                                   "granularity", "d_model",  "layers"};

InputError rule_error(std::string_view rule, const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.message = "hold-out rule '" + std::string(rule) + "': " + message;
  return InputError(std::move(diagnostic));
}

}  // namespace

RunFilter RunFilter::parse(std::string_view rule) {
  RunFilter filter;
  filter.text_ = std::string(trim(rule));
  // Two-character operators first, so "<=" is not read as "<" followed by "=".
  static constexpr std::array<std::pair<std::string_view, Op>, 6> kOperators{
      {{"==", Op::kEqual},
       {"!=", Op::kNotEqual},
       {"<=", Op::kLessEqual},
       {">=", Op::kGreaterEqual},
       {"<", Op::kLess},
       {">", Op::kGreater}}};
  std::string_view rest = filter.text_;
  bool more = !rest.empty();
  while (more) {
    const auto joint = rest.find("&&");
    const std::string_view part = trim(rest.substr(0, joint));
    more = joint != std::string_view::npos;
    rest = more ? rest.substr(joint + 2) : std::string_view();
    if (part.empty())
      throw rule_error(rule, "empty comparison around '&&'");
    Comparison comparison;
    std::size_t op_at = std::string_view::npos;
    std::size_t op_length = 0;
    for (const auto& [symbol, op] : kOperators) {
      const auto at = part.find(symbol);
      if (at != std::string_view::npos && (op_at == std::string_view::npos || at < op_at ||
                                           (at == op_at && symbol.size() > op_length))) {
        op_at = at;
        op_length = symbol.size();
        comparison.op = op;
      }
    }
    if (op_at == std::string_view::npos) {
      throw rule_error(rule, "'" + std::string(part) + "' has no operator (== != < <= > >=)");
    }
    comparison.field = std::string(trim(part.substr(0, op_at)));
    if (std::find(kFields.begin(), kFields.end(), comparison.field) == kFields.end()) {
      std::string valid;
      for (const std::string_view field : kFields)
        valid += (valid.empty() ? "" : ", ") + std::string(field);
      throw rule_error(rule, "unknown field '" + comparison.field + "'; fields: " + valid);
    }
    const std::string_view number_text = trim(part.substr(op_at + op_length));
    const auto number = parse_number(number_text);
    if (!number || !std::isfinite(*number)) {
      throw rule_error(rule, "'" + std::string(number_text) + "' is not a number");
    }
    comparison.value = *number;
    filter.comparisons_.push_back(std::move(comparison));
  }
  return filter;
}

std::optional<double> RunFilter::field_value(const Run& run, const std::string& field) {
  if (field == "N")
    return run.total_params;
  if (field == "N_active")
    return run.active_params;
  if (field == "S")
    return run.sparsity;
  if (field == "D")
    return run.tokens;
  if (field == "C")
    return run.compute;
  if (field == "loss")
    return run.loss;
  if (!run.architecture)
    return std::nullopt;
  const Architecture& arch = *run.architecture;
  if (field == "experts")
    return arch.experts;
  if (field == "active")
    return arch.active;
  if (field == "granularity")
    return arch.granularity;
  if (field == "d_model")
    return arch.d_model;
  return arch.n_layers;  // "layers": parse() admits no other name
}

bool RunFilter::holds(const Comparison& comparison, double value) {
  const bool equal = std::abs(value - comparison.value) <=
                     kEqualityTolerance * std::max(std::abs(value), std::abs(comparison.value));
  switch (comparison.op) {
    case Op::kEqual:
      return equal;
    case Op::kNotEqual:
      return !equal;
    case Op::kLess:
      return value < comparison.value;
    case Op::kLessEqual:
      return value <= comparison.value;
    case Op::kGreater:
      return value > comparison.value;
    case Op::kGreaterEqual:
      return value >= comparison.value;
  }
  return false;
}

bool RunFilter::matches(const Run& run) const {
  if (comparisons_.empty())
    return false;
  return std::all_of(comparisons_.begin(), comparisons_.end(), [&](const Comparison& c) {
    const auto value = field_value(run, c.field);
    return value && holds(c, *value);
  });
}

std::vector<bool> RunFilter::matches(const std::vector<Run>& runs) const {
  std::vector<bool> result;
  result.reserve(runs.size());
  for (const Run& run : runs)
    result.push_back(matches(run));
  return result;
}

}  // namespace moescope

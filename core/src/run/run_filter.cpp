#include "moescope/run/run_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>

#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"

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

constexpr std::array<std::string_view, 19> kNumberFields{
    "N",       "N_active", "S",      "D",           "unique_tokens",
    "C",       "loss",     "lr",     "warmup",      "load_balance",
    "best_of", "experts",  "active", "granularity", "d_model",
    "layers",  "heads",    "vocab",  "context"};
constexpr std::array<std::string_view, 7> kTextFields{
    "id", "name", "status", "provenance", "origin", "loss_unit", "tokenizer"};

bool is_number_field(std::string_view name) {
  return std::find(kNumberFields.begin(), kNumberFields.end(), name) != kNumberFields.end();
}
bool is_text_field(std::string_view name) {
  return std::find(kTextFields.begin(), kTextFields.end(), name) != kTextFields.end();
}

std::string field_list() {
  std::string list;
  for (const std::string_view field : kNumberFields)
    list += (list.empty() ? "" : ", ") + std::string(field);
  for (const std::string_view field : kTextFields)
    list += ", " + std::string(field);
  return list;
}

std::string text_field(const Run& run, std::string_view field) {
  if (field == "id")
    return run.id;
  if (field == "name")
    return run.name;
  if (field == "status")
    return std::string(to_string(run.status));
  if (field == "provenance")
    return std::string(to_string(run.provenance));
  if (field == "loss_unit")
    return std::string(to_string(run.loss_unit));
  if (field == "tokenizer")
    return run.tokenizer;
  return run.origin;  // "origin": parse() admits no other text field
}

// Splits a rule at each "&&" that is not inside a quoted text or a backquoted name.
std::vector<std::string_view> split_conjunction(std::string_view rule) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  char quote = 0;
  for (std::size_t i = 0; i < rule.size(); ++i) {
    const char c = rule[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '`') {
      quote = c;
    } else if (c == '&' && i + 1 < rule.size() && rule[i + 1] == '&') {
      parts.push_back(rule.substr(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  parts.push_back(rule.substr(start));
  return parts;
}

bool is_operator_char(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>';
}

}  // namespace

std::optional<double> run_number_field(const Run& run, std::string_view field) {
  if (field == "N")
    return run.total_params;
  if (field == "N_active")
    return run.active_params;
  if (field == "S")
    return run.sparsity;
  if (field == "D")
    return run.tokens;
  if (field == "unique_tokens")
    return run.unique_tokens;
  if (field == "C")
    return run.compute;
  if (field == "loss")
    return run.loss;
  if (field == "lr")
    return run.hyper.learning_rate;
  if (field == "warmup")
    return run.hyper.warmup_fraction;
  if (field == "load_balance")
    return run.hyper.load_balance;
  if (field == "best_of")
    return run.best_of;
  if (!run.architecture)
    return std::nullopt;
  const Architecture& arch = *run.architecture;
  const std::array<std::pair<std::string_view, int>, 8> details{{{"experts", arch.experts},
                                                                 {"active", arch.active},
                                                                 {"granularity", arch.granularity},
                                                                 {"d_model", arch.d_model},
                                                                 {"layers", arch.n_layers},
                                                                 {"heads", arch.n_heads},
                                                                 {"vocab", arch.vocab},
                                                                 {"context", arch.context}}};
  for (const auto& [name, value] : details) {
    if (name == field)
      return value;
  }
  return std::nullopt;
}

RunFilter RunFilter::parse(std::string_view rule, Scope scope, std::string_view role) {
  RunFilter filter;
  filter.text_ = std::string(trim(rule));
  if (filter.text_.empty())
    return filter;
  const auto fail = [&](const std::string& message) {
    Diagnostic diagnostic;
    diagnostic.message = std::string(role) + " '" + filter.text_ + "': " + message;
    return InputError(std::move(diagnostic));
  };
  // Two-character operators first, so "<=" is not read as "<" followed by "=".
  static constexpr std::array<std::pair<std::string_view, Op>, 6> kOperators{
      {{"==", Op::kEqual},
       {"!=", Op::kNotEqual},
       {"<=", Op::kLessEqual},
       {">=", Op::kGreaterEqual},
       {"<", Op::kLess},
       {">", Op::kGreater}}};
  for (const std::string_view raw_part : split_conjunction(filter.text_)) {
    const std::string_view part = trim(raw_part);
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string quoted_part(1, '\'');
    quoted_part.append(part).append(1, '\'');
    if (part.empty())
      throw fail("empty comparison around '&&'");
    Comparison comparison;
    std::string_view rest = part;
    if (rest.front() == '`') {
      const auto close = rest.find('`', 1);
      if (close == std::string_view::npos)
        throw fail(quoted_part + ": the name's backquote is not closed");
      comparison.name = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
    } else {
      std::size_t end = 0;
      while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end])) &&
             !is_operator_char(rest[end]))
        ++end;
      comparison.name = std::string(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    rest = trim(rest);
    const auto op = std::find_if(kOperators.begin(), kOperators.end(),
                                 [&](const auto& entry) { return rest.starts_with(entry.first); });
    if (op == kOperators.end())
      throw fail(quoted_part + " has no operator (== != < <= > >=)");
    if (comparison.name.empty())
      throw fail(quoted_part + " has no name before its operator");
    comparison.op = op->second;
    rest = trim(rest.substr(op->first.size()));

    comparison.is_field = is_number_field(comparison.name) || is_text_field(comparison.name);
    if (!comparison.is_field && scope == Scope::kRunFields)
      throw fail("unknown field '" + comparison.name + "'; fields: " + field_list());
    if (!rest.empty() && rest.front() == '"') {
      std::string text;
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size())
          ++i;
        text += rest[i];
      }
      if (i >= rest.size())
        throw fail(quoted_part + ": the text's closing quote is missing");
      if (i + 1 < rest.size())
        throw fail(quoted_part + ": '" + std::string(rest.substr(i + 1)) +
                   "' follows the closing quote");
      if (comparison.op != Op::kEqual && comparison.op != Op::kNotEqual)
        throw fail(quoted_part + ": texts compare with == and != only");
      if (is_number_field(comparison.name))
        throw fail(quoted_part + ": field " + comparison.name +
                   " is a number; compare it with one");
      comparison.value = std::move(text);
    } else {
      const auto number = parse_number(rest);
      if (!number || !std::isfinite(*number)) {
        std::string message(1, '\'');
        message.append(rest).append("' is not a number");
        if (scope == Scope::kFileColumns || is_text_field(comparison.name))
          message += "; a text goes in double quotes: \"" + std::string(rest) + "\"";
        throw fail(message);
      }
      if (is_text_field(comparison.name)) {
        throw fail(quoted_part + ": field " + comparison.name +
                   " is a text; put the value in double quotes");
      }
      comparison.value = *number;
    }
    filter.comparisons_.push_back(std::move(comparison));
  }
  return filter;
}

bool RunFilter::holds(const Comparison& comparison, const std::optional<double>& number) {
  if (!number)
    return false;
  const double value = *number;
  const double wanted = std::get<double>(comparison.value);
  const bool equal =
      std::abs(value - wanted) <= kEqualityTolerance * std::max(std::abs(value), std::abs(wanted));
  switch (comparison.op) {
    case Op::kEqual:
      return equal;
    case Op::kNotEqual:
      return !equal;
    case Op::kLess:
      return value < wanted;
    case Op::kLessEqual:
      return value <= wanted;
    case Op::kGreater:
      return value > wanted;
    case Op::kGreaterEqual:
      return value >= wanted;
  }
  return false;
}

bool RunFilter::holds(const Comparison& comparison, const std::string& text) {
  const bool equal = text == std::get<std::string>(comparison.value);
  return comparison.op == Op::kEqual ? equal : !equal;
}

bool RunFilter::holds_on_cell(const Comparison& comparison, const std::string& cell) {
  if (std::holds_alternative<std::string>(comparison.value))
    return holds(comparison, cell);
  return holds(comparison, parse_number(cell));
}

bool RunFilter::matches(const Run& run, const std::map<std::string, std::string>& cells) const {
  if (comparisons_.empty())
    return false;
  return std::all_of(comparisons_.begin(), comparisons_.end(), [&](const Comparison& c) {
    if (!c.is_field) {
      const auto cell = cells.find(c.name);
      return cell != cells.end() && holds_on_cell(c, cell->second);
    }
    if (std::holds_alternative<std::string>(c.value))
      return holds(c, text_field(run, c.name));
    return holds(c, run_number_field(run, c.name));
  });
}

bool RunFilter::matches(const Run& run) const {
  static const std::map<std::string, std::string> kNoCells;
  return matches(run, kNoCells);
}

std::vector<bool> RunFilter::matches(const std::vector<Run>& runs) const {
  std::vector<bool> result;
  result.reserve(runs.size());
  for (const Run& run : runs)
    result.push_back(matches(run));
  return result;
}

bool RunFilter::reads(std::string_view name) const {
  return std::any_of(comparisons_.begin(), comparisons_.end(),
                     [&](const Comparison& comparison) { return comparison.name == name; });
}

std::vector<std::string> RunFilter::columns() const {
  std::vector<std::string> names;
  for (const Comparison& comparison : comparisons_) {
    if (!comparison.is_field &&
        std::find(names.begin(), names.end(), comparison.name) == names.end())
      names.push_back(comparison.name);
  }
  return names;
}

std::vector<std::string> RunFilter::compared_as_text() const {
  std::vector<std::string> names;
  for (const Comparison& comparison : comparisons_) {
    if (std::holds_alternative<std::string>(comparison.value) && comparison.op == Op::kEqual &&
        std::find(names.begin(), names.end(), comparison.name) == names.end())
      names.push_back(comparison.name);
  }
  return names;
}

}  // namespace moescope

#include "defined_law.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fit_progress.h"
#include "fit_report_text.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/json_file.h"
#include "moescope/io/saved_fit.h"
#include "moescope/law/builtin_laws.h"
#include "moescope/law/expression.h"
#include "moescope/run/run_filter.h"
#include "moescope/run/run_variables.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

constexpr std::size_t kMaxLawFileBytes = 16u << 20;

InputError option_error(const std::string& option, const std::string& message) {
  return InputError(Diagnostic{{"", 0, option, ""}, message});
}

std::string joined(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : separator) + name;
  return text;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A number as a whole text ("1e9", "-0.5"), or nullopt; "1e999", "nan" and "inf" are none.
std::optional<double> finite_value(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
    return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::string trimmed(const std::string& text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])))
    ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])))
    --end;
  return text.substr(begin, end - begin);
}

// The names an expression uses as values: identifiers not followed by "(", numbers skipped.
void names_in(const std::string& text, std::vector<std::string>& names) {
  std::size_t i = 0;
  const auto letter = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  };
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < text.size()) {
    const char c = text[i];
    if (digit(c) || (c == '.' && i + 1 < text.size() && digit(text[i + 1]))) {
      while (i < text.size() && (digit(text[i]) || text[i] == '.'))
        ++i;
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < text.size() && (text[j] == '+' || text[j] == '-'))
          ++j;
        if (j < text.size() && digit(text[j])) {
          i = j;
          while (i < text.size() && digit(text[i]))
            ++i;
        }
      }
      continue;
    }
    if (letter(c)) {
      const std::size_t begin = i;
      while (i < text.size() && (letter(text[i]) || digit(text[i])))
        ++i;
      std::size_t next = i;
      while (next < text.size() && std::isspace(static_cast<unsigned char>(text[next])))
        ++next;
      if (next >= text.size() || text[next] != '(')
        names.push_back(text.substr(begin, i - begin));
      continue;
    }
    ++i;
  }
}

// The fields --map names ("U=uniq,epochs=Epochs*1" gives U, epochs).
std::vector<std::string> mapped_fields(const std::string& mapping) {
  std::vector<std::string> fields;
  std::stringstream list(mapping);
  for (std::string entry; std::getline(list, entry, ',');) {
    const std::size_t equals = entry.find('=');
    if (equals != std::string::npos)
      fields.push_back(trimmed(entry.substr(0, equals)));
  }
  return fields;
}

// The extras a law file may use: names in its expressions that are none of its own, no run
// variable and no function, and either mapped by --map or no near-miss of a known name.
std::vector<std::string> extra_candidates(const nlohmann::ordered_json& file,
                                          const std::vector<std::string>& mapped) {
  if (!file.is_object())
    return {};
  std::vector<std::string> own, used;
  for (const char* key : {"parameters", "fixed", "definitions"}) {
    if (const auto found = file.find(key); found != file.end() && found->is_object()) {
      for (const auto& [name, value] : found->items())
        own.push_back(name);
    }
  }
  if (const auto expression = file.find("expression");
      expression != file.end() && expression->is_string())
    names_in(expression->get<std::string>(), used);
  if (const auto definitions = file.find("definitions");
      definitions != file.end() && definitions->is_object()) {
    for (const auto& [name, value] : definitions->items()) {
      if (value.is_string())
        names_in(value.get<std::string>(), used);
    }
  }
  std::vector<std::string> known = own;
  for (const std::string& name : law_run_variables())
    known.push_back(name);
  std::vector<std::string> extras;
  for (const std::string& name : used) {
    if (contains(known, name) || contains(extras, name) || law::is_function_name(name))
      continue;
    if (extra_name_problem(name))
      continue;  // the parser names it
    if (contains(mapped, name) || law::closest_name(name, known).empty())
      extras.push_back(name);
  }
  return extras;
}

std::vector<std::string> with_run_variables(const std::vector<std::string>& extras) {
  std::vector<std::string> variables = law_run_variables();
  variables.insert(variables.end(), extras.begin(), extras.end());
  return variables;
}

std::string read_law_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(Diagnostic{{path, 0, "", ""}, "cannot open the law file"});
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxLawFileBytes)
      throw InputError(Diagnostic{{path, 0, "", ""}, "larger than 16 MiB: not a law file"});
  }
  return text;
}

std::string meaning_in_parentheses(const std::string& name) {
  const std::string_view meaning = law::variable_meaning(name);
  return meaning.empty() ? std::string() : " (" + std::string(meaning) + ")";
}

}  // namespace

bool is_compiled_form(const std::string& name) {
  return name == "abnar" || name == "chinchilla";
}

std::vector<std::string> law_form_names() {
  std::vector<std::string> names{"abnar", "chinchilla"};
  for (const law::BuiltinLawFile& file : law::builtin_law_files())
    names.emplace_back(file.name);
  return names;
}

std::string law_form_list() {
  return joined(law_form_names());
}

law::LawDefinition with_fixes(const law::LawDefinition& law, const std::vector<std::string>& fixes,
                              const std::vector<std::string>& variables) {
  if (fixes.empty())
    return law;
  nlohmann::ordered_json file = law::to_json(law);
  if (!file.contains("fixed"))
    file["fixed"] = nlohmann::ordered_json::object();
  std::vector<std::string> given;
  for (const std::string& fix : fixes) {
    const std::size_t equals = fix.find('=');
    if (equals == std::string::npos)
      throw option_error("--fix", "'" + fix + "' is not NAME=VALUE");
    const std::string name = trimmed(fix.substr(0, equals));
    const std::string text = trimmed(fix.substr(equals + 1));
    const std::optional<double> value = finite_value(text);
    if (!value) {
      throw option_error("--fix", name + ": '" + text +
                                      "' is no finite number (a value that overflows a double, "
                                      "NaN and infinities are refused)");
    }
    if (contains(given, name))
      throw option_error("--fix", name + " is fixed twice");
    given.push_back(name);
    nlohmann::ordered_json& parameters = file["parameters"];
    if (parameters.is_object() && parameters.contains(name)) {
      parameters.erase(name);
      file["fixed"][name] = *value;
    } else if (file["fixed"].contains(name)) {
      file["fixed"][name] = *value;
    } else {
      std::vector<std::string> free, fixed;
      for (const law::LawParameter& parameter : law.parameters())
        free.push_back(parameter.name);
      for (const law::FixedValue& value_of : law.fixed())
        fixed.push_back(value_of.name);
      std::vector<std::string> all = free;
      all.insert(all.end(), fixed.begin(), fixed.end());
      const std::string guess = law::closest_name(name, all);
      throw option_error("--fix", "'" + name + "' is no parameter of the law '" + law.name() + "'" +
                                      (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                                      "; its parameters are " +
                                      (free.empty() ? std::string("none") : joined(free)) +
                                      (fixed.empty() ? "" : "; fixed: " + joined(fixed)));
    }
  }
  if (file["parameters"].empty()) {
    throw option_error("--fix", "every parameter of the law '" + law.name() +
                                    "' is fixed: nothing is left to fit");
  }
  return law::parse_law_definition(file, law.name() + " with --fix", variables);
}

law::LawDefinition load_defined_law(const std::string& form, const std::string& law_file,
                                    const std::vector<std::string>& fixes,
                                    const std::string& mapping) {
  if (!form.empty()) {
    std::optional<law::LawDefinition> law = law::builtin_law(form, law_run_variables());
    if (!law) {
      throw option_error("--form", "unknown law '" + form + "'; the laws are " + law_form_list());
    }
    return with_fixes(*law, fixes, law_run_variables());
  }
  const std::string text = read_law_text(law_file);
  std::vector<std::string> extras;
  try {
    extras = extra_candidates(nlohmann::ordered_json::parse(text), mapped_fields(mapping));
  } catch (const nlohmann::json::exception&) {
    // Not JSON: parse_law_text says where.
  }
  const std::vector<std::string> variables = with_run_variables(extras);
  return with_fixes(law::parse_law_text(text, law_file, variables), fixes, variables);
}

std::vector<std::string> law_extras(const law::LawDefinition& law) {
  std::vector<std::string> extras;
  for (const std::string& name : law.variables()) {
    if (!contains(law_run_variables(), name))
      extras.push_back(name);
  }
  return extras;
}

void require_law_variables(const law::LawDefinition& law, const std::vector<Run>& runs,
                           const std::string& source) {
  std::vector<Diagnostic> problems;
  for (const std::string& name : law.variables()) {
    const bool any = std::any_of(runs.begin(), runs.end(), [&](const Run& run) {
      return run_variable(run, name).has_value();
    });
    if (any)
      continue;
    const std::string column = law::variable_column(name);
    problems.push_back(Diagnostic{{"", 0, "", ""},
                                  "the law uses " + name + meaning_in_parentheses(name) + "; " +
                                      source + " has no " + column + " column" +
                                      (runs.empty() ? " (no runs at all)" : "") +
                                      ": add one or --map " + name + "=COLUMN"});
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
}

CLI::Validator name_value_list() {
  return CLI::Validator(
      [](std::string& text) {
        std::stringstream list(text);
        for (std::string entry; std::getline(list, entry, ',');) {
          const std::size_t equals = entry.find('=');
          if (equals == std::string::npos || trimmed(entry.substr(0, equals)).empty())
            return "'" + entry + "' is not NAME=VALUE";
          const std::string value = trimmed(entry.substr(equals + 1));
          if (!finite_value(value)) {
            return trimmed(entry.substr(0, equals)) + ": '" + value +
                   "' is no finite number (a value that overflows a double, NaN and infinities "
                   "are refused)";
          }
        }
        return std::string();
      },
      "NAME=VALUE");
}

std::vector<std::pair<std::string, double>> parse_at(const std::vector<std::string>& entries) {
  std::vector<std::pair<std::string, double>> values;
  for (const std::string& entries_text : entries) {
    std::stringstream list(entries_text);
    for (std::string entry; std::getline(list, entry, ',');) {
      const std::size_t equals = entry.find('=');
      if (equals == std::string::npos)
        throw option_error("--at", "'" + entry + "' is not NAME=VALUE");
      const std::string name = trimmed(entry.substr(0, equals));
      const std::string text = trimmed(entry.substr(equals + 1));
      const std::optional<double> value = finite_value(text);
      if (!value)
        throw option_error("--at", name + ": '" + text + "' is no finite number");
      for (const auto& [known, ignored] : values) {
        if (known == name)
          throw option_error("--at", name + " is given twice");
      }
      values.emplace_back(name, *value);
    }
  }
  return values;
}

nlohmann::ordered_json validation_json(const LawValidation& validation) {
  nlohmann::ordered_json budgets = nlohmann::ordered_json::array();
  for (const BudgetValidation& budget : validation.budgets) {
    budgets.push_back({{"budget", number_or_null(budget.budget)},
                       {"fitted_points", budget.fitted_points},
                       {"points", budget.errors.points},
                       {"mse", number_or_null(budget.errors.mse)},
                       {"huber", number_or_null(budget.errors.huber)},
                       {"best_observed_loss", number_or_null(budget.best_observed_loss)},
                       {"best_predicted_loss", number_or_null(budget.best_predicted_loss)}});
  }
  return {{"scheme", to_string(validation.scheme)},
          {"budgets", budgets},
          {"refused", validation.refused}};
}

void print_validation(const LawValidation& validation) {
  std::cout << "\nValidation ("
            << (validation.scheme == ValidationScheme::kForward
                    ? "fitted to the smaller budgets, predicting the largest"
                    : "each budget predicted by a refit without it")
            << "):\n";
  TextTable table({"budget C", "points", "MSE", "Huber", "best loss", "predicted"});
  for (const BudgetValidation& budget : validation.budgets) {
    table.add_row({brief(budget.budget), std::to_string(budget.errors.points),
                   brief(budget.errors.mse), brief(budget.errors.huber),
                   brief(budget.best_observed_loss), brief(budget.best_predicted_loss)});
  }
  table.print(std::cout);
  for (const std::string& line : validation.refused)
    std::cout << "not validated: " << line << '\n';
}

namespace {

void print_defined_fit(const law::DefinedLawFitSummary& summary, const law::LawRows& rows,
                       const FitDataSummary& data) {
  const law::LawDefinition& law = summary.law;
  std::cout << "Law " << law.name() << " fitted to " << summary.fit.points << " of "
            << rows.rows.size() << (law.fit_to() == law::FitTo::kRuns ? " runs" : " budget optima")
            << " from " << data.source << "; losses in " << to_string(data.loss_unit) << '\n';
  if (!law.citation().empty())
    std::cout << "law: " << law.citation() << '\n';
  for (const std::string& note : rows.notes)
    std::cout << "note: " << note << '\n';
  const auto intervals = summary.parameter_intervals();
  TextTable table({"parameter", "value", "95% interval"});
  const std::vector<double> values = summary.free_values();
  // A refit that ends on a parameter's bound was stopped by it, not by the data: an interval
  // reaching one says so, rather than passing the bound off as what the data allow.
  const auto on = [](double value, const std::optional<double>& bound) {
    return bound && std::abs(value - *bound) <= 1e-6 * std::max(1.0, std::abs(*bound));
  };
  bool any_at_bound = false;
  for (std::size_t i = 0; i < law.parameters().size(); ++i) {
    const law::LawParameter& parameter = law.parameters()[i];
    std::string interval = "-";
    if (i < intervals.size()) {
      const Interval& range = intervals[i].second;
      interval = range.hi > range.lo ? brief(range.lo) + " .. " + brief(range.hi)
                                     : "- (" + brief(range.lo) + " in every refit)";
      if (on(range.lo, parameter.lower) || on(range.hi, parameter.upper)) {
        interval += " *";
        any_at_bound = true;
      }
    }
    table.add_row({parameter.name, brief(values[i]), interval});
  }
  for (const law::FixedValue& fixed : law.fixed())
    table.add_row({fixed.name, brief(fixed.value), "fixed"});
  table.print(std::cout);
  if (any_at_bound)
    std::cout << "*: the interval reaches the parameter's bound: the data do not bound it there\n";
  std::cout << "objective " << summary.objective << " (summed "
            << (law.objective().loss == law::ObjectiveLoss::kHuber
                    ? "Huber, delta " + brief(law.objective().delta) + ","
                    : std::string("squares"))
            << " on log loss); " << summary.converged << " of " << summary.starts
            << " starts converged in " << summary.seconds << " s\n";
  print_bootstrap_note(std::cout, summary.replicates.size(), summary.bootstrap_failed,
                       summary.minima.size());
  print_error_table(std::cout, summary.fit, summary.holdout, data.holdout_rule);
}

}  // namespace

void run_defined_law_fit(DefinedFitArguments args) {
  const RunFilter rule = RunFilter::parse(args.holdout);
  args.source.allow_extra_fields(law_extras(args.law));
  const std::vector<Run> runs = args.source.load();
  require_law_variables(args.law, runs, args.source.describe());
  const law::LawRows rows = law::law_rows(runs, args.law, rule);
  report_left_out(rows.left_out);
  law::DefinedLawFitSummary summary;
  {
    FitProgress progress("fitting the " + args.law.name() + " law");
    summary =
        law::fit_defined_law(args.law, rows.rows, rows.holdout, args.options, progress.control());
  }
  std::optional<law::DefinedLawValidation> validation;
  if (!args.validate.empty()) {
    FitProgress progress("validating across budgets");
    validation =
        law::validate_defined_law(args.law, rows, args.options,
                                  args.validate == "forward" ? ValidationScheme::kForward
                                                             : ValidationScheme::kLeaveOneBudgetOut,
                                  progress.control());
  }
  const FitDataSummary described{.source = args.source.describe(),
                                 .points = rows.rows.size(),
                                 .left_out = rows.left_out.size(),
                                 .holdout_rule = rule.text(),
                                 .loss_unit = rows.loss_unit,
                                 .conversion = args.source.conversion_applied()};
  nlohmann::ordered_json json = defined_law_json({summary, rows, args.options}, described);
  if (validation)
    json["validation"] = validation_json(validation->validation);
  if (!args.save.empty())
    write_json_file(args.save, json);
  if (args.json) {
    json.erase("replicates");  // the saved file keeps them; the summary stays readable
    std::cout << json.dump(2) << '\n';
    return;
  }
  print_defined_fit(summary, rows, described);
  if (validation)
    print_validation(validation->validation);
  if (!args.save.empty())
    std::cout << "saved to " << args.save << '\n';
}

}  // namespace moescope::cli

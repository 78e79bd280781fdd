// The laws of FIT.json (include/moescope/io/saved_fit.h): the compiled forms (Eq. 6,
// Chinchilla's) and user-defined laws (law_definition.h), written and read back.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>

#include "io/fit_checker.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"
#include "moescope/io/number_range.h"
#include "moescope/io/saved_fit.h"
#include "moescope/run/run.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

using namespace saved_fit_detail;

nlohmann::ordered_json parameters_json(const FittedLaw& law) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& [name, value] : law.parameters())
    params[name] = value;
  return params;
}

// The bounds of the law's parameters, the same for both forms. Coefficients (A, B, E; a, b, c, d,
// e) are exponentials of the fit's coordinates, so never negative; exponents (alpha, beta, gamma,
// lambda, delta) start in [-1, 2] on every grid and fitted laws stay within a few units of it.
// Anything beyond is no law a fit wrote, and would answer with overflowing losses (a = 1e308
// with alpha = -5).
const NumberRange kCoefficientBounds{0, kMaxLawCoefficient};
const NumberRange kExponentBounds{-kMaxLawExponent, kMaxLawExponent};

bool is_coefficient(const std::string& name) {
  return name.size() == 1;  // A, B, E, a, b, c, d, e; the exponents have Greek names
}

std::vector<std::string> parameter_names(LawForm form) {
  FittedLaw law;
  law.form = form;
  std::vector<std::string> names;
  for (const auto& [name, value] : law.parameters())
    names.push_back(name);
  return names;
}

std::optional<LawForm> law_form(FitChecker& check, const json& file) {
  const json* form = FitChecker::member(file, "form");
  for (const LawForm known : {LawForm::kAbnar, LawForm::kChinchilla}) {
    if (form != nullptr && form->is_string() && form->get<std::string>() == to_string(known))
      return known;
  }
  check.problem("form",
                std::string(form == nullptr ? "missing" : "unknown law form " + shown(*form)) +
                    "; expected \"abnar\" or \"chinchilla\"");
  return std::nullopt;
}

// The law of `params` (the field named `field`): exactly the form's parameters, each finite and
// within its bounds.
std::optional<FittedLaw> law_from(FitChecker& check, LawForm form, const json* params,
                                  const std::string& field) {
  if (params == nullptr || !params->is_object()) {
    check.problem(field, params == nullptr
                             ? "missing (an object of the law's parameters)"
                             : "must be an object of the law's parameters, got " + shown(*params));
    return std::nullopt;
  }
  const std::size_t before = check.problem_count();
  const std::vector<std::string> names = parameter_names(form);
  for (const auto& [name, value] : params->items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      check.problem(field + "." + name, "not a parameter of the " + std::string(to_string(form)) +
                                            " form (" + joined(names) + ")");
    }
  }
  std::vector<std::pair<std::string, double>> values;
  for (const std::string& name : names) {
    const NumberRange& bounds = is_coefficient(name) ? kCoefficientBounds : kExponentBounds;
    if (const std::optional<double> value =
            check.number(FitChecker::member(*params, name.c_str()), field + "." + name, bounds))
      values.emplace_back(name, *value);
  }
  if (check.problem_count() != before)
    return std::nullopt;
  return FittedLaw::from_parameters(form, values);
}

}  // namespace

nlohmann::ordered_json law_json(const RunLawFit& fitted, const FitDataSummary& data) {
  const LawFitSummary& summary = fitted.summary;
  const LawFitOptions& options = fitted.options;
  const LawScope& scope = fitted.scope;
  nlohmann::ordered_json json;
  json["format"] = "moescope-fit";
  json["version"] = kFitFileVersion;
  json["kind"] = "law";
  // Beside the kind, so that a reader sees first what its losses are.
  json["loss_unit"] = to_string(scope.loss_unit);
  json["form"] = to_string(summary.law.form);
  json["law_sparsity"] = scope.sparsity ? number_or_null(*scope.sparsity) : nullptr;
  json["form_note"] = fitted.form_note.empty() ? nullptr : nlohmann::ordered_json(fitted.form_note);
  json["params"] = parameters_json(summary.law);
  json["objective"] = summary.objective;
  json["starts"] = summary.starts;
  json["converged"] = summary.converged;
  json["seconds"] = summary.seconds;
  json["fit"] = errors_json(summary.fit);
  json["holdout"] = errors_json(summary.holdout);
  json["termination"] = summary.termination;
  nlohmann::ordered_json intervals = nlohmann::ordered_json::object();
  for (const auto& [name, interval] : summary.parameter_intervals()) {
    intervals[name] = interval_json(interval);
  }
  json["param_intervals"] = intervals;
  json["options"] = {{"init_grid", to_string(options.grid())},
                     {"huber_delta", options.huber_delta},
                     {"bootstrap", options.bootstrap},
                     {"seed", options.seed},
                     {"holdout", data.holdout_rule}};
  json["data"] = data_json(data);
  if (scope.range) {
    json["data"]["range"] = {{"C", interval_json(scope.range->budget)},
                             {"N", interval_json(scope.range->total_params)},
                             {"S", interval_json(scope.range->sparsity)}};
  }
  json["bootstrap"] = {{"replicates", summary.replicates.size()},
                       {"failed", summary.bootstrap_failed},
                       {"minima_starts", options.bootstrap_minima},
                       {"grid_starts", options.bootstrap_grid_starts}};
  nlohmann::ordered_json replicates = nlohmann::ordered_json::array();
  for (const FittedLaw& replicate : summary.replicates) {
    replicates.push_back(parameters_json(replicate));
  }
  json["replicates"] = replicates;
  nlohmann::ordered_json minima = nlohmann::ordered_json::array();
  for (const FittedLaw& minimum : summary.minima)
    minima.push_back(parameters_json(minimum));
  json["minima"] = minima;
  return json;
}

SavedLaw read_saved_law(const nlohmann::json& file, const std::string& path) {
  if (saved_fit_kind(file, path) != "law")
    throw file_error(path, "holds no law fit");
  if (is_defined_law_fit(file)) {
    const json* name = FitChecker::member(file, "law");
    throw file_error(path, "holds the user-defined law " +
                               (name != nullptr ? shown(*name) : std::string("(unnamed)")) +
                               ", which only moescope predict, optimum and fit compare read; "
                               "this reader takes the compiled forms (abnar, chinchilla)");
  }
  FitChecker check(path);
  const std::optional<LawForm> form = law_form(check, file);
  check.finish();
  const std::optional<FittedLaw> law =
      law_from(check, *form, FitChecker::member(file, "params"), "params");
  SavedLaw saved{
      law.value_or(FittedLaw{}), {}, {*form, {}, {}, saved_fit_loss_unit(file, path)}, {}, {}};
  // The replicates, and the minima, which a file written before they were saved lacks.
  for (const auto& [field, laws] :
       {std::pair{"replicates", &saved.replicates}, std::pair{"minima", &saved.minima}}) {
    if (const json* array =
            check.array(FitChecker::member(file, field), field, kMaxSavedReplicates, true)) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        if (auto parsed = law_from(check, *form, &(*array)[i],
                                   std::string(field) + "[" + std::to_string(i) + "]"))
          laws->push_back(std::move(*parsed));
      }
    }
  }
  if (const json* note = FitChecker::member(file, "form_note");
      note != nullptr && !note->is_null()) {
    if (note->is_string())
      saved.form_note = note->get<std::string>();
    else
      check.problem("form_note", "must be a string or null, got " + shown(*note));
  }
  if (const json* sparsity = FitChecker::member(file, "law_sparsity");
      sparsity != nullptr && !sparsity->is_null()) {
    saved.scope.sparsity = check.number(sparsity, "law_sparsity", kFraction);
  }
  if (const json* data = FitChecker::member(file, "data"); data != nullptr) {
    if (!data->is_object())
      check.problem("data", "must be an object, got " + shown(*data));
    if (const json* range = FitChecker::member(*data, "range"); range != nullptr) {
      if (!range->is_object()) {
        check.problem("data.range", "must be an object {C, N, S}, got " + shown(*range));
      } else {
        const auto budget =
            interval_from(check, FitChecker::member(*range, "C"), "data.range.C", kPositive);
        const auto size =
            interval_from(check, FitChecker::member(*range, "N"), "data.range.N", kPositive);
        const auto sparsity =
            interval_from(check, FitChecker::member(*range, "S"), "data.range.S", kFraction);
        if (budget && size && sparsity)
          saved.scope.range = DataRange{*budget, *size, *sparsity};
      }
    }
  }
  check.finish();
  return saved;
}

std::optional<Interval> replicate_interval(const std::vector<FittedLaw>& replicates,
                                           const ScalingPoint& point) {
  if (replicates.empty())
    return std::nullopt;
  std::vector<double> predictions;
  predictions.reserve(replicates.size());
  for (const FittedLaw& replicate : replicates)
    predictions.push_back(replicate.loss(point));
  return percentile_interval(std::move(predictions));
}

// ---- User-defined laws ----

double SavedDefinedLaw::loss(const std::vector<double>& variables) const {
  return law.predict_loss(variables.data(), values.data());
}

std::optional<Interval> SavedDefinedLaw::interval(const std::vector<double>& variables) const {
  if (replicates.empty())
    return std::nullopt;
  std::vector<double> predictions;
  predictions.reserve(replicates.size());
  for (const std::vector<double>& replicate : replicates)
    predictions.push_back(law.predict_loss(variables.data(), replicate.data()));
  return percentile_interval(std::move(predictions));
}

namespace {

nlohmann::ordered_json free_values_json(const law::LawDefinition& law,
                                        const std::vector<double>& values) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < law.parameters().size() && i < values.size(); ++i)
    params[law.parameters()[i].name] = number_or_null(values[i]);
  return params;
}

std::string_view objective_name(law::ObjectiveLoss loss) {
  return loss == law::ObjectiveLoss::kHuber ? "huber" : "squared";
}

// The values of a law's free parameters in `params` (the field named `field`): exactly its
// parameters, each finite, within kMaxLawCoefficient and within the parameter's bounds.
std::optional<std::vector<double>> values_from(FitChecker& check, const law::LawDefinition& law,
                                               const json* params, const std::string& field) {
  if (params == nullptr || !params->is_object()) {
    check.problem(field,
                  params == nullptr
                      ? "missing (an object of the law's free parameters)"
                      : "must be an object of the law's free parameters, got " + shown(*params));
    return std::nullopt;
  }
  const std::size_t before = check.problem_count();
  std::vector<std::string> names;
  for (const law::LawParameter& parameter : law.parameters())
    names.push_back(parameter.name);
  for (const auto& [name, value] : params->items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      check.problem(field + "." + name,
                    "not a free parameter of the law '" + law.name() + "' (" + joined(names) + ")");
    }
  }
  std::vector<double> values;
  for (const law::LawParameter& parameter : law.parameters()) {
    const NumberRange bounds{
        std::max(-kMaxLawCoefficient, parameter.lower.value_or(-kMaxLawCoefficient)),
        std::min(kMaxLawCoefficient, parameter.upper.value_or(kMaxLawCoefficient))};
    if (const std::optional<double> value =
            check.number(FitChecker::member(*params, parameter.name.c_str()),
                         field + "." + parameter.name, bounds))
      values.push_back(*value);
  }
  if (check.problem_count() != before)
    return std::nullopt;
  return values;
}

// The variables a saved law may name: the run variables and the extras the file lists.
std::vector<std::string> saved_variables(FitChecker& check, const json& file) {
  std::vector<std::string> variables = law_run_variables();
  const json* listed = check.array(FitChecker::member(file, "variables"), "variables",
                                   law_run_variables().size() + kMaxRunExtras, true);
  if (listed == nullptr)
    return variables;
  for (std::size_t i = 0; i < listed->size(); ++i) {
    const json& item = (*listed)[i];
    const std::string field = "variables[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      check.problem(field, "must be a variable's name, got " + shown(item));
      continue;
    }
    const std::string name = item.get<std::string>();
    if (std::find(variables.begin(), variables.end(), name) != variables.end())
      continue;
    if (const std::optional<std::string> problem = extra_name_problem(name)) {
      check.problem(field, *problem);
      continue;
    }
    variables.push_back(name);
  }
  return variables;
}

}  // namespace

bool is_defined_law_fit(const nlohmann::json& file) {
  return file.is_object() && file.contains("law_definition");
}

nlohmann::ordered_json defined_law_json(const DefinedLawFitRecord& fit,
                                        const FitDataSummary& data) {
  const law::DefinedLawFitSummary& summary = fit.summary;
  const law::LawDefinition& law = summary.law;
  nlohmann::ordered_json out;
  out["format"] = "moescope-fit";
  out["version"] = kFitFileVersion;
  out["kind"] = "law";
  out["loss_unit"] = to_string(data.loss_unit);
  out["law"] = law.name();
  out["variables"] = law.variables();
  out["params"] = free_values_json(law, summary.free_values());
  nlohmann::ordered_json fixed = nlohmann::ordered_json::object();
  for (const law::FixedValue& value : law.fixed())
    fixed[value.name] = number_or_null(value.value);
  out["fixed"] = fixed;
  out["objective"] = number_or_null(summary.objective);
  out["starts"] = summary.starts;
  out["converged"] = summary.converged;
  out["seconds"] = summary.seconds;
  out["fit"] = errors_json(summary.fit);
  out["holdout"] = errors_json(summary.holdout);
  out["termination"] = summary.termination;
  nlohmann::ordered_json intervals = nlohmann::ordered_json::object();
  for (const auto& [name, interval] : summary.parameter_intervals())
    intervals[name] = interval_json(interval);
  out["param_intervals"] = intervals;
  out["options"] = {{"objective", objective_name(law.objective().loss)},
                    {"huber_delta", law.objective().delta},
                    {"fit_to", law.fit_to() == law::FitTo::kRuns ? "runs" : "budget_optima"},
                    {"bootstrap", fit.options.bootstrap},
                    {"seed", fit.options.seed},
                    {"holdout", data.holdout_rule}};
  out["data"] = data_json(data);
  nlohmann::ordered_json range = nlohmann::ordered_json::object();
  for (std::size_t v = 0; v < law.variables().size(); ++v) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const law::LawRow& row : fit.rows.rows) {
      lo = std::min(lo, row.values[v]);
      hi = std::max(hi, row.values[v]);
    }
    if (lo <= hi)
      range[law.variables()[v]] = number_pair(lo, hi);
  }
  out["data"]["range"] = range;
  out["notes"] = fit.rows.notes;
  out["bootstrap"] = {{"replicates", summary.replicates.size()},
                      {"failed", summary.bootstrap_failed},
                      {"minima_starts", fit.options.bootstrap_minima},
                      {"grid_starts", fit.options.bootstrap_grid_starts}};
  nlohmann::ordered_json replicates = nlohmann::ordered_json::array();
  for (const std::vector<double>& replicate : summary.replicates)
    replicates.push_back(free_values_json(law, replicate));
  out["replicates"] = replicates;
  out["law_definition"] = law::to_json(law);
  return out;
}

SavedDefinedLaw read_saved_defined_law(const nlohmann::ordered_json& ordered,
                                       const std::string& path) {
  const json file = ordered;
  if (saved_fit_kind(file, path) != "law")
    throw file_error(path, "holds no law fit");
  if (!is_defined_law_fit(file))
    throw file_error(path, "holds a compiled law form, not a user-defined law (no law_definition)");
  FitChecker check(path);
  SavedDefinedLaw saved;
  saved.loss_unit = saved_fit_loss_unit(file, path);
  const std::vector<std::string> variables = saved_variables(check, file);
  check.finish();
  const nlohmann::ordered_json& definition = ordered.at("law_definition");
  if (!definition.is_object()) {
    check.problem("law_definition",
                  "must be an object (a law file), got " + shown(file["law_definition"]));
    check.finish();
  }
  saved.law = law::parse_law_definition(definition, path + ": law_definition", variables);
  if (auto values = values_from(check, saved.law, FitChecker::member(file, "params"), "params"))
    saved.values = std::move(*values);
  if (const json* fixed = FitChecker::member(file, "fixed"); fixed != nullptr) {
    if (!fixed->is_object()) {
      check.problem("fixed", "must be an object of the law's fixed values, got " + shown(*fixed));
    } else {
      for (const auto& item : fixed->items()) {
        // Not a structured binding: Clang 14 (the sanitizer build's) cannot capture one.
        const std::string name = item.key();
        const json& value = item.value();
        const auto known = std::find_if(
            saved.law.fixed().begin(), saved.law.fixed().end(),
            [&](const law::FixedValue& fixed_value) { return fixed_value.name == name; });
        if (known == saved.law.fixed().end()) {
          check.problem("fixed." + name, "not a fixed value of the law_definition");
        } else if (!value.is_number() || value.get<double>() != known->value) {
          check.problem("fixed." + name, "differs from the law_definition's " +
                                             format_number(known->value) + ", got " + shown(value));
        }
      }
    }
  }
  if (const json* replicates = check.array(FitChecker::member(file, "replicates"), "replicates",
                                           kMaxSavedReplicates, true)) {
    for (std::size_t i = 0; i < replicates->size(); ++i) {
      if (auto replicate = values_from(check, saved.law, &(*replicates)[i],
                                       "replicates[" + std::to_string(i) + "]"))
        saved.replicates.push_back(std::move(*replicate));
    }
  }
  if (const json* options = FitChecker::member(file, "options"); options != nullptr) {
    if (const auto rule = check.text(FitChecker::member(*options, "holdout"), "options.holdout"))
      saved.holdout_rule = *rule;
  }
  if (const json* data = FitChecker::member(file, "data"); data != nullptr) {
    if (!data->is_object())
      check.problem("data", "must be an object, got " + shown(*data));
    if (const json* range = FitChecker::member(*data, "range"); range != nullptr) {
      if (!range->is_object()) {
        check.problem("data.range", "must be an object {variable: [lo, hi]}, got " + shown(*range));
      } else {
        for (const auto& [name, pair] : range->items()) {
          const auto& used = saved.law.variables();
          if (std::find(used.begin(), used.end(), name) == used.end()) {
            check.problem("data.range." + name, "not a variable of the law (" + joined(used) + ")");
            continue;
          }
          if (auto interval = interval_from(check, &pair, "data.range." + name, NumberRange{}))
            saved.range.emplace_back(name, *interval);
        }
      }
    }
  }
  check.finish();
  return saved;
}

SavedDefinedLaw read_saved_defined_law(const std::filesystem::path& path) {
  (void)read_json_file(path);  // the depth, NUL and syntax checks, naming the file
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return read_saved_defined_law(nlohmann::ordered_json::parse(text.str()), path.string());
}

}  // namespace moescope

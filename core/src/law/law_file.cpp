// Law files (law_definition.h): reading, checking every rule with every problem reported at
// once, compiling to the tape, and writing back.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "moescope/io/diagnostic.h"
#include "moescope/io/json_limits.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/run_variables.h"

namespace moescope::law {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxLawFileBytes = 16 << 20;

std::string quoted_value(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text;
}

// Every problem of one file.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}
  void add(const std::string& where, const std::string& message) {
    diagnostics_.push_back(
        {{source_, 0, "", ""}, where.empty() ? message : where + ": " + message});
  }
  // A parse error's message already names where it is ("expression:1:14: ...").
  void add_located(const std::string& message) {
    diagnostics_.push_back({{source_, 0, "", ""}, message});
  }
  bool empty() const { return diagnostics_.empty(); }
  void throw_if_any() const {
    if (!diagnostics_.empty())
      throw InputError(diagnostics_);
  }

 private:
  std::string source_;
  std::vector<Diagnostic> diagnostics_;
};

void check_keys(const Json& object, const std::vector<std::string>& known, const std::string& where,
                Problems& problems) {
  for (const auto& [key, value] : object.items()) {
    (void)value;
    if (std::find(known.begin(), known.end(), key) != known.end())
      continue;
    std::string message = "unknown key '" + key + "'";
    const std::string closest = closest_name(key, known);
    if (!closest.empty())
      message += " (did you mean '" + closest + "'?)";
    problems.add(where, message);
  }
}

std::string child(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

std::optional<std::string> string_at(const Json& object, const std::string& key,
                                     const std::string& where, Problems& problems) {
  const auto found = object.find(key);
  if (found == object.end())
    return std::nullopt;
  if (!found->is_string()) {
    problems.add(child(where, key), "must be a string, got " + quoted_value(*found));
    return std::nullopt;
  }
  return found->get<std::string>();
}

std::optional<double> finite_number(const Json& value, const std::string& where,
                                    Problems& problems) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    problems.add(where, "must be a finite number, got " + quoted_value(value));
    return std::nullopt;
  }
  return value.get<double>();
}

// One of `choices`, named in the message where not.
template <typename Enum>
std::optional<Enum> choice_at(const Json& object, const std::string& key, const std::string& where,
                              const std::vector<std::pair<std::string, Enum>>& choices,
                              Problems& problems) {
  const auto text = string_at(object, key, where, problems);
  if (!text)
    return std::nullopt;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (name == *text)
      return value;
    names += (names.empty() ? "\"" : ", \"") + name + "\"";
  }
  problems.add(child(where, key), "must be one of " + names + ", got \"" + *text + "\"");
  return std::nullopt;
}

const std::vector<std::pair<std::string, Predicts>> kPredicts = {{"loss", Predicts::kLoss},
                                                                 {"log_loss", Predicts::kLogLoss}};
const std::vector<std::pair<std::string, ParameterScale>> kScales = {
    {"linear", ParameterScale::kLinear}, {"log", ParameterScale::kLog}};
const std::vector<std::pair<std::string, ObjectiveLoss>> kLosses = {
    {"huber", ObjectiveLoss::kHuber}, {"squared", ObjectiveLoss::kSquared}};
const std::vector<std::pair<std::string, FitTo>> kFitTo = {{"runs", FitTo::kRuns},
                                                           {"budget_optima", FitTo::kBudgetOptima}};

template <typename Enum>
std::string name_of(Enum value, const std::vector<std::pair<std::string, Enum>>& choices) {
  for (const auto& [name, choice] : choices) {
    if (choice == value)
      return name;
  }
  return "";
}

LawParameter read_parameter(const std::string& name, const Json& value, const std::string& where,
                            Problems& problems) {
  LawParameter parameter;
  parameter.name = name;
  if (!value.is_object()) {
    problems.add(where, "must be an object with \"init\", got " + quoted_value(value));
    return parameter;
  }
  check_keys(value, {"init", "lower", "upper", "scale"}, where, problems);
  if (const auto scale = choice_at(value, "scale", where, kScales, problems))
    parameter.scale = *scale;
  for (const char* bound : {"lower", "upper"}) {
    if (const auto found = value.find(bound); found != value.end()) {
      const auto number = finite_number(*found, child(where, bound), problems);
      (std::string(bound) == "lower" ? parameter.lower : parameter.upper) = number;
    }
  }
  const bool log_scale = parameter.scale == ParameterScale::kLog;
  if (log_scale && parameter.lower) {
    if (*parameter.lower < 0)
      problems.add(child(where, "lower"),
                   "must be positive (or 0, or absent) for a parameter on the log scale");
    else if (*parameter.lower == 0)
      parameter.lower.reset();  // the log scale keeps the value above 0 already
  }
  if (log_scale && parameter.upper && *parameter.upper <= 0)
    problems.add(child(where, "upper"), "must be positive for a parameter on the log scale");
  if (parameter.lower && parameter.upper && !(*parameter.lower < *parameter.upper))
    problems.add(where, "lower must be below upper");
  const auto init = value.find("init");
  if (init == value.end()) {
    problems.add(where, "\"init\" is missing (a list of start values)");
    return parameter;
  }
  if (!init->is_array() || init->empty()) {
    problems.add(child(where, "init"),
                 "must be a non-empty list of start values, got " + quoted_value(*init));
    return parameter;
  }
  for (std::size_t k = 0; k < init->size(); ++k) {
    const std::string at = child(where, "init") + "[" + std::to_string(k) + "]";
    const auto start = finite_number((*init)[k], at, problems);
    if (!start)
      continue;
    if ((parameter.lower && *start < *parameter.lower) ||
        (parameter.upper && *start > *parameter.upper)) {
      problems.add(at, "start value " + quoted_value((*init)[k]) + " lies outside [lower, upper]");
    } else if (log_scale && !(*start > 0)) {
      problems.add(at, "start value " + quoted_value((*init)[k]) +
                           " must be positive for a parameter on the log scale");
    }
    parameter.init.push_back(*start);
  }
  return parameter;
}

// A name that parameters, fixed values and definitions may take, or why not.
// A law's own name may be a variable's too (E, the loss floor, and E, the run's experts): the
// law's name then shadows the variable.
std::optional<std::string> name_problem(const std::string& name,
                                        const std::set<std::string>& taken) {
  if (!is_identifier(name))
    return "'" + name + "' is not a name (letters, digits and '_', not starting with a digit)";
  if (is_function_name(name))
    return "'" + name + "' is a function's name";
  if (taken.count(name) != 0)
    return "'" + name +
           "' is already defined (parameters, fixed and definitions share one set of "
           "names)";
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& run_variables() {
  return law_run_variables();
}

std::size_t LawDefinition::start_count() const {
  std::size_t count = 1;
  for (const LawParameter& parameter : parameters_)
    count *= parameter.init.size();
  return count;
}

double LawDefinition::log_prediction(const double* variable_values, const double* parameter_values,
                                     double* gradient) const {
  thread_local std::vector<double> inputs, workspace, input_gradient;
  const std::size_t v = variables_.size();
  const std::size_t p = parameters_.size();
  inputs.assign(variable_values, variable_values + v);
  inputs.insert(inputs.end(), parameter_values, parameter_values + p);
  if (gradient == nullptr)
    return tape_.evaluate(inputs.data(), nullptr, workspace);
  input_gradient.assign(v + p, 0.0);
  const double value = tape_.evaluate(inputs.data(), input_gradient.data(), workspace);
  std::copy(input_gradient.begin() + static_cast<std::ptrdiff_t>(v), input_gradient.end(),
            gradient);
  return value;
}

double LawDefinition::predict_loss(const double* variable_values,
                                   const double* parameter_values) const {
  return std::exp(log_prediction(variable_values, parameter_values, nullptr));
}

LawDefinition parse_law_definition(const nlohmann::ordered_json& json, std::string source_name,
                                   const std::vector<std::string>& variables) {
  Problems problems(source_name);
  LawDefinition law;
  if (!json.is_object()) {
    problems.add("", "a law file holds one JSON object, got " + quoted_value(json));
    problems.throw_if_any();
  }
  check_keys(json,
             {"format", "version", "name", "citation", "description", "expression", "predicts",
              "definitions", "parameters", "fixed", "objective", "fit_to"},
             "", problems);
  if (const auto format = string_at(json, "format", "", problems);
      format && *format != "moescope-law")
    problems.add("format", "must be \"moescope-law\", got \"" + *format + "\"");
  if (const auto version = json.find("version");
      version != json.end() && !(version->is_number_integer() && *version == 1))
    problems.add("version", "must be 1 (the only version), got " + quoted_value(*version));
  law.name_ = string_at(json, "name", "", problems).value_or("");
  if (json.find("name") == json.end() || (json.find("name")->is_string() && law.name_.empty()))
    problems.add("name", "is missing or empty");
  law.citation_ = string_at(json, "citation", "", problems).value_or("");
  law.description_ = string_at(json, "description", "", problems).value_or("");
  law.expression_ = string_at(json, "expression", "", problems).value_or("");
  if (json.find("expression") == json.end())
    problems.add("expression", "is missing");
  law.predicts_ = choice_at(json, "predicts", "", kPredicts, problems).value_or(Predicts::kLoss);
  law.fit_to_ = choice_at(json, "fit_to", "", kFitTo, problems).value_or(FitTo::kRuns);
  if (const auto objective = json.find("objective"); objective != json.end()) {
    if (!objective->is_object()) {
      problems.add("objective", "must be an object, got " + quoted_value(*objective));
    } else {
      check_keys(*objective, {"loss", "delta"}, "objective", problems);
      law.objective_.loss = choice_at(*objective, "loss", "objective", kLosses, problems)
                                .value_or(ObjectiveLoss::kHuber);
      if (const auto delta = objective->find("delta"); delta != objective->end()) {
        if (law.objective_.loss == ObjectiveLoss::kSquared)
          problems.add("objective.delta", "applies to the Huber loss only");
        else if (const auto value = finite_number(*delta, "objective.delta", problems))
          law.objective_.delta = *value;
        if (!(law.objective_.delta > 0))
          problems.add("objective.delta", "must be positive");
      }
    }
  }

  // Names: parameters, then fixed values, then definitions.
  std::set<std::string> taken;
  const auto section = [&](const char* key) -> const Json* {
    const auto found = json.find(key);
    if (found == json.end())
      return nullptr;
    if (!found->is_object()) {
      problems.add(key, std::string("must be an object, got ") + quoted_value(*found));
      return nullptr;
    }
    return &*found;
  };
  if (const Json* parameters = section("parameters")) {
    for (const auto& [name, value] : parameters->items()) {
      const std::string where = "parameters." + name;
      if (const auto problem = name_problem(name, taken)) {
        problems.add(where, *problem);
        continue;
      }
      taken.insert(name);
      law.parameters_.push_back(read_parameter(name, value, where, problems));
    }
  }
  if (law.parameters_.empty() && problems.empty())
    problems.add("parameters", "the law needs at least one parameter to fit");
  if (law.parameters_.size() > kMaxLawParameters)
    problems.add("parameters", "at most " + std::to_string(kMaxLawParameters) +
                                   " parameters may be fitted, got " +
                                   std::to_string(law.parameters_.size()));
  if (const Json* fixed = section("fixed")) {
    for (const auto& item : fixed->items()) {
      // Not a structured binding: Clang 14 (the sanitizer build's) cannot capture one.
      const std::string name = item.key();
      const Json& value = item.value();
      const std::string where = "fixed." + name;
      if (const auto problem = name_problem(name, taken)) {
        problems.add(where,
                     taken.count(name) != 0 &&
                             std::any_of(law.parameters_.begin(), law.parameters_.end(),
                                         [&](const LawParameter& p) { return p.name == name; })
                         ? "'" + name + "' is both a parameter and fixed"
                         : *problem);
        continue;
      }
      taken.insert(name);
      if (const auto number = finite_number(value, where, problems))
        law.fixed_.push_back({name, *number});
    }
  }
  if (const Json* definitions = section("definitions")) {
    for (const auto& [name, value] : definitions->items()) {
      const std::string where = "definitions." + name;
      if (const auto problem = name_problem(name, taken)) {
        problems.add(where, *problem);
        continue;
      }
      taken.insert(name);
      if (!value.is_string()) {
        problems.add(where, "must be an expression (a string), got " + quoted_value(value));
        continue;
      }
      law.definitions_.push_back({name, value.get<std::string>()});
    }
  }
  std::size_t starts = 1;
  bool too_many_starts = false;
  for (const LawParameter& parameter : law.parameters_) {
    if (!parameter.init.empty() && starts > kMaxLawStarts / parameter.init.size())
      too_many_starts = true;
    starts *= std::max<std::size_t>(1, parameter.init.size());
  }
  if (too_many_starts || starts > kMaxLawStarts)
    problems.add("parameters", "the init lists give more than " + std::to_string(kMaxLawStarts) +
                                   " starts (their lengths multiply); shorten some");
  problems.throw_if_any();

  // Compile: inputs are the allowed variables, then the parameters; fixed values are constants.
  Tape tape;
  std::vector<NamedSlot> names;
  const auto variable_count = static_cast<std::uint32_t>(variables.size());
  for (std::uint32_t i = 0; i < variable_count; ++i)
    names.push_back({variables[i], tape.input(i)});
  for (std::size_t k = 0; k < law.parameters_.size(); ++k)
    names.push_back(
        {law.parameters_[k].name, tape.input(variable_count + static_cast<std::uint32_t>(k))});
  for (const FixedValue& fixed : law.fixed_)
    names.push_back({fixed.name, tape.constant(fixed.value)});
  for (const NamedExpression& definition : law.definitions_) {
    try {
      const std::uint32_t slot =
          compile_expression(definition.expression, names, tape, "definitions." + definition.name);
      names.push_back({definition.name, slot});
    } catch (const ParseError& error) {
      problems.add_located(error.what());
    }
  }
  std::uint32_t root = 0;
  try {
    root = compile_expression(law.expression_, names, tape, "expression");
  } catch (const ParseError& error) {
    problems.add_located(error.what());
  }
  problems.throw_if_any();
  if (law.predicts_ == Predicts::kLoss)
    root = tape.append(Op::kLog, root);
  tape = tape.pruned(root);

  std::vector<std::uint32_t> renumbered(variables.size() + law.parameters_.size(), 0);
  for (std::uint32_t i = 0; i < variable_count; ++i) {
    if (tape.reads_input(i)) {
      renumbered[i] = static_cast<std::uint32_t>(law.variables_.size());
      law.variables_.push_back(variables[i]);
    }
  }
  for (std::size_t k = 0; k < law.parameters_.size(); ++k) {
    const auto input = variable_count + static_cast<std::uint32_t>(k);
    if (!tape.reads_input(input))
      problems.add("parameters." + law.parameters_[k].name,
                   "the law does not depend on it (the expression and the definitions it uses "
                   "never name it)");
    renumbered[input] = static_cast<std::uint32_t>(law.variables_.size() + k);
  }
  problems.throw_if_any();
  tape.renumber_inputs(renumbered);
  law.tape_ = std::move(tape);
  return law;
}

LawDefinition parse_law_text(const std::string& text, const std::string& source_name,
                             const std::vector<std::string>& variables) {
  const auto refuse = [&](const std::string& message) {
    throw InputError(Diagnostic{{source_name, 0, "", ""}, message});
  };
  if (const auto depth = json_depth_problem(text))
    refuse(*depth);
  if (const auto nul = json_nul_problem(text))
    refuse(*nul);
  // Keys given twice in one object: the library would keep one silently.
  std::vector<std::set<std::string>> open_objects;
  std::vector<std::string> repeated;
  const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    (void)depth;
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty()) {
      const std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second)
        repeated.push_back(key);
    }
    return true;
  };
  Json json;
  try {
    json = Json::parse(text, callback);
  } catch (const Json::exception& error) {
    refuse(std::string("not valid JSON: ") + error.what());
  }
  if (!repeated.empty()) {
    std::vector<Diagnostic> diagnostics;
    for (const std::string& key : repeated)
      diagnostics.push_back(
          {{source_name, 0, "", ""}, "key '" + key + "' is given more than once in one object"});
    throw InputError(diagnostics);
  }
  return parse_law_definition(json, source_name, variables);
}

LawDefinition read_law_file(const std::filesystem::path& path,
                            const std::vector<std::string>& variables) {
  const std::string source = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(Diagnostic{{path.string(), 0, "", ""}, "cannot open the law file"});
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxLawFileBytes)
      throw InputError(Diagnostic{{source, 0, "", ""}, "larger than 16 MiB: not a law file"});
  }
  return parse_law_text(text, source, variables);
}

Json to_json(const LawDefinition& law) {
  Json json;
  json["format"] = "moescope-law";
  json["version"] = 1;
  json["name"] = law.name();
  if (!law.citation().empty())
    json["citation"] = law.citation();
  if (!law.description().empty())
    json["description"] = law.description();
  json["expression"] = law.expression();
  json["predicts"] = name_of(law.predicts(), kPredicts);
  if (!law.definitions().empty()) {
    Json definitions = Json::object();
    for (const NamedExpression& definition : law.definitions())
      definitions[definition.name] = definition.expression;
    json["definitions"] = definitions;
  }
  Json parameters = Json::object();
  for (const LawParameter& parameter : law.parameters()) {
    Json entry;
    entry["init"] = parameter.init;
    if (parameter.lower)
      entry["lower"] = *parameter.lower;
    if (parameter.upper)
      entry["upper"] = *parameter.upper;
    entry["scale"] = name_of(parameter.scale, kScales);
    parameters[parameter.name] = entry;
  }
  json["parameters"] = parameters;
  if (!law.fixed().empty()) {
    Json fixed = Json::object();
    for (const FixedValue& value : law.fixed())
      fixed[value.name] = value.value;
    json["fixed"] = fixed;
  }
  Json objective;
  objective["loss"] = name_of(law.objective().loss, kLosses);
  if (law.objective().loss == ObjectiveLoss::kHuber)
    objective["delta"] = law.objective().delta;
  json["objective"] = objective;
  json["fit_to"] = name_of(law.fit_to(), kFitTo);
  return json;
}

}  // namespace moescope::law

#include "moescope/io/saved_fit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"
#include "moescope/io/number_range.h"

namespace moescope {
namespace {

constexpr int kFitFileVersion = 1;

InputError file_error(const std::string& path, const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.file = path;
  diagnostic.message = message;
  return InputError(std::move(diagnostic));
}

nlohmann::ordered_json parameters_json(const FittedLaw& law) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& [name, value] : law.parameters())
    params[name] = value;
  return params;
}

nlohmann::ordered_json errors_json(const ErrorMeasures& errors) {
  return {{"points", errors.points},
          {"mse", number_or_null(errors.mse)},
          {"huber", number_or_null(errors.huber)}};
}

std::string_view axis_name(SizeAxis axis) {
  return axis == SizeAxis::kTotal ? "N" : "N_active";
}

nlohmann::ordered_json polynomial_json(const SurfacePolynomial& polynomial) {
  nlohmann::ordered_json coefficients = nlohmann::ordered_json::object();
  const std::vector<std::string> names = polynomial.coefficient_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    coefficients[names[i]] = polynomial.coefficients[i];
  }
  return coefficients;
}

// Every field of a FIT.json is checked before it is used, as a file read from anywhere may be
// corrupt or hostile: a surface degree of 1e9 made `predict` build a billion coefficient names,
// and a law with a = 1e308 answered with infinite losses. A problem names the file and the field
// ("surfaces[0].degrees[1]"), and every problem of the file is reported at once.
using nlohmann::json;

// A value quoted in a message: numbers and texts as written (cut when long), containers by kind.
std::string shown(const json& value) {
  if (value.is_array())
    return "an array";
  if (value.is_object())
    return "an object";
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kMaxShown = 40;
  if (text.size() > kMaxShown)
    text = text.substr(0, kMaxShown) + "...";
  return text;
}

// ln of a parameter count: up to 1e30 parameters.
constexpr double kMaxLogSize = 70;

// Collects a file's problems; a hostile file can hold millions (100,000 replicates of 10 bad
// parameters), so only the first are kept, as many as a message lists, and the rest counted.
class FitChecker {
 public:
  static constexpr std::size_t kMaxProblems = 19;

  explicit FitChecker(std::string path) : path_(std::move(path)) {}

  void problem(const std::string& field, const std::string& message) {
    if (problems_.size() < kMaxProblems)
      problems_.push_back(Diagnostic{{path_, 0, field, ""}, message});
    ++count_;
  }
  // Throws InputError with every problem found so far, if any.
  void finish() {
    if (count_ == 0)
      return;
    if (count_ > problems_.size()) {
      problems_.push_back(Diagnostic{
          {path_, 0, "", ""},
          "and " + std::to_string(count_ - problems_.size()) + " more problems not listed"});
    }
    throw InputError(std::move(problems_));
  }
  std::size_t problem_count() const { return count_; }

  // A member of an object; nullptr when absent (or when `object` is no object).
  static const json* member(const json& object, const char* key) {
    if (!object.is_object())
      return nullptr;
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
  }

  // A finite number in `range`.
  std::optional<double> number(const json* value, const std::string& field,
                               const NumberRange& range) {
    if (value == nullptr) {
      problem(field, "missing (" + range.description() + ")");
      return std::nullopt;
    }
    const bool inside = value->is_number() && range.contains(value->get<double>());
    if (!inside) {
      problem(field, "must be " + range.description() + ", got " + shown(*value));
      return std::nullopt;
    }
    return value->get<double>();
  }

  // A whole number written as one (not 1.5, not 1e9, not "1") in [low, high].
  std::optional<std::int64_t> whole(const json* value, const std::string& field, std::int64_t low,
                                    std::int64_t high) {
    const std::string expected =
        "a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
    if (value == nullptr) {
      problem(field, "missing (" + expected + ")");
      return std::nullopt;
    }
    bool inside = false;
    if (value->is_number_unsigned()) {  // may exceed every int64
      const auto whole = value->get<std::uint64_t>();
      inside = whole <= static_cast<std::uint64_t>(high) &&
               (low <= 0 || whole >= static_cast<std::uint64_t>(low));
    } else if (value->is_number_integer()) {
      const auto whole = value->get<std::int64_t>();
      inside = whole >= low && whole <= high;
    }
    if (!inside) {
      problem(field, "must be " + expected + ", got " + shown(*value));
      return std::nullopt;
    }
    return value->get<std::int64_t>();
  }

  // An optional text: absent or null is none.
  std::optional<std::string> text(const json* value, const std::string& field) {
    if (value == nullptr || value->is_null())
      return std::nullopt;
    if (!value->is_string()) {
      problem(field, "must be a text or null, got " + shown(*value));
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  // An array of at most `most` elements; nullptr (with a problem) otherwise. Absent is an empty
  // array where `optional`.
  const json* array(const json* value, const std::string& field, std::size_t most, bool optional) {
    static const json kEmpty = json::array();
    if (value == nullptr && optional)
      return &kEmpty;
    if (value == nullptr || !value->is_array()) {
      problem(field,
              value == nullptr ? "missing (an array)" : "must be an array, got " + shown(*value));
      return nullptr;
    }
    if (value->size() > most) {
      problem(field, "holds " + std::to_string(value->size()) + " elements; at most " +
                         std::to_string(most) + " are read");
      return nullptr;
    }
    return value;
  }

 private:
  std::string path_;
  std::vector<Diagnostic> problems_;
  std::size_t count_ = 0;
};

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

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
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

// [lo, hi] with lo <= hi, both in `bounds`.
std::optional<Interval> interval_from(FitChecker& check, const json* pair, const std::string& field,
                                      const NumberRange& bounds) {
  if (pair == nullptr || !pair->is_array() || pair->size() != 2) {
    check.problem(field, "must be [lo, hi], got " + (pair == nullptr ? "nothing" : shown(*pair)));
    return std::nullopt;
  }
  const std::optional<double> lo = check.number(&(*pair)[0], field + "[0]", bounds);
  const std::optional<double> hi = check.number(&(*pair)[1], field + "[1]", bounds);
  if (!lo || !hi)
    return std::nullopt;
  if (*lo > *hi) {
    check.problem(field, "lo " + format_number(*lo) + " exceeds hi " + format_number(*hi));
    return std::nullopt;
  }
  return Interval{*lo, *hi};
}

// The coefficients of a surface of these degrees: exactly its names, each finite.
std::optional<SurfacePolynomial> polynomial_from(FitChecker& check, const SurfaceDegrees& degrees,
                                                 const json* coefficients,
                                                 const std::string& field) {
  if (coefficients == nullptr || !coefficients->is_object()) {
    check.problem(field, coefficients == nullptr
                             ? "missing (an object of the surface's coefficients)"
                             : "must be an object of coefficients, got " + shown(*coefficients));
    return std::nullopt;
  }
  SurfacePolynomial polynomial;
  polynomial.degrees = degrees;
  const std::vector<std::string> names = polynomial.coefficient_names();
  const std::size_t before = check.problem_count();
  for (const auto& [name, value] : coefficients->items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      check.problem(field + "." + name,
                    "not a coefficient of degrees [" + std::to_string(degrees.size) + ", " +
                        std::to_string(degrees.sparsity) + ", " +
                        std::to_string(degrees.interaction) + "] (" + joined(names) + ")");
    }
  }
  for (const std::string& name : names) {
    if (const std::optional<double> value = check.number(
            FitChecker::member(*coefficients, name.c_str()), field + "." + name, NumberRange{}))
      polynomial.coefficients.push_back(*value);
  }
  if (check.problem_count() != before)
    return std::nullopt;
  return polynomial;
}

// A finite number, or null for a value that was not finite when saved (number_or_null).
double number_or_nan(FitChecker& check, const json* value, const std::string& field,
                     const NumberRange& bounds) {
  if (value == nullptr || value->is_null())
    return std::numeric_limits<double>::quiet_NaN();
  return check.number(value, field, bounds).value_or(std::numeric_limits<double>::quiet_NaN());
}

std::optional<SurfaceFit> surface_from(FitChecker& check, const json& item, const std::string& at) {
  if (!item.is_object()) {
    check.problem(at, "must be an object (one budget's surface), got " + shown(item));
    return std::nullopt;
  }
  const std::size_t before = check.problem_count();
  SurfaceFit fit;
  const json* axis = FitChecker::member(item, "axis");
  if (axis == nullptr || (axis->is_string() && axis->get<std::string>() == "N")) {
    fit.axis = SizeAxis::kTotal;
  } else if (axis->is_string() && axis->get<std::string>() == "N_active") {
    fit.axis = SizeAxis::kActive;
  } else {
    check.problem(at + ".axis", "must be \"N\" or \"N_active\", got " + shown(*axis));
  }
  std::optional<SurfaceDegrees> degrees;
  const json* listed = FitChecker::member(item, "degrees");
  if (listed == nullptr || !listed->is_array() || listed->size() != 3) {
    check.problem(at + ".degrees",
                  "must be [size, sparsity, interaction], three whole numbers in [0, " +
                      std::to_string(kMaxSurfaceDegree) + "], got " +
                      (listed == nullptr ? "nothing" : shown(*listed)));
  } else {
    std::array<std::optional<std::int64_t>, 3> read;
    for (std::size_t i = 0; i < 3; ++i) {
      read[i] = check.whole(&(*listed)[i], at + ".degrees[" + std::to_string(i) + "]", 0,
                            kMaxSurfaceDegree);
    }
    if (read[0] && read[1] && read[2]) {
      degrees = SurfaceDegrees{static_cast<int>(*read[0]), static_cast<int>(*read[1]),
                               static_cast<int>(*read[2])};
    }
  }
  if (degrees) {
    if (auto polynomial = polynomial_from(check, *degrees, FitChecker::member(item, "coefficients"),
                                          at + ".coefficients"))
      fit.polynomial = std::move(*polynomial);
    if (const json* replicates = check.array(FitChecker::member(item, "replicates"),
                                             at + ".replicates", kMaxSavedReplicates, true)) {
      for (std::size_t i = 0; i < replicates->size(); ++i) {
        if (auto replicate = polynomial_from(check, *degrees, &(*replicates)[i],
                                             at + ".replicates[" + std::to_string(i) + "]"))
          fit.replicates.push_back(std::move(*replicate));
      }
    }
  }
  if (const json* budget = FitChecker::member(item, "budget");
      budget != nullptr && !budget->is_null())
    fit.budget = check.number(budget, at + ".budget", kPositive);
  fit.cv_mse =
      number_or_nan(check, FitChecker::member(item, "cv_mse"), at + ".cv_mse", kNonNegative);
  fit.cv_se = number_or_nan(check, FitChecker::member(item, "cv_se"), at + ".cv_se", kNonNegative);
  if (const json* points = FitChecker::member(item, "points")) {
    fit.points = static_cast<std::size_t>(
        check.whole(points, at + ".points", 0, std::numeric_limits<std::int64_t>::max())
            .value_or(0));
  }
  const json* range = FitChecker::member(item, "range");
  if (range == nullptr || !range->is_object()) {
    check.problem(at + ".range",
                  "must be an object {log_size_min, log_size_max, sparsity_min, "
                  "sparsity_max}, got " +
                      (range == nullptr ? "nothing" : shown(*range)));
  } else {
    // ln of a parameter count: 1 to 1e30 parameters.
    const NumberRange log_size{0, kMaxLogSize};
    const auto size_min = check.number(FitChecker::member(*range, "log_size_min"),
                                       at + ".range.log_size_min", log_size);
    const auto size_max = check.number(FitChecker::member(*range, "log_size_max"),
                                       at + ".range.log_size_max", log_size);
    // Files written before sparsity_min was saved: take the range down to dense, which never
    // makes a fit look like one of a single sparsity level that it was not.
    const json* sparsity_min = FitChecker::member(*range, "sparsity_min");
    const auto s_min = sparsity_min == nullptr
                           ? std::optional<double>(0.0)
                           : check.number(sparsity_min, at + ".range.sparsity_min", kFraction);
    const auto s_max = check.number(FitChecker::member(*range, "sparsity_max"),
                                    at + ".range.sparsity_max", kFraction);
    if (size_min && size_max && *size_min > *size_max)
      check.problem(at + ".range", "log_size_min exceeds log_size_max");
    if (s_min && s_max && *s_min > *s_max)
      check.problem(at + ".range", "sparsity_min exceeds sparsity_max");
    fit.log_size_min = size_min.value_or(0);
    fit.log_size_max = size_max.value_or(0);
    fit.sparsity_min = s_min.value_or(0);
    fit.sparsity_max = s_max.value_or(0);
  }
  fit.bootstrap_refused =
      check.text(FitChecker::member(item, "bootstrap_refused"), at + ".bootstrap_refused");
  if (const json* notes = check.array(FitChecker::member(item, "notes"), at + ".notes",
                                      kMaxSavedReplicates, true)) {
    for (std::size_t i = 0; i < notes->size(); ++i) {
      if ((*notes)[i].is_string())
        fit.notes.push_back((*notes)[i].get<std::string>());
      else
        check.problem(at + ".notes[" + std::to_string(i) + "]",
                      "must be a text, got " + shown((*notes)[i]));
    }
  }
  if (check.problem_count() != before)
    return std::nullopt;
  return fit;
}

// The conversion of the runs' losses, where there was one, goes with the data it applied to.
nlohmann::ordered_json data_json(const FitDataSummary& data) {
  nlohmann::ordered_json json = {
      {"source", data.source}, {"points", data.points}, {"left_out", data.left_out}};
  if (data.conversion) {
    json["loss_conversion"] = {
        {"to", to_string(data.conversion->target())},
        {"bytes_per_token", data.conversion->bytes_per_token
                                ? nlohmann::ordered_json(*data.conversion->bytes_per_token)
                                : nlohmann::ordered_json(nullptr)}};
  }
  return json;
}

}  // namespace

nlohmann::ordered_json interval_json(const std::optional<Interval>& interval) {
  if (!interval)
    return nullptr;
  return number_pair(interval->lo, interval->hi);
}

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
  return json;
}

nlohmann::ordered_json surfaces_json(const std::vector<SurfaceFit>& fits,
                                     const SurfaceFitOptions& options, const FitDataSummary& data) {
  nlohmann::ordered_json json;
  json["format"] = "moescope-fit";
  json["version"] = kFitFileVersion;
  json["kind"] = "surfaces";
  json["loss_unit"] = to_string(data.loss_unit);
  json["options"] = {
      {"axis", axis_name(options.axis)},
      {"degrees", options.degrees
                      ? nlohmann::ordered_json{options.degrees->size, options.degrees->sparsity,
                                               options.degrees->interaction}
                      : nlohmann::ordered_json(nullptr)},
      {"hierarchical", options.hierarchical},
      {"points_per_coefficient", options.points_per_coefficient},
      {"standard_errors", options.standard_errors},
      {"folds", options.folds},
      {"bootstrap", options.bootstrap_replicates},
      {"bootstrap_fraction", options.bootstrap_fraction},
      {"heldout_fraction", options.heldout_fraction},
      {"seed", options.seed}};
  json["data"] = data_json(data);
  nlohmann::ordered_json surfaces = nlohmann::ordered_json::array();
  for (const SurfaceFit& fit : fits) {
    const SurfaceDegrees& degrees = fit.polynomial.degrees;
    nlohmann::ordered_json item;
    item["budget"] = fit.budget ? nlohmann::ordered_json(*fit.budget) : nullptr;
    item["axis"] = axis_name(fit.axis);
    item["degrees"] = {degrees.size, degrees.sparsity, degrees.interaction};
    item["coefficients"] = polynomial_json(fit.polynomial);
    item["cv_mse"] = number_or_null(fit.cv_mse);
    item["cv_se"] = number_or_null(fit.cv_se);
    item["points"] = fit.points;
    item["range"] = {{"log_size_min", fit.log_size_min},
                     {"log_size_max", fit.log_size_max},
                     {"sparsity_min", fit.sparsity_min},
                     {"sparsity_max", fit.sparsity_max}};
    item["notes"] = fit.notes;
    item["bootstrap_refused"] = fit.bootstrap_refused
                                    ? nlohmann::ordered_json(*fit.bootstrap_refused)
                                    : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json replicates = nlohmann::ordered_json::array();
    for (const SurfacePolynomial& replicate : fit.replicates) {
      replicates.push_back(polynomial_json(replicate));
    }
    item["replicates"] = replicates;
    surfaces.push_back(item);
  }
  json["surfaces"] = surfaces;
  return json;
}

std::string saved_fit_kind(const nlohmann::json& file, const std::string& path) {
  FitChecker check(path);
  const json* format = FitChecker::member(file, "format");
  if (!file.is_object() || format == nullptr || !format->is_string() ||
      format->get<std::string>() != "moescope-fit") {
    throw file_error(path,
                     "not a MoEScope fit (expected \"format\": \"moescope-fit\"; write one "
                     "with moescope fit ... --save)");
  }
  // The number 1 as written by --save: not "1", not 1.0 (a reader of another version could
  // mean something else by either).
  const json* version = FitChecker::member(file, "version");
  if (version == nullptr || !version->is_number_integer() || version->get<std::int64_t>() != 1) {
    check.problem("version", "fit file version " +
                                 (version == nullptr ? std::string("missing") : shown(*version)) +
                                 " is not supported (this MoEScope reads version " +
                                 std::to_string(kFitFileVersion) + ", the number)");
    check.finish();
  }
  const json* kind = FitChecker::member(file, "kind");
  if (kind == nullptr || !kind->is_string() ||
      (kind->get<std::string>() != "law" && kind->get<std::string>() != "surfaces")) {
    check.problem("kind", "must be \"law\" or \"surfaces\", got " +
                              (kind == nullptr ? std::string("nothing") : shown(*kind)));
    check.finish();
  }
  return kind->get<std::string>();
}

LossUnit saved_fit_loss_unit(const nlohmann::json& file, const std::string& path) {
  const json* unit = FitChecker::member(file, "loss_unit");
  if (unit == nullptr)
    return kDefaultLossUnit;  // written before units were recorded
  const std::optional<LossUnit> parsed =
      unit->is_string() ? parse_loss_unit(unit->get<std::string>()) : std::nullopt;
  if (!parsed) {
    FitChecker check(path);
    check.problem("loss_unit",
                  std::string("must be ") + loss_unit_names() + ", got " + shown(*unit));
    check.finish();
  }
  return *parsed;
}

SavedLaw read_saved_law(const nlohmann::json& file, const std::string& path) {
  if (saved_fit_kind(file, path) != "law")
    throw file_error(path, "holds no law fit");
  FitChecker check(path);
  const std::optional<LawForm> form = law_form(check, file);
  check.finish();
  const std::optional<FittedLaw> law =
      law_from(check, *form, FitChecker::member(file, "params"), "params");
  SavedLaw saved{law.value_or(FittedLaw{}), {}, {*form, {}, {}, saved_fit_loss_unit(file, path)}};
  if (const json* replicates = check.array(FitChecker::member(file, "replicates"), "replicates",
                                           kMaxSavedReplicates, true)) {
    for (std::size_t i = 0; i < replicates->size(); ++i) {
      if (auto replicate =
              law_from(check, *form, &(*replicates)[i], "replicates[" + std::to_string(i) + "]"))
        saved.replicates.push_back(std::move(*replicate));
    }
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

std::vector<SurfaceFit> read_saved_surfaces(const nlohmann::json& file, const std::string& path) {
  if (saved_fit_kind(file, path) != "surfaces")
    throw file_error(path, "holds no surface fit");
  FitChecker check(path);
  std::vector<SurfaceFit> fits;
  const json* surfaces =
      check.array(FitChecker::member(file, "surfaces"), "surfaces", kMaxSavedSurfaces, false);
  if (surfaces != nullptr && surfaces->empty())
    check.problem("surfaces", "is empty: a surfaces fit holds at least one surface");
  if (surfaces != nullptr) {
    for (std::size_t i = 0; i < surfaces->size(); ++i) {
      if (auto fit = surface_from(check, (*surfaces)[i], "surfaces[" + std::to_string(i) + "]"))
        fits.push_back(std::move(*fit));
    }
  }
  check.finish();
  return fits;
}

SavedFit read_saved_fit(const std::filesystem::path& path) {
  const nlohmann::json file = read_json_file(path);
  SavedFit saved;
  if (saved_fit_kind(file, path.string()) == "law") {
    saved.kind = SavedFit::Kind::kLaw;
    saved.law = read_saved_law(file, path.string());
  } else {
    saved.kind = SavedFit::Kind::kSurfaces;
    saved.surfaces = read_saved_surfaces(file, path.string());
  }
  saved.loss_unit = saved_fit_loss_unit(file, path.string());
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

}  // namespace moescope

#include "moescope/io/saved_fit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "io/fit_checker.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"
#include "moescope/io/number_range.h"

// The file's kind, loss unit and surfaces; the laws (compiled and defined) are saved_law.cpp's.
namespace moescope {
namespace saved_fit_detail {

InputError file_error(const std::string& path, const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.file = path;
  diagnostic.message = message;
  return InputError(std::move(diagnostic));
}

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

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

nlohmann::ordered_json errors_json(const ErrorMeasures& errors) {
  return {{"points", errors.points},
          {"mse", number_or_null(errors.mse)},
          {"huber", number_or_null(errors.huber)}};
}

nlohmann::ordered_json data_json(const FitDataSummary& data) {
  nlohmann::ordered_json out = {
      {"source", data.source}, {"points", data.points}, {"left_out", data.left_out}};
  if (data.conversion) {
    out["loss_conversion"] = {
        {"to", to_string(data.conversion->target())},
        {"bytes_per_token", data.conversion->bytes_per_token
                                ? nlohmann::ordered_json(*data.conversion->bytes_per_token)
                                : nlohmann::ordered_json(nullptr)}};
  }
  return out;
}

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

double number_or_nan(FitChecker& check, const json* value, const std::string& field,
                     const NumberRange& bounds) {
  if (value == nullptr || value->is_null())
    return std::numeric_limits<double>::quiet_NaN();
  return check.number(value, field, bounds).value_or(std::numeric_limits<double>::quiet_NaN());
}

}  // namespace saved_fit_detail

namespace {

using namespace saved_fit_detail;

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

// ln of a parameter count: up to 1e30 parameters.
constexpr double kMaxLogSize = 70;

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

}  // namespace

nlohmann::ordered_json interval_json(const std::optional<Interval>& interval) {
  if (!interval)
    return nullptr;
  return number_pair(interval->lo, interval->hi);
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

bool is_saved_fit(const nlohmann::json& file) {
  const json* format = file.is_object() ? FitChecker::member(file, "format") : nullptr;
  return format != nullptr && format->is_string() && format->get<std::string>() == "moescope-fit";
}

std::string saved_fit_kind(const nlohmann::json& file, const std::string& path) {
  FitChecker check(path);
  if (!is_saved_fit(file)) {
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

}  // namespace moescope

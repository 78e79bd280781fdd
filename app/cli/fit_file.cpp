#include "fit_file.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "moescope/diagnostic.h"

namespace moescope::cli {
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

LawForm law_form(const nlohmann::json& file, const std::string& path) {
  const std::string form = file.value("form", "");
  if (form == to_string(LawForm::kAbnar))
    return LawForm::kAbnar;
  if (form == to_string(LawForm::kChinchilla))
    return LawForm::kChinchilla;
  throw file_error(path, "unknown law form '" + form + "' (abnar or chinchilla)");
}

FittedLaw law_from(LawForm form, const nlohmann::json& params, const std::string& path) {
  if (!params.is_object())
    throw file_error(path, "law parameters must be an object");
  std::vector<std::pair<std::string, double>> values;
  for (const auto& [name, value] : params.items()) {
    if (!value.is_number())
      throw file_error(path, "parameter " + name + " is not a number");
    values.emplace_back(name, value.get<double>());
  }
  try {
    return FittedLaw::from_parameters(form, values);
  } catch (const std::invalid_argument& error) {
    throw file_error(path, error.what());
  }
}

Interval interval_from(const nlohmann::json& range, const char* key, const std::string& path) {
  const auto found = range.is_object() ? range.find(key) : range.end();
  if (found == range.end() || !found->is_array() || found->size() != 2 ||
      !(*found)[0].is_number() || !(*found)[1].is_number()) {
    throw file_error(path, std::string("data.range.") + key + " must be [lo, hi]");
  }
  return {(*found)[0].get<double>(), (*found)[1].get<double>()};
}

SurfacePolynomial polynomial_from(const SurfaceDegrees& degrees, const nlohmann::json& coefficients,
                                  const std::string& path) {
  SurfacePolynomial polynomial;
  polynomial.degrees = degrees;
  for (const std::string& name : polynomial.coefficient_names()) {
    if (!coefficients.contains(name) || !coefficients[name].is_number()) {
      throw file_error(path, "surface coefficient " + name + " is missing");
    }
    polynomial.coefficients.push_back(coefficients[name].get<double>());
  }
  return polynomial;
}

SurfaceFit surface_from(const nlohmann::json& item, const std::string& path) {
  const auto degrees = item.at("degrees");
  SurfaceFit fit;
  fit.axis = item.value("axis", "N") == "N" ? SizeAxis::kTotal : SizeAxis::kActive;
  SurfaceDegrees chosen{degrees.at(0).get<int>(), degrees.at(1).get<int>(),
                        degrees.at(2).get<int>()};
  fit.polynomial = polynomial_from(chosen, item.at("coefficients"), path);
  fit.cv_mse = item.value("cv_mse", 0.0);
  if (item.contains("budget") && item["budget"].is_number())
    fit.budget = item["budget"].get<double>();
  fit.points = item.value("points", std::size_t{0});
  fit.cv_se = item.value("cv_se", 0.0);
  const auto& range = item.at("range");
  fit.log_size_min = range.at("log_size_min").get<double>();
  fit.log_size_max = range.at("log_size_max").get<double>();
  // Files written before sparsity_min was saved: take the range down to dense, which never
  // makes a fit look like one of a single sparsity level that it was not.
  fit.sparsity_min = range.value("sparsity_min", 0.0);
  fit.sparsity_max = range.at("sparsity_max").get<double>();
  for (const auto& replicate : item.value("replicates", nlohmann::json::array())) {
    fit.replicates.push_back(polynomial_from(chosen, replicate, path));
  }
  if (const auto refused = item.find("bootstrap_refused");
      refused != item.end() && refused->is_string())
    fit.bootstrap_refused = refused->get<std::string>();
  for (const auto& note : item.value("notes", nlohmann::json::array()))
    fit.notes.push_back(note.get<std::string>());
  return fit;
}

}  // namespace

nlohmann::ordered_json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json interval_json(const std::optional<Interval>& interval) {
  if (!interval)
    return nullptr;
  return nlohmann::ordered_json::array({interval->lo, interval->hi});
}

nlohmann::ordered_json law_json(const RunLawFit& fitted, const DataSummary& data) {
  const LawFitSummary& summary = fitted.summary;
  const LawFitOptions& options = fitted.options;
  const LawScope& scope = fitted.scope;
  nlohmann::ordered_json json;
  json["format"] = "moescope-fit";
  json["version"] = kFitFileVersion;
  json["kind"] = "law";
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
  json["data"] = {{"source", data.source}, {"points", data.points}, {"left_out", data.left_out}};
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
                                     const SurfaceFitOptions& options, const DataSummary& data) {
  nlohmann::ordered_json json;
  json["format"] = "moescope-fit";
  json["version"] = kFitFileVersion;
  json["kind"] = "surfaces";
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
  json["data"] = {{"source", data.source}, {"points", data.points}, {"left_out", data.left_out}};
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
  if (!file.is_object() || file.value("format", "") != "moescope-fit") {
    throw file_error(path,
                     "not a MoEScope fit (expected \"format\": \"moescope-fit\"; write one "
                     "with moescope fit ... --save)");
  }
  if (file.value("version", 0) != kFitFileVersion) {
    throw file_error(path, "fit file version " + file.value("version", nlohmann::json()).dump() +
                               " is not supported (this MoEScope reads version 1)");
  }
  return file.value("kind", "");
}

SavedLaw read_saved_law(const nlohmann::json& file, const std::string& path) {
  if (saved_fit_kind(file, path) != "law")
    throw file_error(path, "holds no law fit");
  const LawForm form = law_form(file, path);
  SavedLaw saved{law_from(form, file.value("params", nlohmann::json()), path), {}, {form, {}, {}}};
  for (const auto& replicate : file.value("replicates", nlohmann::json::array())) {
    saved.replicates.push_back(law_from(form, replicate, path));
  }
  if (const auto sparsity = file.find("law_sparsity");
      sparsity != file.end() && !sparsity->is_null()) {
    if (!sparsity->is_number() || !(sparsity->get<double>() >= 0 && sparsity->get<double>() < 1))
      throw file_error(path, "law_sparsity must be a number in [0, 1) or null");
    saved.scope.sparsity = sparsity->get<double>();
  }
  const nlohmann::json data = file.value("data", nlohmann::json::object());
  if (data.is_object() && data.contains("range")) {
    const nlohmann::json& range = data["range"];
    saved.scope.range = DataRange{interval_from(range, "C", path), interval_from(range, "N", path),
                                  interval_from(range, "S", path)};
  }
  return saved;
}

std::vector<SurfaceFit> read_saved_surfaces(const nlohmann::json& file, const std::string& path) {
  if (saved_fit_kind(file, path) != "surfaces")
    throw file_error(path, "holds no surface fit");
  std::vector<SurfaceFit> fits;
  try {
    for (const auto& item : file.at("surfaces"))
      fits.push_back(surface_from(item, path));
  } catch (const nlohmann::json::exception& error) {
    throw file_error(path, std::string("malformed surface: ") + error.what());
  }
  return fits;
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw file_error(path.string(), "cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw file_error(path.string(), std::string("not valid JSON: ") + error.what());
  }
}

void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& json) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json.dump(2) << '\n';
    if (!out)
      throw std::runtime_error("cannot write " + path.string());
  }
  std::filesystem::rename(temporary, path);
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

}  // namespace moescope::cli

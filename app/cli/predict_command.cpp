// moescope predict: the loss a saved fit expects for each row of a file, in row order.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "defined_law.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/run_table.h"
#include "moescope/io/saved_fit.h"
#include "moescope/law/law_rows.h"
#include "moescope/run/run_variables.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

// Rows are named by position: line numbers are not kept once a file is read.
InputError row_error(const std::string& file, std::size_t row, const Run& run,
                     const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.file = file;
  diagnostic.message = "row " + std::to_string(row + 1) +
                       (run.name.empty() ? "" : " (" + run.name + ")") + ": " + message;
  return InputError(std::move(diagnostic));
}

struct PredictArguments {
  std::string fit_file;
  std::string data_file;
  std::string mapping;
  // Rows are answered by their position in the file, so none is chosen (--where) or reduced
  // (--best-of) here; other columns may be ignored.
  bool ignore_unknown = false;
  // NAME=VALUE: a user-defined law's variables given for every row (--at U=1e9).
  std::vector<std::string> at;
  bool json = false;
};

struct Prediction {
  double loss = 0;
  std::optional<Interval> interval;
};

// A prediction is a finite loss, with finite bounds where it has an interval: a fit within its
// file's bounds (fit_file.h) may still overflow far outside its data, and an answer of null, or
// of a loss beside infinite bounds, would read as a result.
Prediction checked(const Prediction& prediction, const std::string& file, std::size_t row,
                   const Run& run) {
  if (!std::isfinite(prediction.loss)) {
    throw row_error(file, row, run,
                    "the fit gives no finite loss here (" + brief(prediction.loss) +
                        "): the row lies too far outside what the fit describes");
  }
  if (prediction.interval &&
      !(std::isfinite(prediction.interval->lo) && std::isfinite(prediction.interval->hi))) {
    throw row_error(file, row, run,
                    "the fit's replicates give no finite interval here: the row lies too far "
                    "outside what the fit describes");
  }
  return prediction;
}

std::vector<Prediction> predict_law(const SavedLaw& saved, const std::vector<Run>& runs,
                                    const std::string& file) {
  const bool needs_sparsity = saved.law.form == LawForm::kAbnar;
  std::vector<Prediction> predictions;
  for (std::size_t row = 0; row < runs.size(); ++row) {
    const Run& run = runs[row];
    if (!run.total_params || !run.tokens || (needs_sparsity && !run.sparsity)) {
      throw row_error(file, row, run,
                      std::string("the law needs N, D") + (needs_sparsity ? " and S" : "") +
                          " (give them, or an architecture with D or C)");
    }
    ScalingPoint point;
    point.total_params = *run.total_params;
    point.active_params = run.active_params.value_or(*run.total_params);
    point.tokens = *run.tokens;
    point.sparsity = run.sparsity.value_or(0.0);
    // A Chinchilla-form law fitted to one sparsity level says nothing of another.
    if (const auto& level = saved.scope.sparsity;
        level && run.sparsity && std::abs(*run.sparsity - *level) > 1e-9) {
      throw row_error(file, row, run,
                      "S = " + brief(*run.sparsity) +
                          ", but the law was fitted to runs at S = " + brief(*level) + " only");
    }
    predictions.push_back(checked(
        {saved.law.loss(point), replicate_interval(saved.replicates, point)}, file, row, run));
  }
  return predictions;
}

// A user-defined law: each variable from --at where given, else from the row (run_variable).
std::vector<Prediction> predict_defined_law(const SavedDefinedLaw& saved,
                                            const std::vector<std::pair<std::string, double>>& at,
                                            const std::vector<Run>& runs, const std::string& file) {
  const std::vector<std::string>& variables = saved.law.variables();
  for (const auto& [name, value] : at) {
    if (std::find(variables.begin(), variables.end(), name) == variables.end()) {
      std::string names;
      for (const std::string& variable : variables)
        names += (names.empty() ? "" : ", ") + variable;
      throw InputError(Diagnostic{{"", 0, "--at", ""},
                                  name + " is no variable of the law '" + saved.law.name() + "' (" +
                                      (names.empty() ? "none" : names) + ")"});
    }
  }
  std::vector<Prediction> predictions;
  std::vector<double> values(variables.size());
  for (std::size_t row = 0; row < runs.size(); ++row) {
    const Run& run = runs[row];
    for (std::size_t v = 0; v < variables.size(); ++v) {
      const auto given = std::find_if(
          at.begin(), at.end(), [&](const auto& entry) { return entry.first == variables[v]; });
      const std::optional<double> value = given != at.end() ? std::optional<double>(given->second)
                                                            : run_variable(run, variables[v]);
      if (!value || !std::isfinite(*value)) {
        const std::string_view meaning = law::variable_meaning(variables[v]);
        throw row_error(file, row, run,
                        "the law needs " + variables[v] +
                            (meaning.empty() ? "" : " (" + std::string(meaning) + ")") +
                            ": give a " + law::variable_column(variables[v]) + " column, --map " +
                            variables[v] + "=COLUMN or --at " + variables[v] + "=VALUE");
      }
      values[v] = *value;
    }
    predictions.push_back(checked({saved.loss(values), saved.interval(values)}, file, row, run));
  }
  return predictions;
}

const SurfaceFit& surface_for(const std::vector<SurfaceFit>& fits, const Run& run,
                              const std::string& file, std::size_t row) {
  if (fits.size() == 1)
    return fits.front();
  if (!run.compute)
    throw row_error(file, row, run, "several budgets were fitted: give C");
  for (const SurfaceFit& fit : fits) {
    if (fit.budget && std::abs(*fit.budget / *run.compute - 1.0) <= 0.02)
      return fit;
  }
  throw row_error(file, row, run, "no fitted surface at C=" + brief(*run.compute));
}

std::vector<Prediction> predict_surface(const std::vector<SurfaceFit>& fits,
                                        const std::vector<Run>& runs, const std::string& file) {
  std::vector<Prediction> predictions;
  for (std::size_t row = 0; row < runs.size(); ++row) {
    const Run& run = runs[row];
    const SurfaceFit& fit = surface_for(fits, run, file, row);
    const auto& size = fit.axis == SizeAxis::kTotal ? run.total_params : run.active_params;
    if (!size || !run.sparsity) {
      throw row_error(file, row, run,
                      fit.axis == SizeAxis::kTotal
                          ? "the surface (fitted on N) needs N and S"
                          : "the surface (fitted on N_active) needs N_active and S (give them, "
                            "or an architecture)");
    }
    // A surface fitted at one sparsity level is flat in S: its value elsewhere is no prediction.
    if (fit.single_sparsity_level() && std::abs(*run.sparsity - fit.sparsity_max) > 1e-9) {
      throw row_error(
          file, row, run,
          "the surface was fitted at one sparsity level, S = " + brief(fit.sparsity_max) +
              ", and says nothing about S = " + brief(*run.sparsity));
    }
    Prediction prediction{fit.loss(*size, *run.sparsity), std::nullopt};
    if (!fit.replicates.empty())
      prediction.interval = fit.band(*size, *run.sparsity);
    predictions.push_back(checked(prediction, file, row, run));
  }
  return predictions;
}

void run_predict(const PredictArguments& args) {
  const nlohmann::json fit = read_json_file(args.fit_file);
  const std::string kind = saved_fit_kind(fit, args.fit_file);
  std::optional<SavedDefinedLaw> defined;
  if (kind == "law" && is_defined_law_fit(fit))
    defined = read_saved_defined_law(std::filesystem::path(args.fit_file));
  const auto at = parse_at(args.at);
  if (!at.empty() && !defined) {
    throw InputError(Diagnostic{{"", 0, "--at", ""},
                                "--at gives a user-defined law's variables; " + args.fit_file +
                                    " holds a compiled form, whose variables come from the rows"});
  }
  ReadOptions options;
  options.mapping = ColumnMapping::parse(
      args.mapping, defined ? law_extras(defined->law) : std::vector<std::string>{});
  options.ignore_unknown_columns = args.ignore_unknown;
  // Rows are never merged: one prediction per row, repeated rows included.
  const std::vector<Run> runs = read_data(args.data_file, options).runs;
  const std::string unit(to_string(saved_fit_loss_unit(fit, args.fit_file)));
  std::optional<SavedLaw> law;
  if (kind == "law" && !defined)
    law = read_saved_law(fit, args.fit_file);
  const std::vector<Prediction> predictions =
      defined ? predict_defined_law(*defined, at, runs, args.data_file)
      : law   ? predict_law(*law, runs, args.data_file)
              : predict_surface(read_saved_surfaces(fit, args.fit_file), runs, args.data_file);
  if (args.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Prediction& prediction : predictions) {
      nlohmann::ordered_json item{{"loss", number_or_null(prediction.loss)}};
      if (prediction.interval) {
        item["lo"] = number_or_null(prediction.interval->lo);
        item["hi"] = number_or_null(prediction.interval->hi);
      }
      list.push_back(item);
    }
    nlohmann::ordered_json out{{"kind", kind}, {"loss_unit", unit}};
    if (law)
      out["form"] = to_string(law->law.form);
    if (defined)
      out["law"] = defined->law.name();
    out["predictions"] = list;
    std::cout << out.dump(2) << '\n';
    return;
  }
  TextTable table({"row", "name", "loss (" + unit + ")", "95% interval"});
  for (std::size_t row = 0; row < predictions.size(); ++row) {
    const auto& interval = predictions[row].interval;
    table.add_row({std::to_string(row + 1), runs[row].name, brief(predictions[row].loss),
                   interval ? brief(interval->lo) + " .. " + brief(interval->hi) : "-"});
  }
  table.print(std::cout);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArguments>();
  CLI::App* command =
      app.add_subcommand("predict", "Predict the loss of each row of a file with a saved fit");
  command->add_option("--fit,--law", args->fit_file, "FIT.json from `moescope fit ... --save`")
      ->required()
      ->check(CLI::ExistingFile);
  command
      ->add_option("--data", args->data_file,
                   "Configurations, a CSV or JSON file, or the runs of a data set built in: " +
                       embedded_data_help())
      ->required()
      ->check(data_argument());
  command->add_option("--map", args->mapping, "Column mapping, as for import");
  command->add_flag("--ignore-unknown", args->ignore_unknown,
                    "Read the known columns and ignore the others, as for import");
  command
      ->add_option("--at", args->at,
                   "NAME=VALUE,...: a user-defined law's variable for every row (e.g. U=1e9), "
                   "where the file "
                   "has no column for it or to override it (repeatable)")
      ->allow_extra_args(false)
      ->check(name_value_list());
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_predict(*args); });
}

}  // namespace moescope::cli

#include "data_source.h"

#include <iostream>
#include <sstream>

#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"
#include "moescope/run/best_of.h"
#include "moescope/run/run_filter.h"
#include "moescope/store/run_store.h"

namespace moescope::cli {
namespace {

const CLI::Validator kLossUnitName(
    [](std::string& name) {
      return parse_loss_unit(name)
                 ? std::string()
                 : "unknown loss unit '" + name + "'; expected " + std::string(loss_unit_names());
    },
    "UNIT");

const CLI::Validator kNonEmptyPath(
    [](std::string& path) { return path.empty() ? std::string("the path is empty") : ""; }, "PATH");

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : ",") + name;
  return text;
}

}  // namespace

CLI::Validator data_argument() {
  return CLI::Validator(
      [](std::string& data) {
        if (app::embedded_data(data) != nullptr)
          return std::string();
        std::string problem = CLI::ExistingFile(data);
        if (!problem.empty()) {
          std::string keys;
          for (const app::EmbeddedData& set : app::embedded_data())
            keys += (keys.empty() ? "" : ", ") + std::string(set.key);
          problem += ", nor a data set built in (" + keys + ")";
        }
        return problem;
      },
      "FILE|KEY");
}

ReadResult read_data(const std::string& data, const ReadOptions& options) {
  if (const app::EmbeddedData* embedded = app::embedded_data(data))
    return app::read_embedded(*embedded, options);
  return read_runs(data, options);
}

std::string embedded_data_help() {
  return app::describe_embedded_data() + "; ./NAME reads a file of that name";
}

void report_left_out(const std::vector<std::string>& left_out) {
  constexpr std::size_t kListed = 5;
  if (left_out.empty())
    return;
  std::cerr << "note: " << left_out.size() << " run" << (left_out.size() == 1 ? "" : "s")
            << " left out of the fit:\n";
  for (std::size_t i = 0; i < left_out.size() && i < kListed; ++i) {
    std::cerr << "  " << left_out[i] << '\n';
  }
  if (left_out.size() > kListed)
    std::cerr << "  ... and " << left_out.size() - kListed << " more\n";
}

void add_store_option(CLI::App& command, std::string& store) {
  command
      .add_option("--store", store,
                  "Run store (SQLite); default $MOESCOPE_STORE or "
                  "~/.local/share/moescope/runs.sqlite")
      ->check(kNonEmptyPath);
}

std::string resolve_store_path(const std::string& store) {
  return store.empty() ? RunStore::default_path().string() : store;
}

void ReadSettings::add_options(CLI::App& command, CLI::Option* file_option) {
  auto* map = command.add_option(
      "--map", mapping,
      "Column mapping FIELD=COLUMN[*SCALE],...; COLUMN= leaves a column out; e.g. "
      "\"N=Model Size,D=tokens*1e9,x=\"");
  command.add_option("--where", where,
                     "Only the rows (runs) matching EXPR, e.g. 'label == \"A\" && C <= 1e21': "
                     "fields, and any column of a file");
  // One argument per --best-of, split here: a list option would take a FILE after it as a name.
  command.add_option_function<std::string>(
      "--best-of",
      [this](const std::string& names) {
        std::stringstream list(names);
        for (std::string name; std::getline(list, name, ',');)
          best_of.push_back(name);
      },
      "Keep the lowest loss of each group of runs alike in all but these fields or columns, "
      "e.g. lr,seed");
  auto* ignore = command.add_flag("--ignore-unknown", ignore_unknown,
                                  "Read the known columns of a file and ignore the others");
  auto* unit = command.add_option_function<std::string>(
      "--loss-unit", [this](const std::string& name) { loss_unit = parse_loss_unit(name); },
      "Unit of the file's losses where a row has no loss_unit: nats/token (the default), "
      "bits/token, nats/byte or bits/byte");
  unit->check(kLossUnitName);
  if (file_option != nullptr) {
    map->needs(file_option);
    ignore->needs(file_option);
    unit->needs(file_option);
  }
}

ReadOptions ReadSettings::options() const {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(mapping, extra_fields);
  if (!where.empty())
    options.where = RunFilter::parse(where, RunFilter::Scope::kFileColumns, "--where");
  options.best_of = best_of;
  options.ignore_unknown_columns = ignore_unknown;
  options.loss_unit = loss_unit;
  return options;
}

std::vector<Run> ReadSettings::curate(std::vector<Run> runs) const {
  if (!where.empty()) {
    const RunFilter rule = RunFilter::parse(where, RunFilter::Scope::kRunFields, "--where");
    const std::size_t before = runs.size();
    std::erase_if(runs, [&rule](const Run& run) { return !rule.matches(run); });
    if (runs.empty()) {
      throw InputError(Diagnostic{
          {"", 0, "--where", ""},
          "none of the " + std::to_string(before) + " runs matches '" + rule.text() + "'"});
    }
  }
  if (!best_of.empty()) {
    const std::vector<std::string> columns = best_of_columns(best_of);
    if (!columns.empty()) {
      throw InputError(
          Diagnostic{{"", 0, "--best-of", ""},
                     "'" + columns.front() + "' is no field, and only a file has other columns"});
    }
    runs = keep_best_of(runs, best_of);
  }
  return runs;
}

std::string ReadSettings::describe() const {
  std::string parts;
  if (!where.empty())
    parts += "where " + where;
  if (!best_of.empty())
    parts += std::string(parts.empty() ? "" : "; ") + "best of " + joined(best_of);
  return parts.empty() ? "" : " (" + parts + ")";
}

void DataSource::add_options(CLI::App& command) {
  auto* data =
      command
          .add_option("--data", data_file,
                      "Runs from a CSV or JSON file, or a data set built in (without "
                      "--data or --store: " +
                          std::string(app::default_data().key) + "): " + embedded_data_help())
          ->check(data_argument());
  command.add_option("--store", store, "Runs from a store instead")
      ->check(kNonEmptyPath)
      ->excludes(data);
  read.add_options(command, data);
  command
      .add_option_function<std::string>(
          "--convert-loss",
          [this](const std::string& name) { conversion.to = parse_loss_unit(name); },
          "Convert every loss to UNIT before fitting (nats/token, bits/token, nats/byte, "
          "bits/byte); between per-token and per-byte units it needs --bytes-per-token")
      ->check(kLossUnitName);
  command
      .add_option_function<double>(
          "--bytes-per-token", [this](double bytes) { conversion.bytes_per_token = bytes; },
          "Bytes of text per token of the per-token losses' tokenizer: converts losses per byte "
          "to per token (nats/token = X * nats/byte), or as --convert-loss says")
      ->check(CLI::PositiveNumber);
}

std::vector<Run> DataSource::load() const {
  std::vector<Run> runs;
  if (!data_file.empty())
    runs = read_data(data_file, read.options()).runs;
  else if (!store.empty())
    runs = read.curate(RunStore::open_read_only(store).runs());
  else
    runs = read.curate(app::read_embedded(app::default_data()).runs);
  return convert_losses(std::move(runs), conversion);
}

std::optional<LossConversion> DataSource::conversion_applied() const {
  return conversion.converts() ? std::optional<LossConversion>(conversion) : std::nullopt;
}

std::vector<Run> DataSource::load_usable(FitInput input) const {
  std::vector<Run> runs = load();
  if (const std::string why = no_usable_runs_message(runs, input); !why.empty())
    throw FitRefused(RefusalReason::kTooFewPoints, why + " (" + describe() + ")");
  return runs;
}

std::string DataSource::describe() const {
  std::string converted;
  if (conversion.converts()) {
    converted = " (losses converted to " + std::string(to_string(conversion.target())) +
                (conversion.bytes_per_token
                     ? " at " + format_number(*conversion.bytes_per_token) + " bytes per token"
                     : std::string()) +
                ")";
  }
  if (const app::EmbeddedData* set = embedded())
    return std::string(set->name) + read.describe() + converted;
  if (!data_file.empty())
    return data_file + read.describe() + converted;
  return "store " + store + read.describe() + converted;
}

const app::EmbeddedData* DataSource::embedded() const {
  if (data_file.empty() && store.empty())
    return &app::default_data();
  return app::embedded_data(data_file);
}

}  // namespace moescope::cli

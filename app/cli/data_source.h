#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "default_data.h"
#include "moescope/fit/usable_runs.h"
#include "moescope/io/run_table.h"
#include "moescope/run/loss_units.h"
#include "moescope/run/run.h"

namespace moescope::cli {

// How a runs file is read, the options `import` and every --data reader share:
//   --map FIELD=COLUMN[*SCALE],...   which column holds which field (COLUMN= leaves one out);
//   --where EXPR                     only the rows matching EXPR (the run filter's syntax, on
//                                    fields and on any column of the file);
//   --best-of COLS                   the lowest-loss row of each group alike in all but COLS;
//   --ignore-unknown                 read the known columns, accepting the others unread;
//   --loss-unit UNIT                 the unit of the file's losses where a row does not say.
struct ReadSettings {
  std::string mapping;
  std::string where;
  std::vector<std::string> best_of;
  bool ignore_unknown = false;
  std::optional<LossUnit> loss_unit;
  // Names of extra numbers to read from a file besides the fields (ColumnMapping::parse's
  // extra_names): set by the command, not an option; see DataSource::allow_extra_fields().
  std::vector<std::string> extra_fields;

  // `file_option` (--data) is what --map, --ignore-unknown and --loss-unit need, where they are
  // optional;
  // --where and --best-of apply to a store too.
  void add_options(CLI::App& command, CLI::Option* file_option);
  // Throws InputError for a bad mapping or rule, or a bad name in extra_fields.
  ReadOptions options() const;
  // The runs of a store or of the embedded data with --where and --best-of applied (fields
  // only: these sources have no other columns). Throws InputError when no run matches the rule,
  // for a --best-of name that is no field.
  std::vector<Run> curate(std::vector<Run> runs) const;
  // "" without curation, else e.g. " (where label == \"A\"; best of lr)".
  std::string describe() const;
};

// --data's argument: the key of a data set built into the binary (app/default_data.h: study,
// synthetic), or a file that exists. Only the bare key names a set: `./synthetic` is a file.
CLI::Validator data_argument();
// The runs of --data's argument: an embedded set, read as a file of its format is, or a file.
ReadResult read_data(const std::string& data, const ReadOptions& options);
// "study (...) or synthetic (...); ./NAME reads a file of that name": the embedded sets, for
// help texts.
std::string embedded_data_help();

// Where a command takes its runs from: --data (a data file with the read settings above, or an
// embedded data set by name), a store, or, when neither is given, the embedded default data set,
// MoEScope's own study. A store must exist: reading never creates one. Every loss is then
// converted where the user says how (--bytes-per-token X, --convert-loss UNIT; loss_units.h), so
// that runs in several units can be fitted together.
struct DataSource {
  std::string data_file;  // a file, or an embedded set's key (data_argument())
  std::string store;
  ReadSettings read;
  LossConversion conversion;

  void add_options(CLI::App& command);
  // Before load(): the names of extra numbers the command reads besides the run's fields (the
  // variables of a user-defined law, run_variables.h), each then a field --map may name
  // (--map "epochs_seen=Epochs*1") and, unmapped, read from a --data file's column of that name
  // where it has one; a run keeps them in Run::extras. Names that are fields or run variables
  // (N, D, U, ...) are skipped. A store's and an embedded set's runs keep the extras they were
  // stored with. load() throws InputError for a name that cannot be an extra's
  // (extra_name_problem()) or for more than kMaxRunExtras.
  void allow_extra_fields(std::vector<std::string> names) { read.extra_fields = std::move(names); }
  // The runs, their losses converted as `conversion` says. Throws InputError for a conversion
  // that needs --bytes-per-token.
  std::vector<Run> load() const;
  // The conversion, where one was asked for: for the saved fit.
  std::optional<LossConversion> conversion_applied() const;
  // load() for a fit: throws FitRefused (kTooFewPoints) when no run can feed `input`, saying which
  // field is missing on how many runs ("none of the 245 runs can be fitted: 245 have no N").
  std::vector<Run> load_usable(FitInput input) const;
  // "runs.csv", "store runs.sqlite", "datasets/moe-study/runs.json (embedded)", with the
  // curation and conversion.
  std::string describe() const;
  // The embedded set read, where one is (--data KEY, or neither --data nor --store); else nullptr.
  const app::EmbeddedData* embedded() const;
};

// Tells the user, on stderr, which runs a fit could not use and why (the first few of them).
void report_left_out(const std::vector<std::string>& left_out);

// The --store option shared by the commands that read or write a store; empty means the default
// path, and an empty PATH given explicitly (--store "") is refused as a usage error.
void add_store_option(CLI::App& command, std::string& store);
std::string resolve_store_path(const std::string& store);

}  // namespace moescope::cli

#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/run/run.h"
#include "moescope/run/run_filter.h"

namespace moescope {

// Reading and writing runs as CSV or JSON files.
//
// CSV: one run per row, a header naming columns (canonical names, or any names with a
// ColumnMapping). loss_unit is nats/token, bits/token, nats/byte or bits/byte; exports always
// write it. Lists are cells holding compact JSON: loss_curve is [[step,tokens,loss],...],
// downstream is [{"task":..,"kind":..,"value":..},...]. derived is "N;C".
// JSON: {"format":"moescope-runs","version":1,"runs":[{...},...]} or a bare array of run objects,
// keys as the CSV columns.
enum class TableFormat { kCsv, kJson };

struct ReadOptions {
  ColumnMapping mapping;
  // Only the rows this rule (RunFilter::Scope::kFileColumns) matches, judged on the run after
  // mapping, scaling and derivation and on the row's other columns. Rows it leaves out are not
  // checked; a row whose unreadable field the rule reads is. No row matching is an error.
  std::optional<RunFilter> where;
  // Of each group of rows alike in all but these (keep_best_of(), best_of.h), the lowest loss:
  // identifying fields such as lr, or columns of the file that are no field, such as a seed.
  std::vector<std::string> best_of;
  // A column (a JSON key) that maps to no field is an error listing them all, unless the mapping
  // leaves it out (NAME=), the rule or best_of reads it, or this is set.
  bool ignore_unknown_columns = false;
  // The unit of the file's losses, for rows that do not say (no loss_unit column, or an empty
  // cell); nullopt: kDefaultLossUnit, nats/token. A row whose loss_unit says another unit is an
  // error, since the file would then hold two units where the user said one.
  std::optional<LossUnit> loss_unit;
};

struct ReadResult {
  // Validated, derived, with ids; in file order. One run per row kept: rows that hold the same
  // run are never merged, each gets an id of its own (content_identity's occurrence).
  std::vector<Run> runs;
  // Notes on rows that repeat an earlier row of the same file, each still a run of its own.
  std::vector<Diagnostic> duplicates;
  std::size_t rows = 0;          // rows (records) in the file
  std::size_t rows_matched = 0;  // of those, the rows `where` kept (all without a rule)
  // Of the runs, those whose loss unit is kDefaultLossUnit because neither their row nor
  // ReadOptions::loss_unit said one: what an import tells the user it assumed.
  std::size_t runs_of_assumed_unit = 0;
};

// Picks the format from the extension (.csv, .json); throws InputError for anything else.
TableFormat format_for(const std::filesystem::path& file);

// Reads and checks every row before returning anything: all-or-nothing. Throws InputError with
// every problem found, each naming the file, line (header = line 1) and field: besides the
// values check_run() refuses, columns that map to no field, a row that gives nothing any fit can
// use (no N, N_a, D or C, nor an architecture), and two rows with one given id.
ReadResult read_runs(const std::filesystem::path& file, const ReadOptions& options = {});
ReadResult read_runs(std::string_view text, TableFormat format, const std::string& display_name,
                     const ReadOptions& options = {});

// Exact round trip: read_runs(write_runs(runs)) gives back equal runs.
std::string format_runs(const std::vector<Run>& runs, TableFormat format);
// Writes through a temporary file (FILE.tmp) and a rename, so a crash never leaves half a file.
// Throws InputError for an unknown extension, std::runtime_error naming the path when the file
// cannot be written.
void write_runs(const std::filesystem::path& file, const std::vector<Run>& runs);

}  // namespace moescope

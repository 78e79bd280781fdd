#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/column_mapping.h"
#include "moescope/diagnostic.h"
#include "moescope/run.h"

namespace moescope {

// Reading and writing runs as CSV or JSON files.
//
// CSV: one run per row, a header naming columns (canonical names, or any names with a
// ColumnMapping). Lists are cells holding compact JSON: loss_curve is [[step,tokens,loss],...],
// downstream is [{"task":..,"kind":..,"value":..},...]. derived is "N;C".
// JSON: {"format":"moescope-runs","version":1,"runs":[{...},...]} or a bare array of run objects,
// keys as the CSV columns.
enum class TableFormat { kCsv, kJson };

struct ReadOptions {
  ColumnMapping mapping;
  // Default false: a row that repeats an earlier one is read once (an import must not double a
  // run). True keeps one run per row, for callers that answer row by row (moescope predict).
  bool keep_duplicates = false;
};

struct ReadResult {
  std::vector<Run> runs;               // validated, derived, with ids; in file order
  std::vector<Diagnostic> duplicates;  // rows that repeat an earlier row of the same file
};

// Picks the format from the extension (.csv, .json); throws InputError for anything else.
TableFormat format_for(const std::filesystem::path& file);

// Reads and checks every row before returning anything: all-or-nothing. Throws InputError with
// every problem found, each naming the file, line (header = line 1) and field.
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

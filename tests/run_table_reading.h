#pragma once

// What the run table's tests share (run_table_test, run_table_bad_input_test,
// run_table_export_test): a table read from text under a file name of its own, with a mapping, and
// the diagnostics of one that is refused.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"

namespace moescope::testing_support {

inline constexpr char kCsvName[] = "runs.csv";
inline constexpr char kJsonName[] = "runs.json";

inline constexpr TableFormat kCsv = TableFormat::kCsv;
inline constexpr TableFormat kJson = TableFormat::kJson;

inline ReadOptions with_mapping(const std::string& spec) {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(spec);
  return options;
}

inline ReadResult read_csv(std::string_view text, const std::string& mapping = "") {
  return read_runs(text, TableFormat::kCsv, kCsvName, with_mapping(mapping));
}

inline ReadResult read_json(std::string_view text, const std::string& mapping = "") {
  return read_runs(text, TableFormat::kJson, kJsonName, with_mapping(mapping));
}

// The diagnostics read_runs throws; a failure when it throws none.
inline std::vector<Diagnostic> problems_of(std::string_view text, TableFormat format,
                                           const std::string& mapping = "") {
  const std::string name = format == TableFormat::kCsv ? kCsvName : kJsonName;
  try {
    read_runs(text, format, name, with_mapping(mapping));
  } catch (const InputError& error) {
    return error.diagnostics();
  }
  ADD_FAILURE() << "read_runs accepted:\n" << text;
  return {};
}

}  // namespace moescope::testing_support

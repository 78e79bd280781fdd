#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "moescope/run.h"

namespace moescope::cli {

// Where a command takes its runs from: a data file (with an optional column mapping), a store,
// or, when neither is given, the embedded default data set.
struct DataSource {
  std::string data_file;
  std::string mapping;
  std::string store;

  void add_options(CLI::App& command);
  std::vector<Run> load() const;
  std::string describe() const;
};

// Tells the user, on stderr, which runs a fit could not use and why (the first few of them).
void report_left_out(const std::vector<std::string>& left_out);

// The --store option shared by the commands that write to a store; empty means the default path.
void add_store_option(CLI::App& command, std::string& store);
std::string resolve_store_path(const std::string& store);

}  // namespace moescope::cli

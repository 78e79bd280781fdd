#include "data_source.h"

#include <iostream>

#include "default_data.h"
#include "moescope/run_store.h"
#include "moescope/run_table.h"

namespace moescope::cli {

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
  command.add_option("--store", store,
                     "Run store (SQLite); default $MOESCOPE_STORE or "
                     "~/.local/share/moescope/runs.sqlite");
}

std::string resolve_store_path(const std::string& store) {
  return store.empty() ? RunStore::default_path().string() : store;
}

void DataSource::add_options(CLI::App& command) {
  auto* data = command.add_option("--data", data_file, "Runs from a CSV or JSON file")
                   ->check(CLI::ExistingFile);
  command
      .add_option("--map", mapping, "Column mapping for --data, e.g. \"N=Model Size,loss=loss\"")
      ->needs(data);
  command.add_option("--store", store, "Runs from a store instead")->excludes(data);
}

std::vector<Run> DataSource::load() const {
  if (!data_file.empty()) {
    ReadOptions options;
    options.mapping = ColumnMapping::parse(mapping);
    return read_runs(data_file, options).runs;
  }
  if (!store.empty())
    return RunStore::open(store).runs();
  return read_runs(app::default_data_csv(), TableFormat::kCsv, std::string(app::kDefaultDataName))
      .runs;
}

std::string DataSource::describe() const {
  if (!data_file.empty())
    return data_file;
  if (!store.empty())
    return "store " + store;
  return std::string(app::kDefaultDataName);
}

}  // namespace moescope::cli

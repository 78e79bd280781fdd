// moescope export: writes every run in the store to a CSV or JSON file that imports back exactly.
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "moescope/io/run_table.h"
#include "moescope/store/run_store.h"

namespace moescope::cli {
namespace {

struct ExportArguments {
  std::string file;
  std::string store;
};

void run_export(const ExportArguments& args) {
  format_for(args.file);  // refuse an unknown extension before touching the store
  const std::vector<Run> runs = RunStore::open_read_only(resolve_store_path(args.store)).runs();
  write_runs(args.file, runs);
  std::cout << "exported " << runs.size() << " run" << (runs.size() == 1 ? "" : "s") << " to "
            << args.file << '\n';
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArguments>();
  CLI::App* command = app.add_subcommand("export", "Export the store's runs to CSV or JSON");
  command->add_option("file", args->file, "Output file, .csv or .json")->required();
  add_store_option(*command, args->store);
  command->callback([args] { run_export(*args); });
}

}  // namespace moescope::cli

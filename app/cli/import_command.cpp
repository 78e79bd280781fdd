// moescope import: checks a whole file, then adds its runs to the store in one transaction.
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "moescope/run_store.h"
#include "moescope/run_table.h"

namespace moescope::cli {
namespace {

struct ImportArguments {
  std::string file;
  std::string mapping;
  std::string store;
};

void run_import(const ImportArguments& args) {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(args.mapping);
  // Reading first means a bad file never opens (or creates) the store.
  const ReadResult result = read_runs(args.file, options);
  RunStore store = RunStore::open(resolve_store_path(args.store));
  const InsertSummary summary = store.insert(result.runs);
  for (const Diagnostic& duplicate : result.duplicates) {
    std::cerr << "note: " << duplicate.format() << '\n';
  }
  std::cout << "imported " << summary.inserted << " run" << (summary.inserted == 1 ? "" : "s")
            << " from " << args.file << " into " << store.path().string();
  const std::size_t skipped = summary.duplicate_ids.size() + result.duplicates.size();
  if (skipped > 0)
    std::cout << " (" << skipped << " duplicates skipped)";
  std::cout << '\n';
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArguments>();
  CLI::App* command =
      app.add_subcommand("import", "Import runs from a CSV or JSON file into the store");
  command->add_option("file", args->file, "CSV or JSON file")->required()->check(CLI::ExistingFile);
  command->add_option(
      "--map", args->mapping,
      "Column mapping, FIELD=COLUMN[*SCALE],...; e.g. \"N=Model Size,D=tokens*1e9\"");
  add_store_option(*command, args->store);
  command->callback([args] { run_import(*args); });
}

}  // namespace moescope::cli

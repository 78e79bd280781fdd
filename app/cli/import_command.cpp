// moescope import: checks a whole file, then adds its runs to the store in one transaction.
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "moescope/io/run_table.h"
#include "moescope/store/run_store.h"

namespace moescope::cli {
namespace {

struct ImportArguments {
  std::string file;
  ReadSettings read;
  std::string store;
};

std::string runs_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " run" : " runs");
}

void run_import(const ImportArguments& args) {
  // Reading first means a bad file never opens (or creates) the store.
  const ReadResult result = read_runs(args.file, args.read.options());
  RunStore store = RunStore::open(resolve_store_path(args.store));
  const InsertSummary summary = store.insert(result.runs);
  constexpr std::size_t kListed = 5;
  for (std::size_t i = 0; i < result.duplicates.size() && i < kListed; ++i)
    std::cerr << "note: " << result.duplicates[i].format() << '\n';
  if (result.duplicates.size() > kListed) {
    std::cerr << "note: ... and " << result.duplicates.size() - kListed
              << " more rows that repeat an earlier row, each a run of its own\n";
  }
  std::cout << "imported " << runs_text(static_cast<std::size_t>(summary.inserted)) << " from "
            << args.file << " into " << store.path().string();
  std::string details;
  const auto add = [&details](const std::string& detail) {
    details += (details.empty() ? "" : "; ") + detail;
  };
  if (result.rows_matched < result.rows) {
    add(std::to_string(result.rows - result.rows_matched) + " of " + std::to_string(result.rows) +
        " rows left out by --where");
  }
  if (result.runs.size() < result.rows_matched) {
    add(std::to_string(result.rows_matched) + " rows as the best " + runs_text(result.runs.size()) +
        " by --best-of");
  }
  if (!summary.duplicate_ids.empty())
    add(std::to_string(summary.duplicate_ids.size()) + " already in the store");
  std::cout << (details.empty() ? "" : " (" + details + ")") << '\n';
  // The unit decides which runs a fit may take together, so a default is never taken silently.
  if (result.runs_of_assumed_unit > 0) {
    std::cerr << "note: the losses of " << runs_text(result.runs_of_assumed_unit) << " taken as "
              << to_string(kDefaultLossUnit)
              << ": the file gives no loss_unit. If they are in another unit, remove them "
                 "(moescope runs delete --where 'origin == \""
              << args.file << "\"') and import with --loss-unit UNIT\n";
  }
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArguments>();
  CLI::App* command =
      app.add_subcommand("import", "Import runs from a CSV or JSON file into the store");
  command->add_option("file", args->file, "CSV or JSON file")->required()->check(CLI::ExistingFile);
  args->read.add_options(*command, nullptr);
  add_store_option(*command, args->store);
  command->callback([args] { run_import(*args); });
}

}  // namespace moescope::cli

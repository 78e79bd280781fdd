// moescope runs: lists the store's runs.
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "moescope/run_store.h"
#include "moescope/run_table.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct RunsArguments {
  std::string store;
  bool json = false;
};

void run_runs(const RunsArguments& args) {
  const std::vector<Run> runs = RunStore::open(resolve_store_path(args.store)).runs();
  if (args.json) {
    std::cout << format_runs(runs, TableFormat::kJson);
    return;
  }
  TextTable table({"id", "status", "N", "N_a", "S", "D", "C", "loss", "name"});
  for (const Run& run : runs) {
    table.add_row({run.id, std::string(to_string(run.status)), brief(run.total_params),
                   brief(run.active_params), brief(run.sparsity), brief(run.tokens),
                   brief(run.compute), brief(run.loss), run.name});
  }
  table.print(std::cout);
  std::cout << runs.size() << " run" << (runs.size() == 1 ? "" : "s") << '\n';
}

}  // namespace

void add_runs_command(CLI::App& app) {
  auto args = std::make_shared<RunsArguments>();
  CLI::App* command = app.add_subcommand("runs", "List the runs in the store");
  add_store_option(*command, args->store);
  command->add_flag("--json", args->json, "Print the runs as JSON (the export format)");
  command->callback([args] { run_runs(*args); });
}

}  // namespace moescope::cli

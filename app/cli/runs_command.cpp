// moescope runs: lists the store's runs; moescope runs delete: deletes some of them.
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "moescope/io/run_table.h"
#include "moescope/run/run_filter.h"
#include "moescope/store/run_store.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct RunsArguments {
  std::string store;
  bool json = false;
};

struct DeleteArguments {
  std::vector<std::string> ids;
  std::string where;
  std::string store;
  bool dry_run = false;
};

std::string runs_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " run" : " runs");
}

void print_table(const std::vector<Run>& runs) {
  TextTable table({"id", "status", "N", "N_a", "S", "D", "C", "loss", "unit", "name"});
  for (const Run& run : runs) {
    table.add_row({run.id, std::string(to_string(run.status)), brief(run.total_params),
                   brief(run.active_params), brief(run.sparsity), brief(run.tokens),
                   brief(run.compute), brief(run.loss), std::string(to_string(run.loss_unit)),
                   run.name});
  }
  table.print(std::cout);
}

void run_runs(const RunsArguments& args) {
  const RunStore store = RunStore::open_read_only(resolve_store_path(args.store));
  const StoredRuns stored = store.read();
  if (args.json) {
    std::cout << format_runs(stored.runs, TableFormat::kJson);
  } else {
    print_table(stored.runs);
    std::cout << runs_text(stored.runs.size()) << '\n';
  }
  // The valid runs are listed; the others are named with what is wrong, and the exit status says
  // that the list is not the whole store.
  if (!stored.invalid.empty())
    store.runs();  // throws the StoreError that names them and how to delete them
}

void run_delete(const DeleteArguments& args) {
  if (args.ids.empty() == args.where.empty())
    throw CLI::ValidationError("runs delete", "give the ids of the runs to delete, or --where");
  // Parsed before the store is opened: a bad rule changes nothing.
  const std::optional<RunFilter> rule =
      args.where.empty()
          ? std::nullopt
          : std::optional(RunFilter::parse(args.where, RunFilter::Scope::kRunFields, "--where"));
  // A dry run only reads, so it works on a read-only copy too.
  RunStore store = args.dry_run ? RunStore::open_read_only(resolve_store_path(args.store))
                                : RunStore::open_existing(resolve_store_path(args.store));
  std::vector<Run> chosen;
  if (args.dry_run) {
    for (const Run& run : store.read().runs) {
      if (rule ? rule->matches(run)
               : std::find(args.ids.begin(), args.ids.end(), run.id) != args.ids.end())
        chosen.push_back(run);
    }
  } else {
    chosen = rule ? store.remove_matching(*rule) : store.remove(args.ids);
  }
  if (!chosen.empty())
    print_table(chosen);
  std::cout << (args.dry_run ? "would delete " : "deleted ") << runs_text(chosen.size()) << " from "
            << store.path().string() << '\n';
}

}  // namespace

void add_runs_command(CLI::App& app) {
  auto args = std::make_shared<RunsArguments>();
  CLI::App* command = app.add_subcommand("runs", "List the runs in the store (or delete some)");
  add_store_option(*command, args->store);
  command->add_flag("--json", args->json, "Print the runs as JSON (the export format)");

  auto remove = std::make_shared<DeleteArguments>();
  CLI::App* delete_command = command->add_subcommand(
      "delete", "Delete runs from the store, all in one transaction: by id, or --where EXPR");
  delete_command->add_option("ids", remove->ids, "Ids of the runs to delete");
  delete_command->add_option(
      "--where", remove->where,
      "Delete the runs matching EXPR (the run filter's syntax), e.g. \"S == 0.98 && C < 1e20\"");
  add_store_option(*delete_command, remove->store);
  delete_command->add_flag("--dry-run", remove->dry_run,
                           "List the runs that would be deleted, deleting nothing");
  delete_command->callback([remove] { run_delete(*remove); });
  command->require_subcommand(0, 1);
  command->callback([args, command] {
    if (command->get_subcommands().empty())
      run_runs(*args);
  });
}

}  // namespace moescope::cli

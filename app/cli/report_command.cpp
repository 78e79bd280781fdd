// moescope report: what a data set holds, budget by budget, and which sparsity did best in it.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "budget_options.h"
#include "commands.h"
#include "data_source.h"
#include "moescope/run/loss_units.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct Budget {
  double compute = 0;
  std::vector<const Run*> runs;
};

// The runs with a C and a loss, by budget as the fits group them (budget_binning.h).
std::vector<Budget> group_by_budget(const std::vector<Run>& runs, const BudgetBinning& binning) {
  std::vector<const Run*> usable;
  std::vector<double> compute;
  for (const Run& run : runs) {
    if (run.compute && run.loss) {
      usable.push_back(&run);
      compute.push_back(*run.compute);
    }
  }
  std::vector<Budget> budgets;
  for (const BudgetBin& bin : bin_budgets(compute, binning)) {
    Budget budget{bin.budget, {}};
    for (const std::size_t member : bin.members)
      budget.runs.push_back(usable[member]);
    budgets.push_back(std::move(budget));
  }
  return budgets;
}

const Run* lowest_loss(const std::vector<const Run*>& runs) {
  return *std::min_element(runs.begin(), runs.end(),
                           [](const Run* x, const Run* y) { return *x->loss < *y->loss; });
}

void print_budget_table(const std::vector<Budget>& budgets) {
  TextTable table({"budget C", "runs", "sparsities", "best loss", "S", "N", "N_a", "D"});
  for (const Budget& budget : budgets) {
    std::set<double> sparsities;
    for (const Run* run : budget.runs) {
      if (run->sparsity)
        sparsities.insert(*run->sparsity);
    }
    const Run* best = lowest_loss(budget.runs);
    table.add_row({brief(budget.compute), std::to_string(budget.runs.size()),
                   std::to_string(sparsities.size()), brief(best->loss), brief(best->sparsity),
                   brief(best->total_params), brief(best->active_params), brief(best->tokens)});
  }
  table.print(std::cout);
}

// Lowest loss at each (budget, sparsity): the raw form of the paper's Figure 3c.
void print_sparsity_table(const std::vector<Budget>& budgets) {
  std::set<double> all_sparsities;
  for (const Budget& budget : budgets) {
    for (const Run* run : budget.runs) {
      if (run->sparsity)
        all_sparsities.insert(*run->sparsity);
    }
  }
  if (all_sparsities.size() < 2)
    return;
  std::vector<std::string> header{"budget C \\ S"};
  for (const double s : all_sparsities)
    header.push_back(brief(s));
  TextTable table(header);
  for (const Budget& budget : budgets) {
    std::map<double, double> best;
    for (const Run* run : budget.runs) {
      if (!run->sparsity)
        continue;
      auto [slot, inserted] = best.emplace(*run->sparsity, *run->loss);
      if (!inserted)
        slot->second = std::min(slot->second, *run->loss);
    }
    std::vector<std::string> row{brief(budget.compute)};
    for (const double s : all_sparsities) {
      const auto found = best.find(s);
      row.push_back(found == best.end() ? "-" : brief(found->second));
    }
    table.add_row(row);
  }
  std::cout << "\nLowest observed loss by budget and sparsity:\n";
  table.print(std::cout);
}

// What an embedded set is, and the others --data can name: a report with no data says what it
// read and how to read another.
void print_embedded_note(const app::EmbeddedData& read) {
  std::string others;
  for (const app::EmbeddedData& set : app::embedded_data()) {
    if (&set != &read)
      others += std::string(others.empty() ? "" : ", ") + "--data " + std::string(set.key);
  }
  std::cout << "(" << read.summary << (others.empty() ? "" : "; also built in: " + others) << ")\n";
}

// The losses' unit: the tables' losses are in it (or say, for mixed data, which runs are in which).
void print_loss_units(const std::vector<Run>& runs) {
  const std::vector<LossUnitCount> counts = count_loss_units(runs);
  if (counts.size() == 1)
    std::cout << "Losses in " << to_string(counts.front().unit) << ".\n";
  else if (counts.size() > 1)
    std::cout << "Losses in more than one unit: " << describe_loss_units(counts) << ".\n";
}

struct ReportArguments {
  DataSource source;
  BudgetOptions budgets;
};

void run_report(const ReportArguments& args) {
  const DataSource& source = args.source;
  const std::vector<Run> runs = source.load();
  const BudgetBinning binning = args.budgets.binning();
  const std::vector<Budget> budgets = group_by_budget(runs, binning);
  std::size_t usable = 0;
  for (const Budget& budget : budgets)
    usable += budget.runs.size();
  std::cout << "MoEScope report: " << runs.size() << " runs from " << source.describe() << '\n';
  if (const app::EmbeddedData* embedded = source.embedded())
    print_embedded_note(*embedded);
  print_loss_units(runs);
  if (usable < runs.size()) {
    std::cout << runs.size() - usable << " runs have no compute or no loss and are left out\n";
  }
  if (budgets.empty())
    return;
  std::cout << "\nBest observed run per compute budget (" << binning.describe() << "):\n";
  print_budget_table(budgets);
  print_sparsity_table(budgets);
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArguments>();
  CLI::App* command = app.add_subcommand(
      "report", "Summarise a data set by compute budget (default: the embedded study)");
  args->source.add_options(*command);
  args->budgets.add_options(*command);
  command->callback([args] { run_report(*args); });
}

}  // namespace moescope::cli

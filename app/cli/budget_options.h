#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "moescope/fit/budget_binning.h"

namespace moescope::cli {

// How a command groups runs into compute budgets (budget_binning.h): --budget-tolerance T, runs
// within T of one C (default 0.02), or --budget-bins K, K geometric bins per decade for data whose
// C varies continuously. Shared by `fit surface`, `fit isoflop` and `report`.
struct BudgetOptions {
  std::optional<double> tolerance;
  std::optional<int> bins;

  void add_options(CLI::App& command);
  BudgetBinning binning() const;
};

// A budget a fit could not use, and why.
struct BudgetRefusal {
  std::optional<double> budget;  // empty for the runs without C
  std::size_t points = 0;
  std::string reason;   // to_string(RefusalReason)
  std::string message;  // the refusal's detail
};

// One "refused: C=...: why" line per budget, except that refusals sharing a reason, more than
// three of them, are one line with their count and first budgets; then, when most budgets hold
// too few runs under a tolerance, a note that C may vary continuously and want --budget-bins.
void print_budget_refusals(std::ostream& out, const std::vector<BudgetRefusal>& refusals,
                           const BudgetBinning& binning, std::size_t budgets);

}  // namespace moescope::cli

#include "budget_options.h"

#include <map>

#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {

void BudgetOptions::add_options(CLI::App& command) {
  auto* tolerance_option =
      command
          .add_option("--budget-tolerance", tolerance,
                      "Runs whose C lies within this fraction of one another are one budget "
                      "(default 0.02)")
          ->check(finite_number(kNonNegative));
  command
      .add_option("--budget-bins", bins,
                  "Group C into K bins per decade centred on 10^(i/K), for data whose C varies "
                  "continuously")
      ->check(whole_number(1))
      ->excludes(tolerance_option);
}

BudgetBinning BudgetOptions::binning() const {
  if (bins)
    return BudgetBinning::per_decade(*bins);
  return tolerance ? BudgetBinning::within(*tolerance) : BudgetBinning{};
}

void print_budget_refusals(std::ostream& out, const std::vector<BudgetRefusal>& refusals,
                           const BudgetBinning& binning, std::size_t budgets) {
  constexpr std::size_t kSpelledOut = 3;
  const auto budget_text = [](const BudgetRefusal& refusal) {
    return refusal.budget ? brief(*refusal.budget) : std::string("-");
  };
  std::map<std::string, std::vector<const BudgetRefusal*>> by_reason;
  for (const BudgetRefusal& refusal : refusals)
    by_reason[refusal.reason].push_back(&refusal);
  for (const BudgetRefusal& refusal : refusals) {
    const std::vector<const BudgetRefusal*>& same = by_reason[refusal.reason];
    if (same.size() <= kSpelledOut) {
      out << "refused: C=" << budget_text(refusal) << " (" << refusal.points
          << " runs): " << refusal.message << '\n';
    } else if (same.front() == &refusal) {
      out << "refused: " << same.size() << " budgets (C=";
      for (std::size_t i = 0; i < kSpelledOut; ++i)
        out << (i > 0 ? ", " : "") << budget_text(*same[i]);
      out << ", ...), e.g. C=" << budget_text(refusal) << " (" << refusal.points
          << " runs): " << refusal.message << '\n';
    }
  }
  const auto few = by_reason.find("too few points");
  if (binning.kind == BudgetBinning::Kind::kTolerance && few != by_reason.end() &&
      2 * few->second.size() > budgets) {
    out << "note: " << few->second.size() << " of " << budgets
        << " budgets hold too few runs for a fit: if C varies continuously, group it into bins "
           "with --budget-bins K (K per decade, e.g. 4)\n";
  }
}

}  // namespace moescope::cli

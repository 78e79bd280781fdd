#include "moescope/fit/budget_binning.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "moescope/io/number_format.h"
#include "numerics/median.h"

namespace moescope {

BudgetBinning BudgetBinning::within(double tolerance) {
  BudgetBinning binning;
  binning.tolerance = tolerance;
  return binning;
}

BudgetBinning BudgetBinning::per_decade(int bins) {
  BudgetBinning binning;
  binning.kind = Kind::kBinsPerDecade;
  binning.bins_per_decade = bins;
  return binning;
}

std::vector<std::string> BudgetBinning::validate() const {
  std::vector<std::string> problems;
  if (kind == Kind::kTolerance && !(std::isfinite(tolerance) && tolerance >= 0)) {
    problems.push_back("the budget tolerance must be a finite number >= 0, got " +
                       format_number(tolerance));
  }
  if (kind == Kind::kBinsPerDecade && bins_per_decade < 1) {
    problems.push_back("budget bins per decade must be at least 1, got " +
                       std::to_string(bins_per_decade));
  }
  return problems;
}

std::string BudgetBinning::describe() const {
  if (kind == Kind::kTolerance)
    return "runs within " + format_brief(100 * tolerance) + "% of one C";
  const std::string k = std::to_string(bins_per_decade);
  return k + " bin" + (bins_per_decade == 1 ? "" : "s") + " per decade of C (centres 10^(i/" + k +
         "))";
}

namespace {

// The bin of C: |log10 C - i/K| <= 1/(2K), an edge going to the bin above.
long bin_index(double compute, int bins_per_decade) {
  return std::lround(std::floor(bins_per_decade * std::log10(compute) + 0.5));
}

}  // namespace

bool BudgetBinning::same_budget(double budget, double compute) const {
  if (kind == Kind::kBinsPerDecade)
    return bin_index(budget, bins_per_decade) == bin_index(compute, bins_per_decade);
  return std::abs(compute / budget - 1.0) <= tolerance;
}

std::vector<BudgetBin> bin_budgets(const std::vector<double>& compute,
                                   const BudgetBinning& binning) {
  const std::vector<std::string> problems = binning.validate();
  if (!problems.empty())
    throw std::invalid_argument("bin_budgets: " + problems.front());
  for (const double c : compute) {
    if (!(std::isfinite(c) && c > 0))
      throw std::invalid_argument("bin_budgets: C = " + format_number(c) + " is not a budget");
  }
  std::vector<std::size_t> order(compute.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return compute[x] < compute[y]; });
  std::vector<BudgetBin> bins;
  if (binning.kind == BudgetBinning::Kind::kBinsPerDecade) {
    const double k = binning.bins_per_decade;
    std::map<long, BudgetBin> by_index;
    for (const std::size_t i : order) {
      const long index = bin_index(compute[i], binning.bins_per_decade);
      BudgetBin& bin = by_index[index];
      if (bin.members.empty()) {
        bin.budget = std::pow(10.0, static_cast<double>(index) / k);
        bin.lo = std::pow(10.0, (static_cast<double>(index) - 0.5) / k);
        bin.hi = std::pow(10.0, (static_cast<double>(index) + 0.5) / k);
      }
      bin.members.push_back(i);
    }
    for (auto& [index, bin] : by_index)
      bins.push_back(std::move(bin));
    return bins;
  }
  double group_start = 0;
  for (const std::size_t i : order) {
    if (bins.empty() || compute[i] > group_start * (1.0 + binning.tolerance)) {
      bins.emplace_back();
      group_start = compute[i];
      bins.back().lo = compute[i];
    }
    bins.back().members.push_back(i);
    bins.back().hi = compute[i];
  }
  for (BudgetBin& bin : bins) {
    std::vector<double> budgets;
    for (const std::size_t i : bin.members)
      budgets.push_back(compute[i]);
    bin.budget = numerics::median(std::move(budgets));
  }
  return bins;
}

}  // namespace moescope

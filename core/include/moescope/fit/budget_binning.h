#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace moescope {

// How runs are grouped into compute budgets, for everything that reads data budget by budget:
// IsoFLOP surfaces, the 2-D curves (Approach 2), `moescope report` and the explorer's budget list.
//
// A sweep planned at nominal budgets (3e19, 1e20, ...) gives C values that scatter around each
// by a few per cent once C is derived as 6 N_a D: kTolerance groups them (default 2 %). Data
// whose C varies continuously, such as the points read off Chinchilla's Figure 4, has no nominal
// budgets, and a tolerance would leave a hundred budgets of one to nine runs: kBinsPerDecade
// puts each C in one of K bins per decade of equal width in log C, centred on 10^(i/K), and takes
// the centre as the bin's budget.
struct BudgetBinning {
  enum class Kind { kTolerance, kBinsPerDecade };
  Kind kind = Kind::kTolerance;
  // kTolerance: in increasing C, a group takes runs while their C is within this relative
  // distance of the group's smallest C, so that any two budgets of one group differ by at most
  // that much; the group's budget is its median C. Finite and >= 0.
  double tolerance = 0.02;
  // kBinsPerDecade: K >= 1. Bin i holds C with |log10 C - i/K| <= 1/(2K) (an edge belongs to the
  // bin above it), so K = 4 has bins 0.25 decades wide.
  int bins_per_decade = 0;

  static BudgetBinning within(double tolerance);
  static BudgetBinning per_decade(int bins);

  // Every problem with the settings, worded for a user; empty when they are usable.
  std::vector<std::string> validate() const;
  // Whether `compute` (a budget someone names on a command line or a slider) falls in the budget
  // whose value is `budget` (a BudgetBin's or BudgetGroup's): within `tolerance` of it, or in
  // its bin.
  bool same_budget(double budget, double compute) const;
  // "runs within 2% of one C", "4 bins per decade (centres 10^(i/4))", for notes and JSON.
  std::string describe() const;
};

// One budget: the positions of its C values in the input and where the budget lies.
struct BudgetBin {
  double budget = 0;  // the median C (kTolerance) or the bin's centre (kBinsPerDecade)
  double lo = 0;      // kTolerance: the smallest C; kBinsPerDecade: the bin's lower edge
  double hi = 0;      // kTolerance: the largest C; kBinsPerDecade: the bin's upper edge
  std::vector<std::size_t> members;  // indices into the input, in increasing C (stable)
};

// Groups C values into budgets, in increasing budget. Every value must be finite and > 0 (throws
// std::invalid_argument naming the first that is not, and for settings validate() refuses);
// callers decide what a run without C is.
std::vector<BudgetBin> bin_budgets(const std::vector<double>& compute,
                                   const BudgetBinning& binning = {});

}  // namespace moescope

#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/read_out.h"
#include "moescope/explore/surface_grid.h"

namespace moescope {

struct ExplorerCache;

// A data budget for people to read, as the budget list and the read-out show it: "C ≈ 1e20 (bin
// of 7 runs, 0.866–1.15e20)" for a bin per decade; "C = 1e20 (49 runs)", or with the span of
// their C where it shows in three digits, for runs within a tolerance.
std::string describe_data_budget(const BudgetBin& bin, const BudgetBinning& binning);

// The explorer's model for one ExplorerData: the same read-outs, figures and surfaces as the free
// functions, fast enough for a redraw per slider move. A budget move changes only the current
// budget's curves; the data budgets' curves (Figures 3 and 4), and Figures 5-7, which no slider
// moves, are computed once and kept.
//
// Keeps a reference to `data`, which must outlive the model and not change (make a new model
// after a new fit). Not thread-safe: the caches are filled on first use.
class ExplorerModel {
 public:
  explicit ExplorerModel(const ExplorerData& data);
  ~ExplorerModel();
  ExplorerModel(ExplorerModel&&) noexcept;
  ExplorerModel& operator=(ExplorerModel&&) noexcept;

  const ExplorerData& data() const { return *data_; }
  // The data's budgets as ExplorerData::binning groups them, increasing: each one's budget (the
  // median C of runs within the tolerance, or the bin's centre), its span (their smallest and
  // largest C, or the bin's edges) and its runs (members: indices into data().runs).
  const std::vector<BudgetBin>& data_budget_bins() const;
  // Their budgets alone.
  const std::vector<double>& data_budgets() const;
  // The data budget `budget` falls in (within its tolerance, or in its bin; the nearest where
  // several do), or null between the data's budgets.
  const BudgetBin* data_budget_at(double budget) const;
  // The budgets drawn one curve each: shown_budgets() of the data's (at most kMostShownBudgets).
  const std::vector<double>& shown_budgets() const;
  // The sparsity levels of the runs, increasing and distinct (one for dense data).
  const std::vector<double>& data_sparsities() const;

  // The N of Figure 2a's curves at `state`: state.slice_total_params where given; else up to
  // kMostSliceSizes distinct N of the runs at the data budget the state's budget falls in (all
  // runs' between budgets), the smallest, the largest and those nearest in log to even steps
  // between them.
  std::vector<double> loss_vs_sparsity_sizes(const ExplorerState& state) const;

  ReadOut read_out(const ExplorerState& state) const;
  std::vector<CappedReadOut> capped_read_outs(const ExplorerState& state) const;
  Figure figure(FigureId id, const ExplorerState& state) const;
  SurfaceGrid surface_grid(const ExplorerState& state, SizeAxis axis, int size_steps,
                           int sparsity_steps) const;

 private:
  const ExplorerData* data_;
  std::unique_ptr<ExplorerCache> cache_;
};

}  // namespace moescope

#pragma once

#include <memory>
#include <optional>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/read_out.h"
#include "moescope/explore/surface_grid.h"

namespace moescope {

struct ExplorerCache;

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
  // The budgets of the runs (median C of each group within 2 %), increasing.
  const std::vector<double>& data_budgets() const;
  // The budgets drawn one curve each: shown_budgets() of the data's (at most kMostShownBudgets).
  const std::vector<double>& shown_budgets() const;
  // The sparsity levels of the runs, increasing and distinct (one for dense data).
  const std::vector<double>& data_sparsities() const;

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

#pragma once

#include <QObject>
#include <optional>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/plan/planner.h"
#include "plot_style.h"
#include "surface_scene.h"

namespace moescope::explorer {

// The runs active design last proposed (`moescope train plan --next`), still in the training
// panel's plan: the panel fills and clears it, the window owns it and redraws its views on
// changed(), and the views mark the proposals at their budget (the functions below). Plain data
// in a QObject only for the signal.
class ProposedRuns : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;

  // In the design's order: the first narrows the interval most.
  void setRuns(std::vector<moescope::PlannedRun> runs);
  void clear();
  const std::vector<moescope::PlannedRun>& runs() const { return runs_; }
  bool empty() const { return runs_.empty(); }

 signals:
  void changed();

 private:
  std::vector<moescope::PlannedRun> runs_;
};

// The loss the fit on display predicts for a planned run: its budget's Eq. 8 surface (on the
// surface's size axis), as active design's own fits do, else the law at its N, D and S; none
// without either.
std::optional<double> predictedLoss(const moescope::PlannedRun& run,
                                    const moescope::ExplorerData& data);

// The proposals at the budget `grid` is drawn at, where the 3-D view draws them: at log10 of
// their size on the grid's axis, their S and predicted loss, numbered from 1 in the design's
// order (a proposal at another budget keeps its number, so that the numbers match the plan's).
std::vector<SurfaceScene::ProposedPoint> proposedPointsOn(
    const std::vector<moescope::PlannedRun>& runs, const moescope::SurfaceGrid& grid,
    const moescope::ExplorerData& data);

// Figures 2b and 2c (L against N or N_a) at the state's budget get the proposals at that data
// budget as one set of markers, kind kProposed, labelled plot_style::kProposedLabel, at their
// predicted loss; other figures, and a budget with no proposals, are left as they are.
void markProposedRuns(moescope::Figure& figure, const std::vector<moescope::PlannedRun>& runs,
                      const moescope::ExplorerData& data, const moescope::ExplorerState& state);

}  // namespace moescope::explorer

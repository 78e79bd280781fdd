#include "proposed_runs.h"

#include <cmath>
#include <utility>

namespace moescope::explorer {
namespace {

double sizeOn(moescope::SizeAxis axis, const moescope::PlannedRun& run) {
  return axis == moescope::SizeAxis::kTotal ? run.total_params : run.active_params;
}

}  // namespace

void ProposedRuns::setRuns(std::vector<moescope::PlannedRun> runs) {
  runs_ = std::move(runs);
  emit changed();
}

void ProposedRuns::clear() {
  if (runs_.empty())
    return;
  runs_.clear();
  emit changed();
}

std::optional<double> predictedLoss(const moescope::PlannedRun& run,
                                    const moescope::ExplorerData& data) {
  if (const std::optional<std::size_t> index =
          moescope::surface_at_budget(data, run.cell.compute)) {
    const moescope::SurfaceFit& surface = data.surfaces[*index];
    return surface.loss(sizeOn(surface.axis, run), run.cell.sparsity);
  }
  if (data.law)
    return data.law->as_sparsity_law().loss(run.total_params, run.tokens, run.cell.sparsity);
  return std::nullopt;
}

std::vector<SurfaceScene::ProposedPoint> proposedPointsOn(
    const std::vector<moescope::PlannedRun>& runs, const moescope::SurfaceGrid& grid,
    const moescope::ExplorerData& data) {
  std::vector<SurfaceScene::ProposedPoint> points;
  // Without a surface (one sparsity level, no law between budgets) there is nothing to place them
  // on; the figures still show them.
  if (grid.z.empty())
    return points;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const moescope::PlannedRun& run = runs[i];
    if (!data.binning.same_budget(run.cell.compute, grid.budget))
      continue;
    const std::optional<double> loss = predictedLoss(run, data);
    if (!loss || !std::isfinite(*loss))
      continue;
    points.push_back(
        {std::log10(sizeOn(grid.axis, run)), run.cell.sparsity, *loss, static_cast<int>(i + 1)});
  }
  return points;
}

void markProposedRuns(moescope::Figure& figure, const std::vector<moescope::PlannedRun>& runs,
                      const moescope::ExplorerData& data, const moescope::ExplorerState& state) {
  const bool total = figure.id == moescope::FigureId::kLossVsParams;
  if (!total && figure.id != moescope::FigureId::kLossVsActiveParams)
    return;
  moescope::Series proposed;
  proposed.label = plot_style::kProposedLabel;
  proposed.kind = moescope::SeriesKind::kProposed;
  for (const moescope::PlannedRun& run : runs) {
    if (!data.binning.same_budget(run.cell.compute, state.budget))
      continue;
    const std::optional<double> loss = predictedLoss(run, data);
    if (!loss || !std::isfinite(*loss))
      continue;
    proposed.x.push_back(
        sizeOn(total ? moescope::SizeAxis::kTotal : moescope::SizeAxis::kActive, run));
    proposed.y.push_back(*loss);
  }
  if (!proposed.x.empty())
    figure.points.push_back(std::move(proposed));
}

}  // namespace moescope::explorer

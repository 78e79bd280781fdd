// Eq. 8 IsoFLOP surfaces in the explorer: the 3-D view's grid (the law's, or at a fitted budget
// that budget's surface with the law as an overlay, over the surface's own axis), and the
// surfaces' curves beside the law's in Figures 2a, 2b, 2c and 4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "moescope/explore/explorer_model.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/io/number_format.h"
#include "support/explorer_test_data.h"

namespace moescope {
namespace {

using namespace explorer_test;

TEST(ExplorerSurfaceTest, GridRidgeAndRunsAreConsistent) {
  const ExplorerData& data = shared_data();
  ExplorerState state;
  state.budget = 3e20;
  for (const SizeAxis axis : {SizeAxis::kTotal, SizeAxis::kActive}) {
    const SurfaceGrid grid = surface_grid(data, state, axis, 64, 32);
    // No surfaces were fitted: the law, at the state's budget, and labelled so.
    EXPECT_EQ(grid.source, SurfaceSource::kLaw);
    EXPECT_EQ(grid.label, "Eq. 6 law at C = 3e20, no Eq. 8 surface fitted at this budget");
    EXPECT_FALSE(grid.law_overlay);
    EXPECT_EQ(grid.axis, axis);
    ASSERT_EQ(grid.x.size(), 64u);
    ASSERT_EQ(grid.y.size(), 32u);
    ASSERT_EQ(grid.z.size(), 64u * 32u);
    EXPECT_EQ(grid.y.back(), state.max_sparsity);
    for (const double z : grid.z) {
      EXPECT_TRUE(std::isfinite(z));
      EXPECT_LE(grid.z_min, z);
      EXPECT_GE(grid.z_max, z);
    }
    EXPECT_FALSE(grid.ridge.empty());
    EXPECT_EQ(grid.runs.size(), 7u * 7u);
    for (const SurfaceGrid::RunPoint& run : grid.runs)
      EXPECT_EQ(run.z, *data.runs[run.run_index].loss);
  }
  // On the active axis the ridge lies at N_a(N, S*) of the N whose optimum it draws.
  const SurfaceGrid active = surface_grid(data, state, SizeAxis::kActive, 16, 8);
  ASSERT_FALSE(active.ridge.empty());
  for (const SurfaceGrid::RidgePoint& point : active.ridge) {
    const ActiveParameterModel family = ActiveParameterModel::paper_family();
    const double total = family.total(std::pow(10.0, point.x), point.sparsity);
    const LawSparsityOptimum best =
        optimal_sparsity(SparsityLaw::table3(), state.budget, total, family, state.max_sparsity);
    EXPECT_NEAR(point.sparsity, best.sparsity, 1e-6);
    EXPECT_NEAR(point.loss, best.loss, 1e-9);
  }
  const SurfaceGrid grid = surface_grid(data, state, SizeAxis::kTotal, 16, 8);
  const double total = std::pow(10.0, grid.x[5]);
  EXPECT_NEAR(
      grid.loss_at(5, 3),
      SparsityLaw::table3().loss(
          total,
          state.budget / (6.0 * ActiveParameterModel::paper_family().active(total, grid.y[3])),
          grid.y[3]),
      1e-9);
  ASSERT_EQ(grid.ridge.size(), 16u);
  for (const SurfaceGrid::RidgePoint& point : grid.ridge) {
    const LawSparsityOptimum best =
        optimal_sparsity(SparsityLaw::table3(), state.budget, std::pow(10.0, point.x),
                         ActiveParameterModel::paper_family(), state.max_sparsity);
    EXPECT_NEAR(point.sparsity, best.sparsity, 1e-6);
    EXPECT_NEAR(point.loss, best.loss, 1e-9);
    // The ridge is the lowest loss of its column.
    EXPECT_LE(point.loss, grid.z_max);
  }
  EXPECT_THROW(surface_grid(data, state, SizeAxis::kTotal, 1, 8), std::invalid_argument);
}

// At a fitted budget (within 2 % of a surface's) the 3-D view draws that budget's Eq. 8 surface
// over its runs' range, with the law at the same nodes as an overlay; the drawn numbers are the
// surface's and the law's own predictions.
TEST(ExplorerSurfaceTest, AtAFittedBudgetTheGridIsThatBudgetsEq8Surface) {
  const ExplorerData& data = surface_data();
  ASSERT_EQ(data.surfaces.size(), 5u);
  const ExplorerModel model(data);
  for (std::size_t index = 0; index < data.surfaces.size(); ++index) {
    const SurfaceFit& fit = data.surfaces[index];
    ASSERT_TRUE(fit.budget);
    for (const double offset : {1.0, 1.015, 0.985}) {
      ExplorerState state;
      state.budget = *fit.budget * offset;
      const SurfaceGrid grid = surface_grid(data, state, SizeAxis::kTotal, 24, 16);
      ASSERT_EQ(grid.source, SurfaceSource::kIsoflopSurface) << state.budget;
      EXPECT_EQ(grid.surface_index, index);
      EXPECT_EQ(grid.budget, *fit.budget);
      EXPECT_EQ(grid.axis, SizeAxis::kTotal);
      EXPECT_TRUE(contains(grid.label, "Eq. 8 IsoFLOP surface at C = " + format_brief(*fit.budget)))
          << grid.label;
      // Over the data's range, not beyond it.
      ASSERT_EQ(grid.x.size(), 24u);
      ASSERT_EQ(grid.y.size(), 16u);
      EXPECT_NEAR(grid.x.front(), fit.log_size_min / std::log(10.0), 1e-12);
      EXPECT_NEAR(grid.x.back(), fit.log_size_max / std::log(10.0), 1e-12);
      EXPECT_EQ(grid.y.front(), 0.0);
      EXPECT_EQ(grid.y.back(), fit.sparsity_max);
      ASSERT_EQ(grid.z.size(), 24u * 16u);
      ASSERT_TRUE(grid.law_overlay);
      ASSERT_EQ(grid.law_overlay->z.size(), grid.z.size());
      EXPECT_TRUE(contains(grid.law_overlay->label, "Eq. 6 law")) << grid.law_overlay->label;
      for (std::size_t j = 0; j < grid.y.size(); ++j) {
        for (std::size_t i = 0; i < grid.x.size(); ++i) {
          EXPECT_NEAR(grid.loss_at(i, j), fit.loss(std::pow(10.0, grid.x[i]), grid.y[j]), 1e-12)
              << "node " << i << ", " << j;
          EXPECT_NEAR(
              grid.law_overlay->z[j * grid.x.size() + i],
              law_loss_at(data.law->abnar, *fit.budget, SizeAxis::kTotal, grid.x[i], grid.y[j]),
              1e-12);
          EXPECT_LE(grid.z_min, grid.loss_at(i, j));
          EXPECT_GE(grid.z_max, grid.loss_at(i, j));
        }
      }
      // The ridge is the surface's own read-out, S*(N), at each size of the grid. (Ten to the x
      // is the grid's size to an ulp, which moves the search's answer in its flat valley by up
      // to its tolerance; the loss there moves by its square.)
      ASSERT_EQ(grid.ridge.size(), grid.x.size());
      for (std::size_t i = 0; i < grid.ridge.size(); ++i) {
        const SparsityOptimum best = optimal_sparsity(fit, std::pow(10.0, grid.x[i]));
        EXPECT_EQ(grid.ridge[i].x, grid.x[i]);
        EXPECT_NEAR(grid.ridge[i].sparsity, best.sparsity, 1e-7);
        EXPECT_NEAR(grid.ridge[i].loss, best.loss, 1e-12);
      }
      EXPECT_EQ(grid.law_overlay->ridge.size(), grid.x.size());
      // The runs of that budget, where they were measured.
      EXPECT_EQ(grid.runs.size(), fit.points);
      for (const SurfaceGrid::RunPoint& run : grid.runs) {
        EXPECT_EQ(run.z, *data.runs[run.run_index].loss);
        EXPECT_EQ(run.x, std::log10(*data.runs[run.run_index].total_params));
      }
      // The model's kept grid is the same.
      const SurfaceGrid kept = model.surface_grid(state, SizeAxis::kTotal, 24, 16);
      EXPECT_EQ(kept.z, grid.z);
      EXPECT_EQ(kept.law_overlay->z, grid.law_overlay->z);
      EXPECT_EQ(kept.label, grid.label);
    }
  }
}

TEST(ExplorerSurfaceTest, BetweenBudgetsTheGridIsTheLawAndSaysSo) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  ExplorerState state;
  state.budget = 1.5e20;  // between 1e20 and 3e20
  for (const SurfaceGrid& grid : {surface_grid(data, state, SizeAxis::kTotal, 16, 8),
                                  model.surface_grid(state, SizeAxis::kTotal, 16, 8)}) {
    EXPECT_EQ(grid.source, SurfaceSource::kLaw);
    EXPECT_FALSE(grid.surface_index);
    EXPECT_FALSE(grid.law_overlay);
    EXPECT_EQ(grid.budget, state.budget);
    EXPECT_EQ(grid.label, "Eq. 6 law at C = 1.5e20, no runs at this budget");
    EXPECT_TRUE(grid.runs.empty());
    EXPECT_EQ(grid.y.back(), state.max_sparsity);
    for (std::size_t j = 0; j < grid.y.size(); ++j) {
      for (std::size_t i = 0; i < grid.x.size(); ++i) {
        EXPECT_NEAR(
            grid.loss_at(i, j),
            law_loss_at(data.law->abnar, state.budget, SizeAxis::kTotal, grid.x[i], grid.y[j]),
            1e-12);
      }
    }
  }
  // Just outside the 2 % of a fitted budget, too.
  state.budget = 1e20 * 1.03;
  EXPECT_EQ(surface_grid(data, state, SizeAxis::kTotal, 16, 8).source, SurfaceSource::kLaw);

  // At a data budget whose surface could not be fitted: the law, with that budget's runs.
  ExplorerData refused = surface_data();
  refused.surfaces.erase(refused.surfaces.begin() + 2);  // 1e20
  state.budget = 1e20;
  const SurfaceGrid grid = surface_grid(refused, state, SizeAxis::kTotal, 16, 8);
  EXPECT_EQ(grid.source, SurfaceSource::kLaw);
  EXPECT_EQ(grid.label, "Eq. 6 law at C = 1e20, no Eq. 8 surface fitted at this budget");
  EXPECT_EQ(grid.runs.size(), 49u);
}

// A surface fitted over N_a is drawn over N_a, whichever axis was asked for, and says so.
TEST(ExplorerSurfaceTest, ASurfaceOverActiveParametersIsDrawnOverItsOwnAxis) {
  const ExplorerData data = with_surfaces(SizeAxis::kActive);
  const SurfaceFit& fit = data.surfaces[3];
  ExplorerState state;
  state.budget = *fit.budget;
  for (const SizeAxis asked : {SizeAxis::kTotal, SizeAxis::kActive}) {
    const SurfaceGrid grid = surface_grid(data, state, asked, 12, 8);
    ASSERT_EQ(grid.source, SurfaceSource::kIsoflopSurface);
    EXPECT_EQ(grid.axis, SizeAxis::kActive);
    EXPECT_EQ(contains(grid.label, "over N_a"), asked == SizeAxis::kTotal) << grid.label;
    EXPECT_NEAR(grid.x.front(), fit.log_size_min / std::log(10.0), 1e-12);
    for (std::size_t j = 0; j < grid.y.size(); ++j) {
      for (std::size_t i = 0; i < grid.x.size(); ++i) {
        EXPECT_NEAR(grid.loss_at(i, j), fit.loss(std::pow(10.0, grid.x[i]), grid.y[j]), 1e-12);
        EXPECT_NEAR(
            grid.law_overlay->z[j * grid.x.size() + i],
            law_loss_at(data.law->abnar, *fit.budget, SizeAxis::kActive, grid.x[i], grid.y[j]),
            1e-12);
      }
    }
    for (const SurfaceGrid::RunPoint& run : grid.runs)
      EXPECT_EQ(run.x, std::log10(*data.runs[run.run_index].active_params));
  }
}

// Figures 2b and 2c at a fitted budget: a curve per data sparsity through the surface, over the
// sizes its runs span, with the replicates' band, beside the law's curves; between budgets, the
// law's alone.
TEST(ExplorerFigureTest, LossVsSizeShowsTheSurfacesCurvesBesideTheLaws) {
  const ExplorerData& data = surface_data();
  const ExplorerModel model(data);
  const SurfaceFit& fit = data.surfaces[2];
  ASSERT_EQ(*fit.budget, 1e20);
  ExplorerState state;
  state.budget = 1.01e20;
  for (const FigureId id : {FigureId::kLossVsParams, FigureId::kLossVsActiveParams}) {
    const bool total_axis = id == FigureId::kLossVsParams;
    const Figure fig = model.figure(id, state);
    EXPECT_TRUE(contains(fig.title, "Eq. 8 surface and Eq. 6 law")) << fig.title;
    EXPECT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 7u);
    ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 7u);
    EXPECT_EQ(count_kind(fig.points, SeriesKind::kRuns), 7u);
    for (const Series& curve : fig.curves) {
      expect_finite(curve, id);
      if (curve.kind == SeriesKind::kLaw) {
        EXPECT_TRUE(contains(curve.label, "Eq. 6")) << curve.label;
        continue;
      }
      EXPECT_TRUE(contains(curve.label, "Eq. 8")) << curve.label;
      ASSERT_TRUE(curve.sparsity);
      EXPECT_EQ(curve.budget, fit.budget);
      ASSERT_EQ(curve.lo.size(), curve.x.size()) << "bootstrap band";
      // Over the sizes of the runs of its sparsity at this budget, on the figure's axis.
      double lo = INFINITY, hi = 0, total_lo = INFINITY, total_hi = 0;
      for (const moescope::Run& run : data.runs) {
        if (run.compute != 1e20 || std::abs(*run.sparsity - *curve.sparsity) > 1e-9)
          continue;
        const double size = total_axis ? *run.total_params : *run.active_params;
        lo = std::min(lo, size);
        hi = std::max(hi, size);
        total_lo = std::min(total_lo, *run.total_params);
        total_hi = std::max(total_hi, *run.total_params);
      }
      EXPECT_NEAR(curve.x.front() / lo, 1.0, 1e-12) << curve.label;
      EXPECT_NEAR(curve.x.back() / hi, 1.0, 1e-12) << curve.label;
      // The surface's predictions and band (fitted over N: on 2c at the N of the runs' N_a).
      EXPECT_NEAR(curve.y.front(), fit.loss(total_lo, *curve.sparsity), 1e-12);
      EXPECT_NEAR(curve.y.back(), fit.loss(total_hi, *curve.sparsity), 1e-12);
      const Interval band = fit.band(total_hi, *curve.sparsity);
      EXPECT_NEAR(curve.lo.back(), band.lo, 1e-12);
      EXPECT_NEAR(curve.hi.back(), band.hi, 1e-12);
      if (total_axis) {
        for (std::size_t i = 0; i < curve.x.size(); ++i)
          EXPECT_NEAR(curve.y[i], fit.loss(curve.x[i], *curve.sparsity), 1e-12);
      }
    }
    // While the slider moves, the bands wait; the curves do not change.
    state.replicate_intervals = false;
    const Figure dragged = model.figure(id, state);
    state.replicate_intervals = true;
    ASSERT_EQ(dragged.curves.size(), fig.curves.size());
    for (std::size_t c = 0; c < fig.curves.size(); ++c) {
      EXPECT_TRUE(dragged.curves[c].lo.empty());
      EXPECT_EQ(dragged.curves[c].y, fig.curves[c].y);
    }
    // The free function gives the same figure.
    const Figure fresh = figure(id, data, state);
    ASSERT_EQ(fresh.curves.size(), fig.curves.size());
    for (std::size_t c = 0; c < fig.curves.size(); ++c)
      EXPECT_EQ(fresh.curves[c].y, fig.curves[c].y);
  }
  state.budget = 1.5e20;
  const Figure between = model.figure(FigureId::kLossVsParams, state);
  EXPECT_EQ(count_kind(between.curves, SeriesKind::kSurface), 0u);
  EXPECT_EQ(count_kind(between.curves, SeriesKind::kLaw), 7u);
  EXPECT_TRUE(contains(between.title, "C = 1.5e20: Eq. 6 law only")) << between.title;
}

TEST(ExplorerFigureTest, LossVsSparsityShowsTheSurfacesSliceAndOptimum) {
  const ExplorerData& data = surface_data();
  const SurfaceFit& fit = data.surfaces[2];
  ExplorerState state;
  state.budget = 1e20;
  state.slice_total_params = {2e9};
  const Figure fig = figure(FigureId::kLossVsSparsity, data, state);
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 1u);
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 1u);
  const Series& slice = fig.curves[1];
  ASSERT_EQ(slice.kind, SeriesKind::kSurface);
  EXPECT_EQ(slice.x.back(), fit.sparsity_max);
  ASSERT_EQ(slice.lo.size(), slice.x.size());
  for (std::size_t i = 0; i < slice.x.size(); ++i) {
    EXPECT_NEAR(slice.y[i], fit.loss(2e9, slice.x[i]), 1e-12);
    EXPECT_NEAR(slice.lo[i], fit.band(2e9, slice.x[i]).lo, 1e-12);
  }
  // The law's S* and the surface's, the surface's with its interval.
  ASSERT_GE(fig.points.size(), 2u);
  const SparsityOptimum best = optimal_sparsity(fit, 2e9);
  EXPECT_EQ(fig.points[1].kind, SeriesKind::kOptimum);
  EXPECT_TRUE(contains(fig.points[1].label, "Eq. 8")) << fig.points[1].label;
  EXPECT_NEAR(fig.points[1].x[0], best.sparsity, 1e-12);
  EXPECT_NEAR(fig.points[1].y[0], best.loss, 1e-12);
  ASSERT_EQ(fig.points[1].lo.size(), 1u);
  EXPECT_LE(fig.points[1].lo[0], fig.points[1].y[0]);
  EXPECT_GE(fig.points[1].hi[0], fig.points[1].y[0]);
  // Outside the surface's sizes there is nothing of it to show.
  state.slice_total_params = {1e13};
  EXPECT_EQ(count_kind(figure(FigureId::kLossVsSparsity, data, state).curves, SeriesKind::kSurface),
            0u);
}

// Figure 4: S*(N) of each budget's surface over its data's sizes, with the replicates' interval
// as its band, beside the law's S*(N) per budget.
TEST(ExplorerFigureTest, OptimalSparsityShowsEachSurfacesOptimumBesideTheLaws) {
  const ExplorerData& data = surface_data();
  const Figure fig = ExplorerModel(data).figure(FigureId::kOptimalSparsityVsParams, {});
  EXPECT_TRUE(contains(fig.title, "Eq. 8 surfaces and Eq. 6 law")) << fig.title;
  EXPECT_EQ(count_kind(fig.curves, SeriesKind::kLaw), 5u);  // five budgets, the slider on one
  ASSERT_EQ(count_kind(fig.curves, SeriesKind::kSurface), 5u);
  std::size_t surface = 0;
  for (const Series& curve : fig.curves) {
    if (curve.kind != SeriesKind::kSurface)
      continue;
    const SurfaceFit& fit = data.surfaces[surface++];
    EXPECT_EQ(curve.budget, fit.budget);
    EXPECT_NEAR(std::log(curve.x.front()), fit.log_size_min, 1e-12);
    EXPECT_NEAR(std::log(curve.x.back()), fit.log_size_max, 1e-12);
    ASSERT_EQ(curve.lo.size(), curve.x.size());
    for (std::size_t i = 0; i < curve.x.size(); ++i) {
      const SparsityOptimum best = optimal_sparsity(fit, curve.x[i]);
      EXPECT_NEAR(curve.y[i], best.sparsity, 1e-12) << curve.label << " at N = " << curve.x[i];
      EXPECT_NEAR(curve.lo[i], best.sparsity_interval->lo, 1e-12);
      EXPECT_NEAR(curve.hi[i], best.sparsity_interval->hi, 1e-12);
      if (i > 0) {
        EXPECT_GT(curve.x[i], curve.x[i - 1]);
      }
    }
    // The paper's finding holds on the surfaces too: S* grows with N.
    EXPECT_GT(curve.y.back(), curve.y.front()) << curve.label;
  }
  // A surface over N_a says S*(N_a), not this figure's S*(N): the law's curves alone.
  const ExplorerData active = with_surfaces(SizeAxis::kActive);
  const Figure law_only = figure(FigureId::kOptimalSparsityVsParams, active, {});
  EXPECT_EQ(count_kind(law_only.curves, SeriesKind::kSurface), 0u);
  EXPECT_TRUE(contains(law_only.title, "Eq. 6 law only (surfaces over N_a)")) << law_only.title;
}

}  // namespace
}  // namespace moescope

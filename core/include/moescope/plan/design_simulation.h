#pragma once

#include <cstdint>
#include <vector>

#include "moescope/fit/isoflop_surface.h"
#include "moescope/model/sparsity_law.h"
#include "moescope/numerics/numpy_legacy_normal.h"
#include "moescope/plan/planner.h"
#include "moescope/run/run.h"

// Active design against a fixed grid in simulation, with a known generating law: the setting
// that tests/active_design_test.cpp checks and core/bench/active_design_benchmark.cpp tabulates,
// defined once. A coarse IsoFLOP grid at C = 1e16 (S = 0.5, 0.75, 0.875 x N near 4e6, 8e6,
// 1.6e7, 3.2e7: 12 runs of the planner's family) is extended by K runs, either designed or spread
// as a user would, and the width of S*'s 95 % bootstrap interval at N_ref = 1.2e7 is compared.
namespace moescope::design_simulation {

inline constexpr double kBudget = 1e16;
inline constexpr double kReferenceSize = 1.2e7;
// Each loss is the law's times exp(kNoise z), z standard normal.
inline constexpr double kNoise = 0.005;
const std::vector<double>& grid_sparsities();  // 0.5, 0.75, 0.875
const std::vector<double>& grid_sizes();       // 4e6, 8e6, 1.6e7, 3.2e7

// Eq. 6 with Table 3's coefficients but lambda = 0.5: Table 3's lambda < 0 makes the loss at a
// fixed N fall all the way to the sparsest level at these small sizes (S* would sit at the edge,
// with no interval to shrink); with 0.5, S* at N_ref lies near 0.78, inside the levels.
SparsityLaw generating_law();

// The planner's family with heads of 32 (they reach the small sizes of S = 0.875, E = 8, that
// heads of 64 skip), taking its nearest shape to each grid size.
PlannerOptions planner();

// Fixed degrees (2, 2, 1): 12 runs leave the degree search only 3 coefficients.
SurfaceFitOptions surface();

// A finished run of `planned`'s shape, its loss drawn from the generating law.
Run draw(const PlannedRun& planned, numerics::NumpyLegacyNormal& normal);

// The coarse grid, its losses drawn from a stream seeded with `seed`.
std::vector<Run> coarse_grid(std::uint32_t seed);

// K runs the way a user extends `grid`: round robin over the sparsities, each sparsity's share
// spread evenly in ln N over the grid's range (midpoints of equal parts), each the family's shape
// nearest its target among those not yet run (a shape trained twice gives the same loss).
std::vector<PlannedRun> fixed_grid(int count, const std::vector<Run>& grid);

// The width of S*'s 95 % bootstrap interval at kReferenceSize from `runs`' surface; NaN where
// the surface gives no interval.
double s_star_width(const std::vector<Run>& runs);

}  // namespace moescope::design_simulation

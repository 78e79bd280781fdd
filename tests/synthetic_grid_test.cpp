// The synthetic IsoFLOP grid: a known law, sampled where its optima lie, reproducibly.
#include "moescope/synthetic/synthetic_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "moescope/run/derive.h"

namespace moescope {
namespace {

using Cell = std::pair<double, double>;  // (budget, sparsity)

std::map<Cell, std::vector<moescope::Run>> by_cell(const std::vector<moescope::Run>& runs) {
  std::map<Cell, std::vector<moescope::Run>> cells;
  for (const auto& run : runs)
    cells[{*run.compute, *run.sparsity}].push_back(run);
  return cells;
}

TEST(SyntheticGrid, RealisesSparsitiesWithWholeExperts) {
  EXPECT_EQ(experts_for_sparsity(0.0).experts, 1);
  EXPECT_EQ(experts_for_sparsity(0.25).experts, 4);
  EXPECT_EQ(experts_for_sparsity(0.25).active, 3);
  EXPECT_EQ(experts_for_sparsity(0.98).experts, 50);
  EXPECT_EQ(experts_for_sparsity(0.98).active, 1);
  EXPECT_EQ(experts_for_sparsity(0.123456).experts, 0);
}

TEST(SyntheticGrid, EveryCellIsAnIsoFlopCurveAroundTheLawOptimum) {
  SyntheticGridOptions options;
  options.noise_sigma = 0;
  const auto cells = by_cell(generate_synthetic_grid(options));
  ASSERT_EQ(cells.size(), options.budgets.size() * options.sparsities.size());
  for (const auto& [cell, runs] : cells) {
    ASSERT_GE(runs.size(), 5u) << "C=" << cell.first << " S=" << cell.second;
    const auto best = std::min_element(
        runs.begin(), runs.end(), [](const auto& x, const auto& y) { return *x.loss < *y.loss; });
    // The minimum is interior: the curve brackets the optimum, as an IsoFLOP sweep must.
    EXPECT_NE(best, runs.begin()) << "C=" << cell.first << " S=" << cell.second;
    EXPECT_NE(best, runs.end() - 1) << "C=" << cell.first << " S=" << cell.second;
    for (const auto& run : runs) {
      EXPECT_TRUE(check_run(run).empty()) << run.name;
      EXPECT_DOUBLE_EQ(*run.tokens, cell.first / (6.0 * *run.active_params));
      EXPECT_DOUBLE_EQ(*run.loss, options.law.loss(*run.total_params, *run.tokens, *run.sparsity));
    }
  }
}

TEST(SyntheticGrid, NoiseIsSeededAndOfTheStatedSize) {
  SyntheticGridOptions options;
  const auto first = generate_synthetic_grid(options);
  EXPECT_EQ(first, generate_synthetic_grid(options));
  options.seed += 1;
  EXPECT_NE(first, generate_synthetic_grid(options));

  double sum_sq = 0;
  for (const auto& run : first) {
    const double exact = options.law.loss(*run.total_params, *run.tokens, *run.sparsity);
    sum_sq += std::pow(std::log(*run.loss / exact), 2);
  }
  const double measured_sigma = std::sqrt(sum_sq / static_cast<double>(first.size()));
  // ~240 draws: the sample standard deviation is within 15% of sigma with overwhelming odds.
  EXPECT_NEAR(measured_sigma, options.noise_sigma, 0.15 * options.noise_sigma);
}

TEST(SyntheticGrid, RefusesUnrealisableOptions) {
  SyntheticGridOptions options;
  options.sparsities = {0.5, 0.333};
  options.sizes_per_curve = 2;
  try {
    generate_synthetic_grid(options);
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("0.333 is not (E-K)/E"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("sizes_per_curve"), std::string::npos);
  }
}

}  // namespace
}  // namespace moescope

#pragma once

// The explorer model's test data, shared by the tests of tests/explorer_*_test.cpp: Table 3's law
// over the synthetic grid (with nudged replicates), with and without Eq. 8 surfaces, and checks
// every figure must pass.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/fit/active_parameter_model.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace moescope::explorer_test {

// Table 3 as the "fitted" law, so that shapes can be checked against the paper, and replicates
// that nudge its coefficients the way a bootstrap would.
inline ExplorerData table3_data() {
  ExplorerData data;
  data.runs = generate_synthetic_grid({});
  data.law.emplace();
  data.law->form = LawForm::kAbnar;
  data.law->abnar = SparsityLaw::table3();
  for (int i = 0; i < 8; ++i) {
    FittedLaw replicate = *data.law;
    const double nudge = 1.0 + 0.01 * (i - 3.5);
    replicate.abnar.a *= nudge;
    replicate.abnar.b /= nudge;
    replicate.abnar.alpha *= 1.0 + 0.002 * (i % 3 - 1);
    data.replicates.push_back(replicate);
  }
  const std::size_t points = scaling_points(data.runs).points.size();
  for (std::size_t i = 0; i < points; ++i)
    data.holdout.push_back(i % 5 == 0);
  return data;
}

inline const ExplorerData& shared_data() {
  static const ExplorerData data = table3_data();
  return data;
}

// The same, with an Eq. 8 surface fitted to each budget's runs (over `axis`), as the loader fits
// them, with a few bootstrap refits for the bands.
inline ExplorerData with_surfaces(SizeAxis axis) {
  ExplorerData data = table3_data();
  SurfaceFitOptions options;
  options.axis = axis;
  options.degrees = SurfaceDegrees{};  // the paper's (2, 2, 2), without the search
  options.bootstrap_replicates = 20;
  for (const BudgetGroup& group : group_by_budget(surface_points(data.runs).points))
    data.surfaces.push_back(fit_isoflop_surface(group.points, options));
  return data;
}

inline const ExplorerData& surface_data() {
  static const ExplorerData data = with_surfaces(SizeAxis::kTotal);
  return data;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline std::size_t count_kind(const std::vector<Series>& series, SeriesKind kind) {
  return static_cast<std::size_t>(std::count_if(
      series.begin(), series.end(), [kind](const Series& one) { return one.kind == kind; }));
}

// The law's loss at a grid node on `axis`, at `budget`, as the law's own grid computes it.
inline double law_loss_at(const SparsityLaw& law, double budget, SizeAxis axis, double log10_size,
                          double sparsity) {
  const ActiveParameterModel family = ActiveParameterModel::paper_family();
  const double size = std::pow(10.0, log10_size);
  const double total = axis == SizeAxis::kTotal ? size : family.total(size, sparsity);
  const double active = axis == SizeAxis::kTotal ? family.active(size, sparsity) : size;
  return law.loss(total, budget / (6.0 * active), sparsity);
}

inline void expect_equal(const Interval& x, const Interval& y) {
  EXPECT_EQ(x.lo, y.lo);
  EXPECT_EQ(x.hi, y.hi);
}

// The sparsities of Figures 2a and 3 (figure.h: evenly spaced in -ln(1 - S)).
inline std::vector<double> figure_sparsities(double max_sparsity) {
  const double top = -std::log1p(-max_sparsity);
  std::vector<double> sparsities;
  for (int i = 0; i < kCurvePoints; ++i)
    sparsities.push_back(-std::expm1(-top * i / (kCurvePoints - 1)));
  sparsities.back() = max_sparsity;
  return sparsities;
}

inline void expect_finite(const Series& series, FigureId id) {
  ASSERT_EQ(series.x.size(), series.y.size()) << to_string(id) << " " << series.label;
  for (std::size_t i = 0; i < series.x.size(); ++i) {
    EXPECT_TRUE(std::isfinite(series.x[i]) && std::isfinite(series.y[i]))
        << to_string(id) << " " << series.label << " at " << i;
  }
  if (!series.lo.empty()) {
    ASSERT_EQ(series.lo.size(), series.x.size());
    ASSERT_EQ(series.hi.size(), series.x.size());
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      EXPECT_TRUE(std::isfinite(series.lo[i]) && std::isfinite(series.hi[i]));
      EXPECT_LE(series.lo[i], series.hi[i]);
    }
  }
}

}  // namespace moescope::explorer_test

#pragma once

#include <vector>

namespace moescope::numerics {

// Akima's interpolant: H. Akima, "A New Method of Interpolation and Smooth Curve Fitting Based on
// Local Procedures", J. ACM 17(4), 589-602 (1970).
//
// A piecewise cubic through every point (x_i, y_i), continuous with its first derivative. The
// slope at a point is a weighted mean of the secant slopes s_{i-1} (left) and s_i (right),
// weighted by how much the secants change on the far side (Akima's Eq. 1):
//
//   t_i = (|s_{i+1} - s_i| s_{i-1} + |s_{i-1} - s_{i-2}| s_i) / (|s_{i+1} - s_i| + |s_{i-1} -
//   s_{i-2}|)
//
// so a single outlying point bends the curve only near itself, unlike a cubic spline. Two secants
// are added beyond each end as Akima does (a quadratic through the last three points:
// s_{-1} = 2 s_0 - s_1, s_{-2} = 2 s_{-1} - s_0, likewise on the right). Where both weights vanish
// (s_{i-2} = s_{i-1} and s_i = s_{i+1}) the slope is the mean (s_{i-1} + s_i) / 2, Akima's rule.
// "Vanish" means below 1e-9 times the largest weight sum, as SciPy's Akima1DInterpolator tests
// it, so that round-off in nearly equal secants does not decide the slope; this class gives
// SciPy's values (checked in tests/isoflop_curves_test.cpp).
//
// Porian et al. (NeurIPS 2024) interpolate each IsoFLOP curve's ln(loss) against ln(N) this way
// and take the minimum on a dense grid (isoflop_curves.h, CurveMethod::kAkima).
class AkimaInterpolant {
 public:
  // Needs at least three points with strictly increasing, finite x and finite y; throws
  // std::invalid_argument otherwise.
  AkimaInterpolant(std::vector<double> x, std::vector<double> y);

  // The interpolant at `at`, which must lie in [x.front(), x.back()] (there is no extrapolation;
  // throws std::out_of_range outside).
  double operator()(double at) const;
  // At every value of `sorted` (increasing, all inside the range), in one pass over the pieces.
  std::vector<double> at_sorted(const std::vector<double>& sorted) const;

  // The slope t_i at each point.
  const std::vector<double>& slopes() const { return slopes_; }

 private:
  double piece(std::size_t i, double at) const;

  std::vector<double> x_, y_, slopes_;
};

}  // namespace moescope::numerics

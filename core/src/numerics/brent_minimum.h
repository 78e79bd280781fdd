#pragma once

#include <cmath>

namespace moescope::numerics {

// Brent's minimisation without derivatives (Brent 1973, "localmin"): golden sections, and
// parabolas through the last three points where they are trusted. Returns a minimum of `f` in
// [lo, hi] to within `tolerance` plus sqrt(machine epsilon) relative to it.
template <typename Function>
double brent_minimum(const Function& f, double lo, double hi, double tolerance) {
  constexpr double kGoldenSection = 0.38196601125010515;  // (3 - sqrt 5) / 2
  constexpr double kSqrtEpsilon = 1.4901161193847656e-08;
  constexpr int kMaxIterations = 100;
  double x = lo + kGoldenSection * (hi - lo);
  double w = x, v = x;
  double fx = f(x), fw = fx, fv = fx;
  double step = 0, previous_step = 0;
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    const double middle = 0.5 * (lo + hi);
    const double tol1 = kSqrtEpsilon * std::abs(x) + tolerance / 3.0;
    const double tol2 = 2.0 * tol1;
    if (std::abs(x - middle) <= tol2 - 0.5 * (hi - lo))
      break;
    bool parabolic = false;
    if (std::abs(previous_step) > tol1) {
      double r = (x - w) * (fx - fv);
      double q = (x - v) * (fx - fw);
      double p = (x - v) * q - (x - w) * r;
      q = 2.0 * (q - r);
      if (q > 0)
        p = -p;
      q = std::abs(q);
      const double older_step = previous_step;
      previous_step = step;
      if (std::abs(p) < std::abs(0.5 * q * older_step) && p > q * (lo - x) && p < q * (hi - x)) {
        step = p / q;
        const double u = x + step;
        // Not too close to the ends.
        if (u - lo < tol2 || hi - u < tol2)
          step = x < middle ? tol1 : -tol1;
        parabolic = true;
      }
    }
    if (!parabolic) {
      previous_step = (x >= middle ? lo : hi) - x;
      step = kGoldenSection * previous_step;
    }
    const double u = x + (std::abs(step) >= tol1 ? step : (step >= 0 ? tol1 : -tol1));
    const double fu = f(u);
    if (fu <= fx) {
      (u >= x ? lo : hi) = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      (u < x ? lo : hi) = u;
      if (fu <= fw || w == x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v == x || v == w) {
        v = u;
        fv = fu;
      }
    }
  }
  return x;
}

}  // namespace moescope::numerics

// Times the IsoFLOP surface fit (Eq. 8) on every budget of the default synthetic grid: the full
// degree search over {0..4}^3 by 5-fold cross-validation, the held-out check and 100 bootstrap
// refits, with default options. Prints the median wall time of 20 repeats per budget and axis,
// and fails (exit 1) when a fit exceeds the 50 ms target or its held-out r falls to 0.95.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "moescope/fit/isoflop_surface.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace {

constexpr int kRepeats = 20;
constexpr double kTargetMilliseconds = 50.0;
constexpr double kMinimumHeldoutR = 0.95;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
}

const char* axis_name(moescope::SizeAxis axis) {
  return axis == moescope::SizeAxis::kTotal ? "N" : "N_a";
}

}  // namespace

int main() {
  const std::vector<moescope::Run> runs = moescope::generate_synthetic_grid({});
  const moescope::SurfaceData data = moescope::surface_points(runs);
  const std::vector<moescope::BudgetGroup> groups = moescope::group_by_budget(data.points);

  std::printf(
      "IsoFLOP surface fit, default synthetic grid (%zu runs), default options, median of "
      "%d repeats\n",
      runs.size(), kRepeats);
  std::printf("%-9s %-4s %6s %9s %9s %10s %10s\n", "budget", "axis", "points", "degrees", "ms",
              "cv_mse", "heldout_r");
  bool all_good = true;
  for (const moescope::BudgetGroup& group : groups) {
    for (const moescope::SizeAxis axis :
         {moescope::SizeAxis::kTotal, moescope::SizeAxis::kActive}) {
      moescope::SurfaceFitOptions options;
      options.axis = axis;
      std::vector<double> milliseconds;
      moescope::SurfaceFit fit;
      for (int repeat = 0; repeat < kRepeats; ++repeat) {
        const auto start = std::chrono::steady_clock::now();
        fit = moescope::fit_isoflop_surface(group.points, options);
        const auto stop = std::chrono::steady_clock::now();
        milliseconds.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
      }
      const double time = median(milliseconds);
      const moescope::SurfaceDegrees& degrees = fit.polynomial.degrees;
      const double heldout_r = fit.heldout_r.value_or(0.0);
      std::printf("%-9.3g %-4s %6zu   (%d,%d,%d) %9.2f %10.3g %10.4f\n", group.budget.value_or(0),
                  axis_name(axis), fit.points, degrees.size, degrees.sparsity, degrees.interaction,
                  time, fit.cv_mse, heldout_r);
      if (time > kTargetMilliseconds || heldout_r <= kMinimumHeldoutR) {
        std::printf("  ^ misses the target (%.0f ms, held-out r > %.2f)\n", kTargetMilliseconds,
                    kMinimumHeldoutR);
        all_good = false;
      }
    }
  }
  return all_good ? 0 : 1;
}

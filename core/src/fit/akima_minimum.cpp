// CurveMethod::kAkima: Porian et al., "Resolving Discrepancies in Compute-Optimal Scaling of
// Language Models" (NeurIPS 2024), the per-budget step of their analysis.py (interp_flop,
// interpolation and vectorized_interp_with_seed_noise at commit 0dc60d9 of
// github.com/formll/resolving-scaling-law-discrepancies), reimplemented from its description in
// isoflop_curves.h. The power-law step is in optimum_power_law.cpp.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fit/bootstrap_interval.h"
#include "fit/isoflop_curve_methods.h"
#include "moescope/io/number_format.h"
#include "moescope/numerics/akima_interpolation.h"
#include "numerics/median.h"

namespace moescope {
namespace {

// Values whose ln differ by less than this are one value: 0.1 %. Digitised data (Epoch AI's
// Chinchilla points) holds the same model twice at sizes a few parts per million apart, with
// different losses; their secant would be thousands of times steeper than any other, and the
// interpolant would swing to absurd minima between them. Porian et al.'s own sizes differ by tens
// of percent, so their results do not change.
constexpr double kSameValue = 1e-3;

// The curve's points by increasing value, one per distinct value: the lowest loss among repeats
// (Porian et al. keep the best learning rate or seed of a size the same way) at its own value.
void distinct_by_value(const std::vector<double>& values, const std::vector<double>& losses,
                       std::vector<double>& sorted_values, std::vector<double>& sorted_losses) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return values[i] < values[j]; });
  double group_start = 0;  // the smallest value of the current group
  for (const std::size_t i : order) {
    if (!sorted_values.empty() && std::log(values[i] / group_start) < kSameValue) {
      if (losses[i] < sorted_losses.back()) {
        sorted_values.back() = values[i];
        sorted_losses.back() = losses[i];
      }
      continue;
    }
    group_start = values[i];
    sorted_values.push_back(values[i]);
    sorted_losses.push_back(losses[i]);
  }
}

// The grid point of least interpolated ln(loss) (the first of equals, as NumPy's argmin), or
// empty when it is the grid's first or last point: the minimum would lie at or beyond the data's
// edge. `log_losses` holds one entry per data point.
struct GridMinimum {
  std::size_t index = 0;
  double log_loss = 0;
};
std::optional<GridMinimum> grid_minimum(const std::vector<double>& log_values,
                                        const std::vector<double>& log_losses,
                                        const std::vector<double>& log_grid) {
  const numerics::AkimaInterpolant interpolant(log_values, log_losses);
  const std::vector<double> on_grid = interpolant.at_sorted(log_grid);
  std::size_t best = 0;
  for (std::size_t k = 1; k < on_grid.size(); ++k) {
    if (on_grid[k] < on_grid[best])
      best = k;
  }
  if (best == 0 || best + 1 == on_grid.size())
    return std::nullopt;
  return GridMinimum{best, on_grid[best]};
}

double population_sd(const std::vector<double>& values) {
  double mean = 0;
  for (const double value : values)
    mean += value;
  mean /= static_cast<double>(values.size());
  double sum = 0;
  for (const double value : values)
    sum += (value - mean) * (value - mean);
  return std::sqrt(sum / static_cast<double>(values.size()));
}

}  // namespace

std::size_t distinct_values(const std::vector<double>& values) {
  std::vector<double> sorted, ignored;
  distinct_by_value(values, std::vector<double>(values.size(), 1.0), sorted, ignored);
  return sorted.size();
}

AxisMinimum akima_minimum(const std::vector<double>& values, const std::vector<double>& losses,
                          const CurveFitOptions& options, numerics::NumpyLegacyNormal& noise,
                          const std::string& variable) {
  std::vector<double> sorted_values, sorted_losses;
  distinct_by_value(values, losses, sorted_values, sorted_losses);
  const std::size_t count = sorted_values.size();
  if (count < 3) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "fewer than three distinct values of " + variable + ": no Akima interpolant");
  }
  std::vector<double> log_values(count), log_losses(count);
  for (std::size_t i = 0; i < count; ++i) {
    log_values[i] = std::log(sorted_values[i]);
    log_losses[i] = std::log(sorted_losses[i]);
  }

  // Evenly spaced in ln, with both ends exactly on the data's (NumPy's geomspace).
  const std::size_t grid_size =
      (count - 1) * static_cast<std::size_t>(options.grid_points_per_interval);
  const double lo = log_values.front(), hi = log_values.back();
  const double step = (hi - lo) / static_cast<double>(grid_size - 1);
  std::vector<double> log_grid(grid_size);
  for (std::size_t k = 0; k < grid_size; ++k)
    log_grid[k] = lo + static_cast<double>(k) * step;
  log_grid.back() = hi;

  AxisMinimum minimum;
  minimum.log_min = lo;
  minimum.log_max = hi;

  const int replicates = options.bootstrap_replicates;
  std::vector<double> kept_logs, kept_losses;
  std::vector<double> noised(count), noised_logs(count);
  for (int replicate = 0; replicate < replicates; ++replicate) {
    // All of this replicate's draws first, as NumPy fills a (replicates x points) array.
    bool positive = true;
    for (std::size_t i = 0; i < count; ++i) {
      noised[i] = sorted_losses[i] + options.loss_noise * noise();
      positive = positive && noised[i] > 0;
    }
    std::optional<GridMinimum> found;
    if (positive) {
      for (std::size_t i = 0; i < count; ++i)
        noised_logs[i] = std::log(noised[i]);
      found = grid_minimum(log_values, noised_logs, log_grid);
    }
    if (!found) {
      minimum.replicates.emplace_back();
      ++minimum.dropped;
      continue;
    }
    kept_logs.push_back(log_grid[found->index]);
    kept_losses.push_back(std::exp(found->log_loss));
    minimum.replicates.push_back(std::exp(kept_logs.back()));
  }

  const std::string range = "the data's " + variable + " range " +
                            format_brief(sorted_values.front()) + " .. " +
                            format_brief(sorted_values.back());
  if (replicates == 0) {
    const std::optional<GridMinimum> central = grid_minimum(log_values, log_losses, log_grid);
    if (!central) {
      throw FitRefused(RefusalReason::kNoInteriorMinimum,
                       "the interpolated loss is least at an end of " + range);
    }
    minimum.optimum = std::exp(log_grid[central->index]);
    minimum.loss = std::exp(central->log_loss);
    return minimum;
  }
  // Porian et al.'s rule: fewer than half (rounded down) kept, no optimum; and none kept is
  // none, also for a single replicate.
  if (kept_logs.empty() || kept_logs.size() < static_cast<std::size_t>(replicates / 2)) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "only " + std::to_string(kept_logs.size()) + " of " +
                         std::to_string(replicates) +
                         " noise replicates have their least loss strictly inside " + range +
                         " (half are needed)");
  }
  std::vector<double> kept_values(kept_logs.size());
  std::transform(kept_logs.begin(), kept_logs.end(), kept_values.begin(),
                 [](double x) { return std::exp(x); });
  minimum.optimum = numerics::median(kept_values);
  minimum.loss = numerics::median(kept_losses);
  const double floor = options.min_sd_factor * options.grid_points_per_interval * step;
  minimum.log_sd = std::max(population_sd(kept_logs), floor) * static_cast<double>(replicates) /
                   static_cast<double>(kept_logs.size());
  minimum.interval = bootstrap_interval(std::move(kept_values));
  minimum.loss_interval = bootstrap_interval(std::move(kept_losses));
  return minimum;
}

}  // namespace moescope

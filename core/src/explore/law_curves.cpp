#include <cmath>
#include <stdexcept>

#include "explorer_cache.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/law_optimum.h"

namespace moescope {

std::vector<double> sparsity_axis(double max_sparsity, int points) {
  const double top = -std::log1p(-max_sparsity);
  std::vector<double> axis(static_cast<std::size_t>(points));
  for (std::size_t i = 0; i < axis.size(); ++i)
    axis[i] = -std::expm1(-top * static_cast<double>(i) / static_cast<double>(points - 1));
  axis.back() = max_sparsity;
  return axis;
}

std::vector<double> log_axis(double lo, double hi, int points) {
  std::vector<double> axis(static_cast<std::size_t>(points));
  const double log_lo = std::log(lo), log_hi = std::log(hi);
  for (std::size_t i = 0; i < axis.size(); ++i) {
    axis[i] = std::exp(log_lo + (log_hi - log_lo) * static_cast<double>(i) /
                                    static_cast<double>(points - 1));
  }
  axis.front() = lo;
  axis.back() = hi;
  return axis;
}

OptimalSizeCurve optimal_size_curve(const SparsityLaw& law,
                                    const std::vector<SparsityLaw>& replicates, double budget,
                                    double max_sparsity) {
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  OptimalSizeCurve curve;
  curve.budget = budget;
  for (const double sparsity : sparsity_axis(max_sparsity, kCurvePoints)) {
    LawSizeOptimum best;
    try {
      best = optimal_size(law, budget, sparsity, model);
    } catch (const FitRefused&) {
      continue;  // no optimum at this sparsity: the curve has a gap, not an edge value
    }
    curve.sparsity.push_back(sparsity);
    curve.total.push_back(best.total_params);
    curve.active.push_back(best.active_params);
    curve.loss.push_back(best.loss);
    if (replicates.empty())
      continue;
    std::vector<double> totals, actives, losses;
    for (const SparsityLaw& replicate : replicates) {
      try {
        const LawSizeOptimum other = optimal_size(replicate, budget, sparsity, model);
        totals.push_back(other.total_params);
        actives.push_back(other.active_params);
        losses.push_back(other.loss);
      } catch (const FitRefused&) {
        // A replicate without an optimum here narrows the band's sample, as in
        // optimum_with_intervals.
      }
    }
    auto push_band = [](std::vector<double> samples, double value, std::vector<double>& lo,
                        std::vector<double>& hi) {
      // Where no replicate has an optimum the band closes on the curve rather than vanish.
      const Interval interval =
          samples.empty() ? Interval{value, value} : percentile_interval(std::move(samples));
      lo.push_back(interval.lo);
      hi.push_back(interval.hi);
    };
    push_band(std::move(totals), best.total_params, curve.total_lo, curve.total_hi);
    push_band(std::move(actives), best.active_params, curve.active_lo, curve.active_hi);
    push_band(std::move(losses), best.loss, curve.loss_lo, curve.loss_hi);
  }
  return curve;
}

OptimalSparsityCurve optimal_sparsity_curve(const SparsityLaw& law, double budget,
                                            const std::vector<double>& totals,
                                            double max_sparsity) {
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  OptimalSparsityCurve curve;
  curve.budget = budget;
  curve.total = totals;
  for (const double total : totals)
    curve.sparsity.push_back(optimal_sparsity(law, budget, total, model, max_sparsity).sparsity);
  return curve;
}

}  // namespace moescope

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>

#include "explorer_cache.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/law_optimum.h"
#include "numerics/brent_minimum.h"

namespace moescope {
namespace {

double coordinate_of(double sparsity) {
  return -std::log1p(-sparsity);
}

struct GridMinimum {
  double x = 0;
  bool at_lower = false, at_upper = false;  // at an end of the coordinates, exactly
};

// The minimum of `f` near the lowest of `values`, f's values at the increasing `coordinates`:
// Brent's method in the cells on either side of it. Brent's method never evaluates the ends of its
// range, so where the lowest value is at an end, that end is the minimum unless Brent's finds
// lower.
template <typename Function>
GridMinimum refine_lowest(const Function& f, const std::vector<double>& coordinates,
                          const std::vector<double>& values) {
  constexpr double kCoordinateTolerance = 1e-10;
  const auto lowest = static_cast<std::size_t>(
      std::distance(values.begin(), std::min_element(values.begin(), values.end())));
  const std::size_t last = coordinates.size() - 1;
  const double lo = coordinates[lowest == 0 ? 0 : lowest - 1];
  const double hi = coordinates[std::min(lowest + 1, last)];
  GridMinimum minimum;
  minimum.x = numerics::brent_minimum(f, lo, hi, kCoordinateTolerance);
  if (lowest == 0 || lowest == last) {
    const bool end_is_lower = f(minimum.x) >= values[lowest];
    minimum.at_lower = lowest == 0 && end_is_lower;
    minimum.at_upper = lowest == last && end_is_lower;
    if (end_is_lower)
      minimum.x = coordinates[lowest];
  }
  return minimum;
}

// Points of the grid over ln N in [kSmallestTotalParams, kLargestTotalParams] that brackets N*:
// about 0.7 apart. Along ln N the loss is a falling plus a rising power law, with one minimum
// (only the family's floor of two layers bends it, far below the sizes the explorer shows).
constexpr int kSizeGridPoints = 32;

const std::vector<double>& log_size_grid() {
  static const std::vector<double> grid = [] {
    std::vector<double> logs;
    for (const double total : log_axis(kSmallestTotalParams, kLargestTotalParams, kSizeGridPoints))
      logs.push_back(std::log(total));
    return logs;
  }();
  return grid;
}

// N* at one sparsity (Eq. 3), as optimal_size finds it, to about 1e-7 relative: the lowest loss
// on log_size_grid brackets it, and Brent's method refines it, in a third of optimal_size's law
// evaluations (each of which also takes the law's derivatives). nullopt where optimal_size
// refuses: the lowest loss lies at an end of the range, or the loss is not finite.
std::optional<LawSizeOptimum> fast_optimal_size(const SparsityLaw& law, double budget,
                                                double sparsity,
                                                const ActiveParameterModel& model) {
  auto loss_at_log = [&](double log_total) {
    return loss_at_budget(law, budget, std::exp(log_total), sparsity, model);
  };
  const std::vector<double>& grid = log_size_grid();
  std::vector<double> losses;
  losses.reserve(grid.size());
  for (const double log_total : grid) {
    losses.push_back(loss_at_log(log_total));
    if (!std::isfinite(losses.back()))
      return std::nullopt;
  }
  const GridMinimum minimum = refine_lowest(loss_at_log, grid, losses);
  if (minimum.at_lower || minimum.at_upper)
    return std::nullopt;
  LawSizeOptimum best;
  best.total_params = std::exp(minimum.x);
  best.active_params = model.active(best.total_params, sparsity);
  best.tokens = budget / (6.0 * best.active_params);
  best.loss = law.loss(best.total_params, best.tokens, sparsity);
  return best;
}

}  // namespace

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
    const std::optional<LawSizeOptimum> found = fast_optimal_size(law, budget, sparsity, model);
    if (!found)
      continue;  // no optimum at this sparsity: the curve has a gap, not an edge value
    const LawSizeOptimum& best = *found;
    curve.sparsity.push_back(sparsity);
    curve.total.push_back(best.total_params);
    curve.active.push_back(best.active_params);
    curve.loss.push_back(best.loss);
    if (replicates.empty())
      continue;
    std::vector<double> totals, actives, losses;
    for (const SparsityLaw& replicate : replicates) {
      // A replicate without an optimum here narrows the band's sample, as in
      // optimum_with_intervals.
      if (const std::optional<LawSizeOptimum> other =
              fast_optimal_size(replicate, budget, sparsity, model)) {
        totals.push_back(other->total_params);
        actives.push_back(other->active_params);
        losses.push_back(other->loss);
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

BudgetOptimaCurve optimal_size_over_budgets(const SparsityLaw& law,
                                            const std::vector<SparsityLaw>& replicates,
                                            double sparsity, const std::vector<double>& budgets) {
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  BudgetOptimaCurve curve;
  curve.sparsity = sparsity;
  for (const double budget : budgets) {
    const std::optional<LawSizeOptimum> found = fast_optimal_size(law, budget, sparsity, model);
    if (!found)
      continue;  // no optimum at this budget: a gap, not an edge value
    curve.budget.push_back(budget);
    curve.total.push_back(found->total_params);
    curve.tokens.push_back(found->tokens);
    if (replicates.empty())
      continue;
    std::vector<double> totals, tokens;
    for (const SparsityLaw& replicate : replicates) {
      if (const std::optional<LawSizeOptimum> other =
              fast_optimal_size(replicate, budget, sparsity, model)) {
        totals.push_back(other->total_params);
        tokens.push_back(other->tokens);
      }
    }
    const Interval total_band = totals.empty() ? Interval{found->total_params, found->total_params}
                                               : percentile_interval(std::move(totals));
    const Interval token_band = tokens.empty() ? Interval{found->tokens, found->tokens}
                                               : percentile_interval(std::move(tokens));
    curve.total_lo.push_back(total_band.lo);
    curve.total_hi.push_back(total_band.hi);
    curve.tokens_lo.push_back(token_band.lo);
    curve.tokens_hi.push_back(token_band.hi);
  }
  return curve;
}

double loss_at_budget(const SparsityLaw& law, double budget, double total, double sparsity,
                      const ActiveParameterModel& model) {
  return law.loss(total, budget / (6.0 * model.active(total, sparsity)), sparsity);
}

std::vector<double> losses_over_sparsity(const SparsityLaw& law, double budget, double total,
                                         const std::vector<double>& sparsities,
                                         const ActiveParameterModel& model) {
  std::vector<double> losses;
  losses.reserve(sparsities.size());
  for (const double sparsity : sparsities)
    losses.push_back(loss_at_budget(law, budget, total, sparsity, model));
  return losses;
}

LawSparsityOptimum refine_optimal_sparsity(const SparsityLaw& law, double budget, double total,
                                           const ActiveParameterModel& model,
                                           const std::vector<double>& sparsities,
                                           const std::vector<double>& losses) {
  if (sparsities.size() < 2 || losses.size() != sparsities.size())
    throw std::invalid_argument("refine_optimal_sparsity needs a loss at each of 2+ sparsities");
  std::vector<double> coordinates;
  coordinates.reserve(sparsities.size());
  for (const double sparsity : sparsities)
    coordinates.push_back(coordinate_of(sparsity));
  const GridMinimum minimum = refine_lowest(
      [&](double u) { return loss_at_budget(law, budget, total, -std::expm1(-u), model); },
      coordinates, losses);
  LawSparsityOptimum best;
  // The ends exactly, as optimal_sparsity reports them, not their round trip through u.
  best.sparsity = minimum.at_lower   ? sparsities.front()
                  : minimum.at_upper ? sparsities.back()
                                     : -std::expm1(-minimum.x);
  best.at_max_sparsity = minimum.at_upper;
  best.active_params = model.active(total, best.sparsity);
  best.tokens = budget / (6.0 * best.active_params);
  best.loss = law.loss(total, best.tokens, best.sparsity);
  return best;
}

OptimalSparsityCurve optimal_sparsity_curve(const SparsityLaw& law,
                                            const std::vector<SparsityLaw>& replicates,
                                            double budget, const std::vector<double>& totals,
                                            double max_sparsity) {
  const ActiveParameterModel model = ActiveParameterModel::paper_family();
  const std::vector<double> sparsities = sparsity_axis(max_sparsity, kCurvePoints);
  auto law_optimum_at = [&](const SparsityLaw& which, double total) {
    return refine_optimal_sparsity(which, budget, total, model, sparsities,
                                   losses_over_sparsity(which, budget, total, sparsities, model))
        .sparsity;
  };
  auto optimum_at = [&](double total) { return law_optimum_at(law, total); };
  OptimalSparsityCurve curve;
  curve.budget = budget;
  curve.total = totals;
  for (const double total : totals)
    curve.sparsity.push_back(optimum_at(total));
  // S* climbs from 0 to the bound within half a decade of N, where the evenly spaced sizes lie
  // a tenth of a decade apart: steps too steep to pass for a curve are split at their middle in
  // log N, a few times over.
  constexpr double kLargestStep = 0.04;
  constexpr int kSplits = 3;
  for (int split = 0; split < kSplits; ++split) {
    OptimalSparsityCurve finer;
    finer.budget = budget;
    for (std::size_t i = 0; i < curve.total.size(); ++i) {
      if (i > 0 && std::abs(curve.sparsity[i] - curve.sparsity[i - 1]) > kLargestStep) {
        const double middle = std::sqrt(curve.total[i - 1] * curve.total[i]);
        finer.total.push_back(middle);
        finer.sparsity.push_back(optimum_at(middle));
      }
      finer.total.push_back(curve.total[i]);
      finer.sparsity.push_back(curve.sparsity[i]);
    }
    const bool split_any = finer.total.size() > curve.total.size();
    curve = std::move(finer);
    if (!split_any)
      break;
  }
  if (replicates.empty())
    return curve;
  std::vector<double> optima(replicates.size());
  for (const double total : curve.total) {
    for (std::size_t r = 0; r < replicates.size(); ++r)
      optima[r] = law_optimum_at(replicates[r], total);
    const Interval band = percentile_interval(optima);
    curve.sparsity_lo.push_back(band.lo);
    curve.sparsity_hi.push_back(band.hi);
  }
  return curve;
}

}  // namespace moescope

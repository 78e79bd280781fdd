#include "moescope/fit/law_optimum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

// Grid points over the searched ranges: about 0.2 in ln N and 0.06 in -ln(1 - S) at S <= 0.98,
// far finer than the loss curves bend, so no minimum hides between two of them.
constexpr int kSizeGridPoints = 96;
constexpr int kSparsityGridPoints = 64;
// Bisection stops when the bracket is this narrow in ln N or in -ln(1 - S).
constexpr double kCoordinateTolerance = 1e-10;

// A function of one coordinate and its derivative there.
struct Probe {
  double value = 0;
  double slope = 0;
};

struct Minimum {
  double x = 0;
  bool at_lower = false;
  bool at_upper = false;
};

// The lowest of the minima of `probe` over [lo, hi] (see the header: grid, then bisection on the
// sign of the slope). An end is a candidate when the slope there points out of the range.
template <typename ProbeAt>
Minimum minimise(const ProbeAt& probe, double lo, double hi, int grid_points) {
  std::vector<double> grid(static_cast<std::size_t>(grid_points));
  std::vector<Probe> probes(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) {
    grid[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(grid.size() - 1);
    probes[i] = probe(grid[i]);
  }
  Minimum best;
  double best_value = std::numeric_limits<double>::infinity();
  auto consider = [&](const Minimum& candidate, double value) {
    if (value < best_value) {
      best = candidate;
      best_value = value;
    }
  };
  if (probes.front().slope >= 0)
    consider({lo, true, false}, probes.front().value);
  if (probes.back().slope <= 0)
    consider({hi, false, true}, probes.back().value);
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    if (!(probes[i].slope < 0 && probes[i + 1].slope >= 0))
      continue;
    double left = grid[i];
    double right = grid[i + 1];
    while (right - left > kCoordinateTolerance) {
      const double middle = 0.5 * (left + right);
      (probe(middle).slope < 0 ? left : right) = middle;
    }
    const double x = 0.5 * (left + right);
    consider({x, false, false}, probe(x).value);
  }
  return best;
}

// The law along a budget: L(N, C / (6 N_a(N, S)), S) and its derivatives in ln N and in S.
class LawAlongBudget {
 public:
  LawAlongBudget(const SparsityLaw& law, double compute, const ActiveParameterModel& model)
      : law_(law), compute_(compute), model_(model) {}

  struct Point {
    double total = 0;
    double active = 0;
    double tokens = 0;
    double loss = 0;
    double slope_in_log_total = 0;  // at fixed S
    double slope_in_sparsity = 0;   // at fixed N
  };

  Point at(double total, double sparsity) const {
    const ActiveResponse response = model_.response(total, sparsity);
    Point point;
    point.total = total;
    point.active = response.active;
    point.tokens = compute_ / (6.0 * response.active);
    point.loss = law_.loss(total, point.tokens, sparsity);
    const double dense_fraction = 1.0 - sparsity;
    const double size_term = law_.a * std::pow(total, -law_.alpha);
    const double token_term = law_.b * std::pow(point.tokens, -law_.beta);
    const double sparsity_term = law_.c * std::pow(dense_fraction, -law_.lambda);
    const double interaction_term =
        law_.d * std::pow(dense_fraction, -law_.delta) * std::pow(total, -law_.gamma);
    // d ln D = -d ln N_a: more active parameters leave fewer tokens.
    point.slope_in_log_total = -law_.alpha * size_term - law_.gamma * interaction_term +
                               law_.beta * token_term * response.total_elasticity;
    point.slope_in_sparsity =
        law_.beta * token_term * response.sparsity_slope +
        (law_.lambda * sparsity_term + law_.delta * interaction_term) / dense_fraction;
    if (!std::isfinite(point.loss) || !std::isfinite(point.slope_in_log_total) ||
        !std::isfinite(point.slope_in_sparsity)) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "the law's loss is not finite at N = " + format_number(total) +
                           ", S = " + format_number(sparsity));
    }
    return point;
  }

 private:
  const SparsityLaw& law_;
  double compute_;
  const ActiveParameterModel& model_;
};

double sparsity_from_coordinate(double u) {
  return -std::expm1(-u);
}
double coordinate_from_sparsity(double sparsity) {
  return -std::log1p(-sparsity);
}

void check_law(const SparsityLaw& law) {
  for (const double coefficient :
       {law.a, law.b, law.c, law.d, law.e, law.alpha, law.beta, law.gamma, law.lambda, law.delta}) {
    if (!std::isfinite(coefficient))
      throw FitRefused(RefusalReason::kNonFiniteData, "the law has a non-finite coefficient");
  }
}

void check_positive(const char* what, double value) {
  if (!(std::isfinite(value) && value > 0)) {
    throw FitRefused(RefusalReason::kInvalidOptions,
                     std::string(what) + " = " + format_number(value) + " must be finite and > 0");
  }
}

std::string max_sparsity_problem(double max_sparsity) {
  if (max_sparsity >= 0 && max_sparsity < 1)
    return {};
  return "max_sparsity = " + format_number(max_sparsity) + " must lie in [0, 1)";
}

void check_max_sparsity(double max_sparsity) {
  const std::string problem = max_sparsity_problem(max_sparsity);
  if (!problem.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, problem);
}

// The best N at one sparsity, up to `largest_total`; at_upper means N sits at that bound.
struct SizeSearch {
  LawAlongBudget::Point point;
  bool at_upper = false;
};

SizeSearch search_size(const LawAlongBudget& along, double sparsity, double largest_total) {
  const Minimum minimum = minimise(
      [&](double log_total) {
        const LawAlongBudget::Point point = along.at(std::exp(log_total), sparsity);
        return Probe{point.loss, point.slope_in_log_total};
      },
      std::log(kSmallestTotalParams), std::log(largest_total), kSizeGridPoints);
  if (minimum.at_lower) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "at S = " + format_number(sparsity) +
                         " the loss is lowest at the smallest N (" +
                         format_number(kSmallestTotalParams) + ")");
  }
  // The upper end is largest_total exactly (a cap a caller can compare), not its round trip
  // through the log.
  const double total = minimum.at_upper ? largest_total : std::exp(minimum.x);
  return {along.at(total, sparsity), minimum.at_upper};
}

void refuse_at_largest(double sparsity) {
  throw FitRefused(RefusalReason::kNoInteriorMinimum,
                   "at S = " + format_number(sparsity) +
                       " the loss still falls at the largest N (" +
                       format_number(kLargestTotalParams) + ")");
}

}  // namespace

LawSizeOptimum optimal_size(const SparsityLaw& law, double compute, double sparsity,
                            const ActiveParameterModel& model) {
  check_positive("compute", compute);
  if (!(sparsity >= 0 && sparsity < 1)) {
    throw FitRefused(RefusalReason::kInvalidOptions,
                     "sparsity = " + format_number(sparsity) + " must lie in [0, 1)");
  }
  check_law(law);
  const LawAlongBudget along(law, compute, model);
  const SizeSearch search = search_size(along, sparsity, kLargestTotalParams);
  if (search.at_upper)
    refuse_at_largest(sparsity);
  return {search.point.total, search.point.active, search.point.tokens, search.point.loss};
}

LawSparsityOptimum optimal_sparsity(const SparsityLaw& law, double compute, double total_params,
                                    const ActiveParameterModel& model, double max_sparsity) {
  check_positive("compute", compute);
  check_positive("total_params", total_params);
  check_max_sparsity(max_sparsity);
  check_law(law);
  const LawAlongBudget along(law, compute, model);
  const Minimum minimum = minimise(
      [&](double u) {
        const double sparsity = sparsity_from_coordinate(u);
        const LawAlongBudget::Point point = along.at(total_params, sparsity);
        return Probe{point.loss, point.slope_in_sparsity * (1.0 - sparsity)};
      },
      0.0, coordinate_from_sparsity(max_sparsity), kSparsityGridPoints);
  // The upper end is max_sparsity exactly, not its round trip through u.
  const double sparsity = minimum.at_upper ? max_sparsity : sparsity_from_coordinate(minimum.x);
  const LawAlongBudget::Point point = along.at(total_params, sparsity);
  return {sparsity, point.active, point.tokens, point.loss, minimum.at_upper};
}

double threshold_size(const SparsityLaw& law, double compute, const ActiveParameterModel& model,
                      double max_sparsity) {
  auto at_max = [&](double log_total) {
    return optimal_sparsity(law, compute, std::exp(log_total), model, max_sparsity).at_max_sparsity;
  };
  double below = std::log(kSmallestTotalParams);
  double above = std::log(kLargestTotalParams);
  if (at_max(below)) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "S* is at max_sparsity already at N = " + format_number(kSmallestTotalParams));
  }
  if (!at_max(above)) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "S* stays below max_sparsity up to N = " + format_number(kLargestTotalParams));
  }
  while (above - below > kCoordinateTolerance) {
    const double middle = 0.5 * (below + above);
    (at_max(middle) ? above : below) = middle;
  }
  return std::exp(above);
}

std::vector<std::string> OptimumOptions::validate() const {
  std::vector<std::string> problems;
  if (std::string problem = max_sparsity_problem(max_sparsity); !problem.empty())
    problems.push_back(std::move(problem));
  if (fixed_sparsity && !(*fixed_sparsity >= 0 && *fixed_sparsity < 1)) {
    problems.push_back("fixed_sparsity = " + format_number(*fixed_sparsity) +
                       " must lie in [0, 1)");
  }
  if (max_total_params &&
      !(std::isfinite(*max_total_params) && *max_total_params >= kSmallestTotalParams)) {
    problems.push_back("max_total_params = " + format_number(*max_total_params) +
                       " must be finite and at least " + format_number(kSmallestTotalParams) +
                       ", the smallest model searched");
  }
  return problems;
}

BudgetOptimum optimum(const SparsityLaw& law, double compute, const OptimumOptions& options) {
  check_positive("compute", compute);
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid optimum options:";
    for (const std::string& problem : problems)
      message += " " + problem + ";";
    throw FitRefused(RefusalReason::kInvalidOptions, message);
  }
  check_law(law);
  const LawAlongBudget along(law, compute, options.model);
  const double largest_total =
      std::min(kLargestTotalParams, options.max_total_params.value_or(kLargestTotalParams));
  const bool capped = options.max_total_params && *options.max_total_params <= kLargestTotalParams;
  // Along S the profile min_N L has the slope of L in S at the best N (the envelope theorem, which
  // holds at the cap too, since the cap does not move with S).
  auto best_size = [&](double sparsity) {
    const SizeSearch search = search_size(along, sparsity, largest_total);
    if (search.at_upper && !capped)
      refuse_at_largest(sparsity);
    return search;
  };
  BudgetOptimum result;
  if (options.fixed_sparsity) {
    result.sparsity = *options.fixed_sparsity;
  } else {
    const Minimum minimum = minimise(
        [&](double u) {
          const double sparsity = sparsity_from_coordinate(u);
          const LawAlongBudget::Point point = best_size(sparsity).point;
          return Probe{point.loss, point.slope_in_sparsity * (1.0 - sparsity)};
        },
        0.0, coordinate_from_sparsity(options.max_sparsity), kSparsityGridPoints);
    result.sparsity = minimum.at_upper ? options.max_sparsity : sparsity_from_coordinate(minimum.x);
    result.sparsity_at_bound = minimum.at_upper;
  }
  const SizeSearch search = best_size(result.sparsity);
  result.total_params = search.point.total;
  result.active_params = search.point.active;
  result.tokens = search.point.tokens;
  result.loss = search.point.loss;
  result.params_at_cap = search.at_upper;
  return result;
}

BudgetOptimumWithIntervals optimum_with_intervals(const SparsityLaw& best,
                                                  const std::vector<SparsityLaw>& replicates,
                                                  double compute, const OptimumOptions& options,
                                                  double level) {
  if (!(level > 0 && level < 1)) {
    throw FitRefused(RefusalReason::kInvalidOptions,
                     "level = " + format_number(level) + " must lie in (0, 1)");
  }
  BudgetOptimumWithIntervals result;
  result.point = optimum(best, compute, options);
  std::vector<BudgetOptimum> optima;
  std::map<std::string, std::size_t> refusals;
  for (const SparsityLaw& replicate : replicates) {
    try {
      optima.push_back(optimum(replicate, compute, options));
    } catch (const FitRefused& refused) {
      ++refusals[std::string(to_string(refused.reason()))];
    }
  }
  for (const auto& [reason, count] : refusals) {
    result.diagnostics.push_back(std::to_string(count) + " of " +
                                 std::to_string(replicates.size()) +
                                 " replicates left out: " + reason);
  }
  if (optima.empty())
    return result;
  auto interval_of = [&](double BudgetOptimum::*quantity) {
    std::vector<double> samples;
    samples.reserve(optima.size());
    for (const BudgetOptimum& replicate : optima)
      samples.push_back(replicate.*quantity);
    return percentile_interval(std::move(samples), level);
  };
  BudgetOptimumIntervals intervals;
  intervals.sparsity = interval_of(&BudgetOptimum::sparsity);
  intervals.total_params = interval_of(&BudgetOptimum::total_params);
  intervals.active_params = interval_of(&BudgetOptimum::active_params);
  intervals.tokens = interval_of(&BudgetOptimum::tokens);
  intervals.loss = interval_of(&BudgetOptimum::loss);
  intervals.replicates_used = optima.size();
  for (const BudgetOptimum& replicate : optima) {
    intervals.sparsity_at_bound += replicate.sparsity_at_bound ? 1 : 0;
    intervals.params_at_cap += replicate.params_at_cap ? 1 : 0;
  }
  result.intervals = intervals;
  return result;
}

}  // namespace moescope

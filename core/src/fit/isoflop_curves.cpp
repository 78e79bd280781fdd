// 2-D IsoFLOP curves: checks, grouping by budget and sparsity, and the choice of method. The
// methods are in parabola_minimum.cpp and akima_minimum.cpp, the power laws in
// optimum_power_law.cpp.

#include "moescope/fit/isoflop_curves.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "fit/isoflop_curve_methods.h"
#include "moescope/io/number_format.h"
#include "numerics/median.h"

namespace moescope {
namespace {

constexpr double kSparsityTolerance = 1e-9;

// A point's D: its own, else C / (6 N_a); empty without either (no C, or N_a absent: NaN).
std::optional<double> tokens_of(const CurvePoint& point) {
  if (point.tokens)
    return point.tokens;
  if (point.point.compute && !std::isnan(point.point.active_params))
    return *point.point.compute / (6.0 * point.point.active_params);
  return std::nullopt;
}

// N_a may be absent (NaN) on the N axis: routed-LM data gives N and S alone. Any N_a given must
// be a positive number.
void check_points(const std::vector<CurvePoint>& points, SizeAxis axis) {
  for (const CurvePoint& curve_point : points) {
    const SurfacePoint& point = curve_point.point;
    const bool active_usable = (axis == SizeAxis::kTotal && std::isnan(point.active_params)) ||
                               (std::isfinite(point.active_params) && point.active_params > 0);
    const bool usable = std::isfinite(point.total_params) && point.total_params > 0 &&
                        active_usable && point.sparsity >= 0 && point.sparsity < 1 &&
                        std::isfinite(point.loss) && point.loss > 0;
    if (!usable) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "point of run #" + std::to_string(point.run_index) +
                           ": N, N_active and the loss must be positive numbers and S in [0, 1)");
    }
    const std::optional<double> tokens = tokens_of(curve_point);
    if (tokens && !(std::isfinite(*tokens) && *tokens > 0)) {
      throw FitRefused(
          RefusalReason::kNonFiniteData,
          "point of run #" + std::to_string(point.run_index) + ": D must be a positive number");
    }
  }
}

void refuse_bad_options(const CurveFitOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (problems.empty())
    return;
  std::string message = "curve fit options:";
  for (const std::string& problem : problems)
    message += " " + problem + ";";
  throw FitRefused(RefusalReason::kInvalidOptions, message);
}

// `noise` is the Akima method's stream (unused by the parabola's, which seeds its own sampler
// with `seed`).
IsoFlopCurve fit_curve(const std::vector<CurvePoint>& points, const CurveFitOptions& options,
                       std::uint64_t seed, numerics::NumpyLegacyNormal& noise) {
  check_points(points, options.axis);
  if (points.size() < static_cast<std::size_t>(options.min_points)) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(points.size()) + " points, fewer than the " +
                         std::to_string(options.min_points) + " a curve needs");
  }
  std::vector<double> sizes, losses;
  std::optional<std::vector<double>> tokens(std::in_place);
  for (const CurvePoint& curve_point : points) {
    const SurfacePoint& point = curve_point.point;
    sizes.push_back(options.axis == SizeAxis::kTotal ? point.total_params : point.active_params);
    losses.push_back(point.loss);
    const std::optional<double> d = tokens_of(curve_point);
    if (d && tokens)
      tokens->push_back(*d);
    else
      tokens.reset();  // D* needs every point's D
  }

  IsoFlopCurve curve;
  curve.sparsity = points.front().point.sparsity;
  curve.axis = options.axis;
  curve.method = options.method;
  curve.points = points.size();
  curve.distinct_sizes = distinct_values(sizes);
  const std::string name = options.axis == SizeAxis::kTotal ? "N" : "N_active";
  AxisMinimum size_minimum;
  std::optional<AxisMinimum> tokens_minimum;
  if (options.method == CurveMethod::kParabola) {
    ParabolaMinima minima =
        parabola_minima(sizes, tokens, losses, options.bootstrap_replicates, seed, name, "D");
    size_minimum = std::move(minima.first);
    tokens_minimum = std::move(minima.second);
  } else {
    // Both variables draw their noise before either may refuse, as Porian et al.'s code does.
    std::optional<FitRefused> refusal;
    try {
      size_minimum = akima_minimum(sizes, losses, options, noise, name);
    } catch (const FitRefused& refused) {
      refusal = refused;
    }
    if (tokens) {
      try {
        tokens_minimum = akima_minimum(*tokens, losses, options, noise, "D");
      } catch (const FitRefused& refused) {
        if (!refusal)
          refusal = refused;
      }
    }
    if (refusal)
      throw *refusal;
  }
  curve.a = size_minimum.a;
  curve.b = size_minimum.b;
  curve.c = size_minimum.c;
  curve.log_size_min = size_minimum.log_min;
  curve.log_size_max = size_minimum.log_max;
  curve.optimal_size = size_minimum.optimum;
  curve.optimal_loss = size_minimum.loss;
  curve.size_interval = size_minimum.interval;
  curve.loss_interval = size_minimum.loss_interval;
  curve.log_size_sd = size_minimum.log_sd;
  curve.replicate_optimal_sizes = std::move(size_minimum.replicates);
  curve.replicates_dropped = size_minimum.dropped;
  if (tokens_minimum) {
    curve.optimal_tokens = tokens_minimum->optimum;
    curve.tokens_interval = tokens_minimum->interval;
    curve.log_tokens_sd = tokens_minimum->log_sd;
    curve.replicate_optimal_tokens = std::move(tokens_minimum->replicates);
  }
  return curve;
}

// Points of one budget split by sparsity level, in increasing S.
std::vector<std::vector<CurvePoint>> split_by_sparsity(std::vector<CurvePoint> points) {
  std::stable_sort(points.begin(), points.end(), [](const CurvePoint& x, const CurvePoint& y) {
    return x.point.sparsity < y.point.sparsity;
  });
  std::vector<std::vector<CurvePoint>> levels;
  for (const CurvePoint& point : points) {
    if (levels.empty() ||
        point.point.sparsity - levels.back().front().point.sparsity > kSparsityTolerance) {
      levels.emplace_back();
    }
    levels.back().push_back(point);
  }
  return levels;
}

std::vector<CurvePoint> without_tokens(const std::vector<SurfacePoint>& points) {
  std::vector<CurvePoint> curve_points;
  curve_points.reserve(points.size());
  for (const SurfacePoint& point : points)
    curve_points.push_back({point, std::nullopt});
  return curve_points;
}

// The sparsity levels of the data, increasing, levels within the tolerance being one.
std::vector<double> sparsity_levels(const std::vector<CurvePoint>& points) {
  std::vector<double> all;
  for (const CurvePoint& point : points)
    all.push_back(point.point.sparsity);
  std::sort(all.begin(), all.end());
  std::vector<double> levels;
  for (const double s : all) {
    if (levels.empty() || s - levels.back() > kSparsityTolerance)
      levels.push_back(s);
  }
  return levels;
}

std::uint32_t akima_seed(const CurveFitOptions& options, std::size_t level) {
  return static_cast<std::uint32_t>(options.seed + level);
}

}  // namespace

CurveFitOptions CurveFitOptions::porian2024() {
  CurveFitOptions options;
  options.method = CurveMethod::kAkima;
  options.min_points = 3;
  options.bootstrap_replicates = 1000;
  options.seed = 42;
  options.loss_noise = 0.002;
  options.grid_points_per_interval = 25;
  options.min_sd_factor = 0.33;
  return options;
}

std::vector<std::string> CurveFitOptions::validate() const {
  std::vector<std::string> problems;
  if (min_points < 3)
    problems.push_back("min_points must be >= 3");
  if (bootstrap_replicates < 0)
    problems.push_back("bootstrap_replicates must be >= 0");
  for (std::string& problem : binning.validate())
    problems.push_back(std::move(problem));
  if (method == CurveMethod::kAkima) {
    if (seed >= (std::uint64_t{1} << 32))
      problems.push_back("seed must be below 2^32 with the Akima method (NumPy's generator)");
    if (!(loss_noise >= 0 && std::isfinite(loss_noise)))
      problems.push_back("loss_noise must be finite and >= 0");
    if (grid_points_per_interval < 2)
      problems.push_back("grid_points_per_interval must be >= 2");
    if (!(min_sd_factor >= 0 && std::isfinite(min_sd_factor)))
      problems.push_back("min_sd_factor must be finite and >= 0");
  }
  return problems;
}

std::vector<CurvePoint> curve_points(const SurfaceData& data, const std::vector<Run>& runs) {
  std::vector<CurvePoint> points;
  points.reserve(data.points.size());
  for (const SurfacePoint& point : data.points) {
    if (point.run_index >= runs.size())
      throw std::invalid_argument("curve_points: a point's run index is beyond the runs");
    points.push_back({point, runs[point.run_index].tokens});
  }
  return points;
}

IsoFlopCurve fit_isoflop_curve(const std::vector<CurvePoint>& points,
                               const CurveFitOptions& options) {
  refuse_bad_options(options);
  for (const CurvePoint& point : points) {
    if (std::abs(point.point.sparsity - points.front().point.sparsity) > kSparsityTolerance)
      throw std::invalid_argument("fit_isoflop_curve: the points have several sparsity levels");
  }
  numerics::NumpyLegacyNormal noise(akima_seed(options, 0));
  IsoFlopCurve curve = fit_curve(points, options, options.seed, noise);
  std::vector<double> budgets;
  for (const CurvePoint& point : points) {
    if (point.point.compute)
      budgets.push_back(*point.point.compute);
  }
  if (!budgets.empty())
    curve.budget = numerics::median(std::move(budgets));
  return curve;
}

IsoFlopCurve fit_isoflop_curve(const std::vector<SurfacePoint>& points,
                               const CurveFitOptions& options) {
  return fit_isoflop_curve(without_tokens(points), options);
}

IsoFlopCurves fit_isoflop_curves(const std::vector<CurvePoint>& points,
                                 const CurveFitOptions& options) {
  refuse_bad_options(options);
  IsoFlopCurves result;
  result.method = options.method;
  // Budgets are grouped on the surface points; each keeps its index into `points` for its D.
  std::vector<SurfacePoint> indexed;
  indexed.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    indexed.push_back(points[i].point);
    indexed.back().run_index = i;
  }
  // The Akima method's noise: one stream per sparsity level, drawn budget by budget in
  // increasing C, so that a dense data set sees exactly Porian et al.'s stream and a level's
  // draws do not depend on the other levels.
  const std::vector<double> levels = sparsity_levels(points);
  std::vector<numerics::NumpyLegacyNormal> streams;
  for (std::size_t level = 0; level < levels.size(); ++level)
    streams.emplace_back(akima_seed(options, level));
  // The parabola's resamples: one stream per curve, so one curve's resamples do not depend on
  // how many curves came before it.
  std::uint64_t seed = options.seed;
  for (const BudgetGroup& group : group_by_budget(indexed, options.binning)) {
    std::vector<CurvePoint> group_points;
    for (const SurfacePoint& point : group.points)
      group_points.push_back(points[point.run_index]);
    for (const std::vector<CurvePoint>& level : split_by_sparsity(std::move(group_points))) {
      const double sparsity = level.front().point.sparsity;
      const auto level_index = static_cast<std::size_t>(
          std::lower_bound(levels.begin(), levels.end(), sparsity - kSparsityTolerance) -
          levels.begin());
      try {
        IsoFlopCurve curve = fit_curve(level, options, seed++, streams.at(level_index));
        curve.budget = group.budget;
        result.curves.push_back(std::move(curve));
      } catch (const FitRefused& refusal) {
        result.refused.push_back(
            {group.budget, sparsity, level.size(), refusal.reason(), refusal.what()});
      }
    }
  }
  return result;
}

IsoFlopCurves fit_isoflop_curves(const std::vector<SurfacePoint>& points,
                                 const CurveFitOptions& options) {
  return fit_isoflop_curves(without_tokens(points), options);
}

}  // namespace moescope

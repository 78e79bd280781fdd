#include "moescope/fit/downstream_fit.h"

#include <ceres/ceres.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "fit/run_requirements.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"
#include "numerics/seeded_sampling.h"

namespace moescope {
namespace {

// The curve has four parameters; a fit needs at least one point more.
constexpr std::size_t kMinPoints = 5;

std::string describe(const Run& run) {
  return "run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")");
}

void check_point(const DownstreamPoint& point, const std::string& where) {
  if (!(std::isfinite(point.loss) && point.loss > 0)) {
    throw FitRefused(RefusalReason::kNonFiniteData,
                     where + ": loss " + format_number(point.loss) + " is not finite and > 0");
  }
  if (!(point.sparsity >= 0 && point.sparsity < 1)) {
    throw FitRefused(RefusalReason::kNonFiniteData,
                     where + ": sparsity " + format_number(point.sparsity) + " is outside [0, 1)");
  }
  if (!(point.error >= 0 && point.error <= 1)) {
    throw FitRefused(RefusalReason::kNonFiniteData,
                     where + ": error " + format_number(point.error) + " is outside [0, 1]");
  }
}

// Optimiser coordinates: floor in [0, 1]; the rise's share of what lies above the floor in
// [0, 1], so that floor <= ceiling <= 1 holds by construction with box bounds alone; ln steepness;
// midpoint.
enum Coordinate { kFloor, kRiseShare, kLogSteepness, kMidpoint, kCoordinates };

SaturatingCurve curve_from(const std::array<double, kCoordinates>& x) {
  return {x[kFloor], x[kFloor] + (1.0 - x[kFloor]) * x[kRiseShare], std::exp(x[kLogSteepness]),
          x[kMidpoint]};
}

// 1 / (1 + exp(-z)) without overflowing exp for large |z| (which would make the derivatives NaN).
template <typename T>
T logistic(const T& z) {
  using std::exp;
  if (z >= T(0))
    return T(1) / (T(1) + exp(-z));
  const T grows = exp(z);
  return grows / (T(1) + grows);
}

struct CurveResidual {
  double loss;
  double error;

  template <typename T>
  bool operator()(const T* x, T* residual) const {
    using std::exp;
    const T& floor = x[kFloor];
    const T rise = (T(1) - floor) * x[kRiseShare];
    residual[0] =
        T(error) - (floor + rise * logistic(exp(x[kLogSteepness]) * (T(loss) - x[kMidpoint])));
    return true;
  }
};

struct LossRange {
  double lo = 0;
  double hi = 0;
  double span() const { return hi - lo; }
};

// Bounds on the steepness times the losses' span: below the lower bound the curve is a straight
// line over the data and its plateaus are unidentified; above the upper one it is a step.
constexpr double kMinSteepnessTimesSpan = 0.1;
constexpr double kMaxSteepnessTimesSpan = 1000.0;
// The midpoint may lie this many spans beyond the data, where the data show one plateau only.
constexpr double kMidpointReachInSpans = 3.0;

struct CurveFit {
  std::array<double, kCoordinates> x{};
  double cost = std::numeric_limits<double>::infinity();
};

CurveFit fit_curve(const std::vector<DownstreamPoint>& points, const LossRange& range) {
  std::vector<double> losses;
  double min_error = 1;
  double max_error = 0;
  for (const DownstreamPoint& point : points) {
    losses.push_back(point.loss);
    min_error = std::min(min_error, point.error);
    max_error = std::max(max_error, point.error);
  }
  std::sort(losses.begin(), losses.end());
  auto loss_quantile = [&](double q) {
    return losses[static_cast<std::size_t>(q * static_cast<double>(losses.size() - 1))];
  };
  const double floor_start = std::clamp(min_error - 0.02, 0.0, 0.95);
  const double ceiling_start = std::clamp(max_error + 0.02, floor_start, 1.0);
  const double rise_share_start =
      std::clamp((ceiling_start - floor_start) / (1.0 - floor_start), 0.05, 0.95);

  ceres::Solver::Options solver;
  solver.linear_solver_type = ceres::DENSE_QR;
  solver.logging_type = ceres::SILENT;
  solver.max_num_iterations = 500;
  solver.function_tolerance = 1e-12;
  solver.gradient_tolerance = 1e-12;
  solver.parameter_tolerance = 1e-10;
  solver.num_threads = 1;

  CurveFit best;
  // Starts across the loss range and from a gentle to a sharp transition.
  for (const double midpoint_quantile : {0.25, 0.5, 0.75}) {
    for (const double steepness_times_span : {3.0, 10.0}) {
      CurveFit start;
      start.x = {floor_start, rise_share_start, std::log(steepness_times_span / range.span()),
                 loss_quantile(midpoint_quantile)};
      ceres::Problem problem;
      for (const DownstreamPoint& point : points) {
        problem.AddResidualBlock(new ceres::AutoDiffCostFunction<CurveResidual, 1, kCoordinates>(
                                     new CurveResidual{point.loss, point.error}),
                                 nullptr, start.x.data());
      }
      double* x = start.x.data();
      problem.SetParameterLowerBound(x, kFloor, 0.0);
      problem.SetParameterUpperBound(x, kFloor, 1.0);
      problem.SetParameterLowerBound(x, kRiseShare, 0.0);
      problem.SetParameterUpperBound(x, kRiseShare, 1.0);
      problem.SetParameterLowerBound(x, kLogSteepness,
                                     std::log(kMinSteepnessTimesSpan / range.span()));
      problem.SetParameterUpperBound(x, kLogSteepness,
                                     std::log(kMaxSteepnessTimesSpan / range.span()));
      problem.SetParameterLowerBound(x, kMidpoint, range.lo - kMidpointReachInSpans * range.span());
      problem.SetParameterUpperBound(x, kMidpoint, range.hi + kMidpointReachInSpans * range.span());
      ceres::Solver::Summary summary;
      ceres::Solve(solver, &problem, &summary);
      if (summary.termination_type == ceres::CONVERGENCE && summary.final_cost < best.cost) {
        start.cost = summary.final_cost;
        best = start;
      }
    }
  }
  return best;
}

// Groups of point indices with one sparsity level each, by increasing S.
std::vector<std::vector<std::size_t>> sparsity_levels(const std::vector<DownstreamPoint>& points,
                                                      double tolerance) {
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    return points[i].sparsity < points[j].sparsity;
  });
  std::vector<std::vector<std::size_t>> levels;
  double level_start = 0;
  for (const std::size_t i : order) {
    if (levels.empty() || points[i].sparsity - level_start > tolerance) {
      levels.emplace_back();
      level_start = points[i].sparsity;
    }
    levels.back().push_back(i);
  }
  return levels;
}

// SUM_levels count (mean - grand mean)^2 / (levels - 1), with the residuals taken in `order`
// and the levels given by their sizes.
double between_level_mean_square(const std::vector<double>& residuals,
                                 const std::vector<std::size_t>& order,
                                 const std::vector<std::size_t>& level_sizes, double grand_mean) {
  double sum = 0;
  std::size_t next = 0;
  for (const std::size_t size : level_sizes) {
    double level_sum = 0;
    for (std::size_t i = 0; i < size; ++i)
      level_sum += residuals[order[next++]];
    const double deviation = level_sum / static_cast<double>(size) - grand_mean;
    sum += static_cast<double>(size) * deviation * deviation;
  }
  return sum / static_cast<double>(level_sizes.size() - 1);
}

SparsityShiftTest shift_test(const std::vector<double>& residuals,
                             const std::vector<std::vector<std::size_t>>& levels,
                             const DownstreamFitOptions& options) {
  std::vector<std::size_t> order;
  std::vector<std::size_t> level_sizes;
  for (const std::vector<std::size_t>& level : levels) {
    order.insert(order.end(), level.begin(), level.end());
    level_sizes.push_back(level.size());
  }
  const double grand_mean = std::accumulate(residuals.begin(), residuals.end(), 0.0) /
                            static_cast<double>(residuals.size());
  SparsityShiftTest test;
  test.permutations = options.permutations;
  test.statistic = between_level_mean_square(residuals, order, level_sizes, grand_mean);
  // Rounding can make a relabelling that only swaps points within levels differ from the
  // observed statistic in its last bits; it still reaches it.
  const double reached = test.statistic * (1.0 - 1e-12);
  numerics::SeededSampler sampler(options.seed);
  int reaching = 0;
  for (int p = 0; p < options.permutations; ++p) {
    if (between_level_mean_square(residuals, sampler.permutation(residuals.size()), level_sizes,
                                  grand_mean) >= reached)
      ++reaching;
  }
  test.p_value = (1.0 + reaching) / (1.0 + options.permutations);
  test.shifted = test.p_value < options.alpha;
  return test;
}

SparsityResiduals summarise_level(const std::vector<DownstreamPoint>& points,
                                  const std::vector<double>& residuals,
                                  const std::vector<std::size_t>& level) {
  SparsityResiduals summary;
  summary.sparsity = points[level.front()].sparsity;
  summary.count = level.size();
  double sum = 0;
  for (const std::size_t i : level)
    sum += residuals[i];
  const double count = static_cast<double>(level.size());
  summary.mean_residual = sum / count;
  if (level.size() < 2) {
    summary.standard_error = std::numeric_limits<double>::quiet_NaN();
    return summary;
  }
  double squares = 0;
  for (const std::size_t i : level)
    squares += (residuals[i] - summary.mean_residual) * (residuals[i] - summary.mean_residual);
  summary.standard_error = std::sqrt(squares / (count - 1.0) / count);
  return summary;
}

// A plateau counts as measured when the data reach losses where the curve has covered all but
// this share of the rise towards it.
constexpr double kPlateauShare = 0.1;

std::vector<std::string> curve_diagnostics(const SaturatingCurve& curve,
                                           const std::array<double, kCoordinates>& x,
                                           const LossRange& range) {
  std::vector<std::string> diagnostics;
  const double rise_at_lowest = logistic(curve.steepness * (range.lo - curve.midpoint));
  const double rise_at_highest = logistic(curve.steepness * (range.hi - curve.midpoint));
  if (rise_at_lowest > kPlateauShare) {
    diagnostics.push_back("the data do not reach the floor: at the lowest loss (" +
                          format_number(range.lo) + ") the curve has " +
                          format_number(std::round(100 * rise_at_lowest)) +
                          " % of its rise left, so the floor is an extrapolation");
  }
  if (rise_at_highest < 1 - kPlateauShare) {
    diagnostics.push_back("the data do not reach the ceiling: at the highest loss (" +
                          format_number(range.hi) + ") the curve has " +
                          format_number(std::round(100 * (1 - rise_at_highest))) +
                          " % of its rise to go, so the ceiling is an extrapolation");
  }
  const double steepness_times_span = curve.steepness * range.span();
  if (steepness_times_span <= kMinSteepnessTimesSpan * (1 + 1e-6)) {
    diagnostics.push_back(
        "the steepness sits at its lower bound: over these losses the relation is a straight "
        "line");
  } else if (steepness_times_span >= kMaxSteepnessTimesSpan * (1 - 1e-6)) {
    diagnostics.push_back("the steepness sits at its upper bound: the error jumps like a step");
  }
  if (x[kFloor] <= 1e-9)
    diagnostics.push_back("the floor sits at its bound 0");
  if (curve.ceiling >= 1 - 1e-9)
    diagnostics.push_back("the ceiling sits at its bound 1");
  return diagnostics;
}

}  // namespace

double SaturatingCurve::error(double loss) const {
  return floor + (ceiling - floor) * logistic(steepness * (loss - midpoint));
}

std::vector<DownstreamPoint> downstream_points(const std::vector<Run>& runs,
                                               const std::string& task) {
  std::vector<DownstreamPoint> points;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    if (run.status != RunStatus::kDone || !run.loss || !run.sparsity)
      continue;
    const auto metric =
        std::find_if(run.downstream.begin(), run.downstream.end(),
                     [&](const TaskMetric& candidate) { return candidate.task == task; });
    if (metric == run.downstream.end())
      continue;
    DownstreamPoint point;
    point.loss = *run.loss;
    point.sparsity = *run.sparsity;
    point.run_index = i;
    switch (metric->kind) {
      case MetricKind::kAccuracy:
        point.error = 1.0 - metric->value;
        break;
      case MetricKind::kError:
        point.error = metric->value;
        break;
      case MetricKind::kLoss:
      case MetricKind::kOther:
        throw FitRefused(RefusalReason::kInvalidOptions,
                         describe(run) + " reports task " + task + " as " +
                             std::string(to_string(metric->kind)) + ", which has no error reading");
    }
    check_point(point, describe(run) + ", task " + task);
    points.push_back(point);
  }
  std::vector<std::size_t> used;
  for (const DownstreamPoint& point : points)
    used.push_back(point.run_index);
  one_loss_unit(runs, used);
  return points;
}

std::vector<std::string> DownstreamFitOptions::validate() const {
  std::vector<std::string> problems;
  if (permutations < 1)
    problems.push_back("permutations = " + std::to_string(permutations) + " must be >= 1");
  if (!(alpha > 0 && alpha < 1))
    problems.push_back("alpha = " + format_number(alpha) + " must lie in (0, 1)");
  if (!(sparsity_tolerance >= 0 && sparsity_tolerance < 1)) {
    problems.push_back("sparsity_tolerance = " + format_number(sparsity_tolerance) +
                       " must lie in [0, 1)");
  }
  return problems;
}

DownstreamFit fit_downstream(const std::vector<DownstreamPoint>& points,
                             const DownstreamFitOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid downstream fit options:";
    for (const std::string& problem : problems)
      message += " " + problem + ";";
    throw FitRefused(RefusalReason::kInvalidOptions, message);
  }
  for (std::size_t i = 0; i < points.size(); ++i)
    check_point(points[i], "point " + std::to_string(i));
  if (points.size() < kMinPoints) {
    throw FitRefused(RefusalReason::kTooFewPoints, std::to_string(points.size()) +
                                                       " points; the curve needs at least " +
                                                       std::to_string(kMinPoints));
  }
  const auto [lowest, highest] = std::minmax_element(
      points.begin(), points.end(),
      [](const DownstreamPoint& x, const DownstreamPoint& y) { return x.loss < y.loss; });
  const LossRange range{lowest->loss, highest->loss};
  if (!(range.span() > 0)) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "every point has loss " + format_number(range.lo));
  }
  const CurveFit curve_fit = fit_curve(points, range);
  if (!std::isfinite(curve_fit.cost))
    throw FitRefused(RefusalReason::kNoConvergence, "no start of the curve fit converged");

  DownstreamFit fit;
  fit.curve = curve_from(curve_fit.x);
  fit.points = points;
  double squares = 0;
  for (const DownstreamPoint& point : points) {
    fit.residuals.push_back(point.error - fit.curve.error(point.loss));
    squares += fit.residuals.back() * fit.residuals.back();
  }
  fit.rmse = std::sqrt(squares / static_cast<double>(points.size()));
  fit.diagnostics = curve_diagnostics(fit.curve, curve_fit.x, range);

  const std::vector<std::vector<std::size_t>> levels =
      sparsity_levels(points, options.sparsity_tolerance);
  for (const std::vector<std::size_t>& level : levels)
    fit.by_sparsity.push_back(summarise_level(points, fit.residuals, level));
  if (levels.size() < 2) {
    fit.diagnostics.push_back("no shift test: every point has sparsity " +
                              format_number(fit.by_sparsity.front().sparsity));
  } else {
    fit.shift_test = shift_test(fit.residuals, levels, options);
  }
  return fit;
}

}  // namespace moescope

#include "moescope/fit/isoflop_curves.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fit/bootstrap_interval.h"
#include "fit/least_squares.h"
#include "fit/median.h"
#include "fit/seeded_sampling.h"
#include "moescope/number_format.h"

namespace moescope {
namespace {

constexpr double kSparsityTolerance = 1e-9;

// A least-squares parabola in x = ln(size). It is fitted in u = x - centre, where the columns
// u^2, u, 1 are far from collinear (x^2 and x over x in [18, 25] are not), and its vertex is read
// in u.
struct Parabola {
  double centre = 0;
  double curvature = 0;  // coefficient of u^2, the same as of x^2
  double slope = 0;      // of u
  double offset = 0;     // at u = 0
  double x_min = 0, x_max = 0;

  double vertex_x() const { return centre - slope / (2.0 * curvature); }
  double vertex_loss() const { return offset - slope * slope / (4.0 * curvature); }
};

// Empty when the sizes do not determine a parabola (fewer than three distinct values).
std::optional<Parabola> fit_parabola(const Eigen::VectorXd& x, const Eigen::VectorXd& loss) {
  Parabola parabola;
  parabola.centre = x.mean();
  parabola.x_min = x.minCoeff();
  parabola.x_max = x.maxCoeff();
  Eigen::MatrixXd design(x.size(), 3);
  design.col(0) = (x.array() - parabola.centre).square().matrix();
  design.col(1) = x.array() - parabola.centre;
  design.col(2).setOnes();
  const std::optional<Eigen::VectorXd> solution = solve_least_squares(design, loss);
  if (!solution)
    return std::nullopt;
  parabola.curvature = (*solution)(0);
  parabola.slope = (*solution)(1);
  parabola.offset = (*solution)(2);
  return parabola;
}

// Why a parabola has no usable minimum, or empty when it has one strictly inside its data.
std::optional<std::string> minimum_problem(const Parabola& parabola) {
  if (!(parabola.curvature > 0))
    return "the parabola opens downwards (a = " + format_number(parabola.curvature) +
           "): no minimum";
  const double vertex = parabola.vertex_x();
  if (!(vertex > parabola.x_min && vertex < parabola.x_max)) {
    return "the vertex ln size = " + format_number(vertex) + " lies outside the data's [" +
           format_number(parabola.x_min) + ", " + format_number(parabola.x_max) + "]";
  }
  return std::nullopt;
}

void check_points(const std::vector<SurfacePoint>& points) {
  for (const SurfacePoint& point : points) {
    const bool usable = std::isfinite(point.total_params) && point.total_params > 0 &&
                        std::isfinite(point.active_params) && point.active_params > 0 &&
                        point.sparsity >= 0 && point.sparsity < 1 && std::isfinite(point.loss) &&
                        point.loss > 0;
    if (!usable) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "point of run #" + std::to_string(point.run_index) +
                           ": N, N_active and the loss must be positive numbers and S in [0, 1)");
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

IsoFlopCurve fit_curve(const std::vector<SurfacePoint>& points, const CurveFitOptions& options,
                       std::uint64_t seed) {
  check_points(points);
  if (points.size() < static_cast<std::size_t>(options.min_points)) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(points.size()) + " points, fewer than the " +
                         std::to_string(options.min_points) + " a curve needs");
  }
  const auto count = static_cast<Eigen::Index>(points.size());
  Eigen::VectorXd x(count), loss(count);
  for (Eigen::Index i = 0; i < count; ++i) {
    const SurfacePoint& point = points[static_cast<std::size_t>(i)];
    x(i) = std::log(options.axis == SizeAxis::kTotal ? point.total_params : point.active_params);
    loss(i) = point.loss;
  }
  const std::optional<Parabola> parabola = fit_parabola(x, loss);
  if (!parabola) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "the sizes do not determine a parabola (fewer than three distinct sizes)");
  }
  if (const std::optional<std::string> problem = minimum_problem(*parabola))
    throw FitRefused(RefusalReason::kNoInteriorMinimum, *problem);

  IsoFlopCurve curve;
  curve.sparsity = points.front().sparsity;
  curve.axis = options.axis;
  curve.points = points.size();
  // Back from u = x - centre to x.
  const double centre = parabola->centre;
  curve.a = parabola->curvature;
  curve.b = parabola->slope - 2.0 * parabola->curvature * centre;
  curve.c = parabola->offset - parabola->slope * centre + parabola->curvature * centre * centre;
  curve.log_size_min = parabola->x_min;
  curve.log_size_max = parabola->x_max;
  curve.optimal_size = std::exp(parabola->vertex_x());
  curve.optimal_loss = parabola->vertex_loss();

  SeededSampler sampler(seed);
  std::vector<double> sizes, losses;
  for (int replicate = 0; replicate < options.bootstrap_replicates; ++replicate) {
    const std::vector<std::size_t> drawn = sampler.with_replacement(points.size());
    const std::vector<Eigen::Index> rows(drawn.begin(), drawn.end());
    const std::optional<Parabola> refit = fit_parabola(x(rows), loss(rows));
    if (!refit || minimum_problem(*refit)) {
      curve.replicate_optimal_sizes.emplace_back();
      ++curve.replicates_dropped;
      continue;
    }
    sizes.push_back(std::exp(refit->vertex_x()));
    losses.push_back(refit->vertex_loss());
    curve.replicate_optimal_sizes.push_back(sizes.back());
  }
  curve.size_interval = bootstrap_interval(std::move(sizes));
  curve.loss_interval = bootstrap_interval(std::move(losses));
  return curve;
}

// Points of one budget split by sparsity level, in increasing S.
std::vector<std::vector<SurfacePoint>> split_by_sparsity(std::vector<SurfacePoint> points) {
  std::stable_sort(points.begin(), points.end(), [](const SurfacePoint& x, const SurfacePoint& y) {
    return x.sparsity < y.sparsity;
  });
  std::vector<std::vector<SurfacePoint>> levels;
  for (const SurfacePoint& point : points) {
    if (levels.empty() || point.sparsity - levels.back().front().sparsity > kSparsityTolerance) {
      levels.emplace_back();
    }
    levels.back().push_back(point);
  }
  return levels;
}

}  // namespace

std::vector<std::string> CurveFitOptions::validate() const {
  std::vector<std::string> problems;
  if (min_points < 3)
    problems.push_back("min_points must be >= 3");
  if (bootstrap_replicates < 0)
    problems.push_back("bootstrap_replicates must be >= 0");
  return problems;
}

IsoFlopCurve fit_isoflop_curve(const std::vector<SurfacePoint>& points,
                               const CurveFitOptions& options) {
  refuse_bad_options(options);
  for (const SurfacePoint& point : points) {
    if (std::abs(point.sparsity - points.front().sparsity) > kSparsityTolerance)
      throw std::invalid_argument("fit_isoflop_curve: the points have several sparsity levels");
  }
  IsoFlopCurve curve = fit_curve(points, options, options.seed);
  std::vector<double> budgets;
  for (const SurfacePoint& point : points) {
    if (point.compute)
      budgets.push_back(*point.compute);
  }
  if (!budgets.empty())
    curve.budget = median(std::move(budgets));
  return curve;
}

IsoFlopCurves fit_isoflop_curves(const std::vector<SurfacePoint>& points,
                                 const CurveFitOptions& options) {
  refuse_bad_options(options);
  IsoFlopCurves result;
  // Each curve has its own stream, so one curve's resamples do not depend on how many curves
  // came before it.
  std::uint64_t seed = options.seed;
  for (const BudgetGroup& group : group_by_budget(points)) {
    for (const std::vector<SurfacePoint>& level : split_by_sparsity(group.points)) {
      try {
        IsoFlopCurve curve = fit_curve(level, options, seed++);
        curve.budget = group.budget;
        result.curves.push_back(std::move(curve));
      } catch (const FitRefused& refusal) {
        result.refused.push_back(
            {group.budget, level.front().sparsity, level.size(), refusal.reason(), refusal.what()});
      }
    }
  }
  return result;
}

PowerLawFit fit_optimal_size_power_law(const IsoFlopCurves& curves, double sparsity) {
  std::vector<const IsoFlopCurve*> selected;
  for (const IsoFlopCurve& curve : curves.curves) {
    if (curve.budget && std::abs(curve.sparsity - sparsity) <= kSparsityTolerance)
      selected.push_back(&curve);
  }
  if (selected.size() < 2) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(selected.size()) + " budget(s) with a fitted curve at S = " +
                         format_number(sparsity) + "; a power law needs two");
  }
  const auto count = static_cast<Eigen::Index>(selected.size());
  Eigen::MatrixXd design(count, 2);
  Eigen::VectorXd log_size(count);
  for (Eigen::Index i = 0; i < count; ++i) {
    const IsoFlopCurve& curve = *selected[static_cast<std::size_t>(i)];
    design(i, 0) = std::log(*curve.budget);
    design(i, 1) = 1.0;
    log_size(i) = std::log(curve.optimal_size);
  }
  const std::optional<Eigen::VectorXd> line = solve_least_squares(design, log_size);
  if (!line)
    throw FitRefused(RefusalReason::kSingularDesign, "all curves share one budget");
  PowerLawFit fit;
  fit.exponent = (*line)(0);
  fit.coefficient = std::exp((*line)(1));
  fit.budgets = selected.size();

  std::size_t replicates = selected.front()->replicate_optimal_sizes.size();
  for (const IsoFlopCurve* curve : selected)
    replicates = std::min(replicates, curve->replicate_optimal_sizes.size());
  std::vector<double> exponents;
  for (std::size_t replicate = 0; replicate < replicates; ++replicate) {
    bool complete = true;
    for (Eigen::Index i = 0; i < count && complete; ++i) {
      const std::optional<double>& vertex =
          selected[static_cast<std::size_t>(i)]->replicate_optimal_sizes[replicate];
      complete = vertex.has_value();
      if (complete)
        log_size(i) = std::log(*vertex);
    }
    if (!complete)
      continue;
    if (const std::optional<Eigen::VectorXd> refit = solve_least_squares(design, log_size))
      exponents.push_back((*refit)(0));
  }
  fit.replicates_used = exponents.size();
  fit.exponent_interval = bootstrap_interval(std::move(exponents));
  return fit;
}

}  // namespace moescope

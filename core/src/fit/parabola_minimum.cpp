// CurveMethod::kParabola: Hoffmann et al. 2022, Approach 2 ("IsoFLOP profiles"), as the paper's
// Appendix D.4 uses it: a least-squares parabola in ln(size) per IsoFLOP curve, its vertex, and
// resamples of the points with replacement for the intervals.

#include <Eigen/Core>
#include <cmath>

#include "fit/bootstrap_interval.h"
#include "fit/isoflop_curve_methods.h"
#include "moescope/io/number_format.h"
#include "numerics/least_squares.h"
#include "numerics/seeded_sampling.h"

namespace moescope {
namespace {

// A least-squares parabola in x = ln(variable). It is fitted in u = x - centre, where the columns
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

// Empty when the values do not determine a parabola (fewer than three distinct values).
std::optional<Parabola> fit_parabola(const Eigen::VectorXd& x, const Eigen::VectorXd& loss) {
  Parabola parabola;
  parabola.centre = x.mean();
  parabola.x_min = x.minCoeff();
  parabola.x_max = x.maxCoeff();
  Eigen::MatrixXd design(x.size(), 3);
  design.col(0) = (x.array() - parabola.centre).square().matrix();
  design.col(1) = x.array() - parabola.centre;
  design.col(2).setOnes();
  const std::optional<Eigen::VectorXd> solution = numerics::solve_least_squares(design, loss);
  if (!solution)
    return std::nullopt;
  parabola.curvature = (*solution)(0);
  parabola.slope = (*solution)(1);
  parabola.offset = (*solution)(2);
  return parabola;
}

// Why a parabola has no usable minimum, or empty when it has one strictly inside its data.
std::optional<std::string> minimum_problem(const Parabola& parabola, const std::string& name) {
  if (!(parabola.curvature > 0))
    return "the parabola in ln " + name + " opens downwards: no minimum";
  const double vertex = parabola.vertex_x();
  if (!(vertex > parabola.x_min && vertex < parabola.x_max)) {
    return "the parabola's minimum, " + name + " = " + format_brief(std::exp(vertex)) + ", lies " +
           (vertex <= parabola.x_min ? "below" : "above") + " the data's " + name + " range " +
           format_brief(std::exp(parabola.x_min)) + " .. " + format_brief(std::exp(parabola.x_max));
  }
  return std::nullopt;
}

Eigen::VectorXd log_of(const std::vector<double>& values) {
  Eigen::VectorXd x(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    x(static_cast<Eigen::Index>(i)) = std::log(values[i]);
  return x;
}

// The full-data parabola of one variable; throws FitRefused when it has no interior minimum.
AxisMinimum central_minimum(const Eigen::VectorXd& x, const Eigen::VectorXd& loss,
                            const std::string& name) {
  const std::optional<Parabola> parabola = fit_parabola(x, loss);
  if (!parabola) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "fewer than three distinct values of " + name + ": no parabola");
  }
  if (const std::optional<std::string> problem = minimum_problem(*parabola, name))
    throw FitRefused(RefusalReason::kNoInteriorMinimum, *problem);
  AxisMinimum minimum;
  // Back from u = x - centre to x.
  const double centre = parabola->centre;
  minimum.a = parabola->curvature;
  minimum.b = parabola->slope - 2.0 * parabola->curvature * centre;
  minimum.c = parabola->offset - parabola->slope * centre + parabola->curvature * centre * centre;
  minimum.log_min = parabola->x_min;
  minimum.log_max = parabola->x_max;
  minimum.optimum = std::exp(parabola->vertex_x());
  minimum.loss = parabola->vertex_loss();
  return minimum;
}

// Replicate `rows` of one variable: its vertex and loss, or empty without an interior minimum.
std::optional<std::pair<double, double>> replicate_minimum(const Eigen::VectorXd& x,
                                                           const Eigen::VectorXd& loss,
                                                           const std::vector<Eigen::Index>& rows,
                                                           const std::string& name) {
  const std::optional<Parabola> refit = fit_parabola(x(rows), loss(rows));
  if (!refit || minimum_problem(*refit, name))
    return std::nullopt;
  return std::pair{std::exp(refit->vertex_x()), refit->vertex_loss()};
}

}  // namespace

ParabolaMinima parabola_minima(const std::vector<double>& first_values,
                               const std::optional<std::vector<double>>& second_values,
                               const std::vector<double>& losses, int replicates,
                               std::uint64_t seed, const std::string& first_name,
                               const std::string& second_name) {
  const Eigen::VectorXd x = log_of(first_values);
  const Eigen::Map<const Eigen::VectorXd> loss(losses.data(),
                                               static_cast<Eigen::Index>(losses.size()));
  ParabolaMinima minima{central_minimum(x, loss, first_name), std::nullopt};
  std::optional<Eigen::VectorXd> second_x;
  if (second_values) {
    second_x = log_of(*second_values);
    minima.second = central_minimum(*second_x, loss, second_name);
  }

  numerics::SeededSampler sampler(seed);
  std::vector<double> sizes, size_losses, seconds;
  for (int replicate = 0; replicate < replicates; ++replicate) {
    const std::vector<std::size_t> drawn = sampler.with_replacement(first_values.size());
    const std::vector<Eigen::Index> rows(drawn.begin(), drawn.end());
    const auto first = replicate_minimum(x, loss, rows, first_name);
    minima.first.replicates.push_back(first ? std::optional(first->first) : std::nullopt);
    if (first) {
      sizes.push_back(first->first);
      size_losses.push_back(first->second);
    } else {
      ++minima.first.dropped;
    }
    if (second_x) {
      const auto second = replicate_minimum(*second_x, loss, rows, second_name);
      minima.second->replicates.push_back(second ? std::optional(second->first) : std::nullopt);
      if (second)
        seconds.push_back(second->first);
      else
        ++minima.second->dropped;
    }
  }
  minima.first.interval = bootstrap_interval(std::move(sizes));
  minima.first.loss_interval = bootstrap_interval(std::move(size_losses));
  if (minima.second)
    minima.second->interval = bootstrap_interval(std::move(seconds));
  return minima;
}

}  // namespace moescope

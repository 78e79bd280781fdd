// Read-outs of a fitted IsoFLOP surface: the optimal size at a sparsity, the optimal sparsity at
// a size, and the threshold size N_th.

#include <cmath>
#include <stdexcept>

#include "fit/bootstrap_interval.h"
#include "fit/sparsity_variable.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/io/number_format.h"
#include "numerics/interval_minimum.h"

namespace moescope {
namespace {

constexpr int kThresholdGridIntervals = 128;
constexpr int kThresholdBisections = 40;

numerics::IntervalMinimum size_minimum(const SurfaceFit& fit, const SurfacePolynomial& polynomial,
                                       double log_sparsity_value) {
  return numerics::minimise_on_interval(
      [&](double log_size) { return polynomial.evaluate(log_size, log_sparsity_value); },
      fit.log_size_min, fit.log_size_max);
}

numerics::IntervalMinimum sparsity_minimum(const SurfaceFit& fit,
                                           const SurfacePolynomial& polynomial, double log_size) {
  return numerics::minimise_on_interval(
      [&](double log_sparsity_value) { return polynomial.evaluate(log_size, log_sparsity_value); },
      0.0, log_sparsity(fit.sparsity_max));
}

void require_sparsity_axis(const SurfaceFit& fit) {
  if (fit.sparsity_max == 0) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "every point is dense (S = 0): the surface has no sparsity to optimise");
  }
  if (fit.single_sparsity_level()) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "every point has S = " + format_number(fit.sparsity_max) +
                         ": the surface was fitted against size alone and has no sparsity to "
                         "optimise");
  }
}

std::string describe(const SurfaceDegrees& degrees) {
  return "(" + std::to_string(degrees.size) + ", " + std::to_string(degrees.sparsity) + ", " +
         std::to_string(degrees.interaction) + ")";
}

// Without sparsity or interaction terms the surface is flat in S, and S* would be arbitrary.
void require_sparsity_terms(const SurfaceFit& fit) {
  const SurfaceDegrees& degrees = fit.polynomial.degrees;
  if (degrees.sparsity == 0 && degrees.interaction == 0) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "the fitted surface (degrees " + describe(degrees) +
                         ") does not change with sparsity: it has no optimal sparsity");
  }
}

}  // namespace

SizeOptimum optimal_size(const SurfaceFit& fit, double sparsity) {
  if (!(sparsity >= 0 && sparsity < 1))
    throw std::invalid_argument("optimal_size: S = " + format_number(sparsity) +
                                " is outside [0, 1)");
  // A fit at one sparsity level is flat in S: its optimum would be the same at every other S.
  if (fit.single_sparsity_level() && std::abs(sparsity - fit.sparsity_max) > 1e-9) {
    throw FitRefused(
        RefusalReason::kSingularDesign,
        "the surface was fitted at one sparsity level, S = " + format_number(fit.sparsity_max) +
            ", and says nothing about S = " + format_number(sparsity));
  }
  const double s = log_sparsity(sparsity);
  // Without size terms (or with interaction terms only, at S = 0) the surface is flat in size:
  // a minimiser would return an arbitrary point of the range.
  const SurfaceDegrees& degrees = fit.polynomial.degrees;
  if (degrees.size == 0 && (degrees.interaction == 0 || s == 0)) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "the fitted surface (degrees " + describe(degrees) +
                         ") does not change with size at S = " + format_number(sparsity) +
                         ": it has no optimal size");
  }
  const numerics::IntervalMinimum minimum = size_minimum(fit, fit.polynomial, s);
  if (minimum.at_lower_end || minimum.at_upper_end) {
    throw FitRefused(RefusalReason::kNoInteriorMinimum,
                     "at S = " + format_number(sparsity) + " the loss still falls at the " +
                         (minimum.at_lower_end ? "smallest" : "largest") + " size in the data (" +
                         (fit.axis == SizeAxis::kTotal ? "N" : "N_active") + " = " +
                         format_brief(std::exp(minimum.x)) +
                         "): the optimal size lies outside the data");
  }
  SizeOptimum optimum;
  optimum.size = std::exp(minimum.x);
  optimum.loss = minimum.value;
  std::vector<double> sizes, losses;
  for (const SurfacePolynomial& replicate : fit.replicates) {
    const numerics::IntervalMinimum replicate_minimum = size_minimum(fit, replicate, s);
    if (replicate_minimum.at_lower_end || replicate_minimum.at_upper_end) {
      ++optimum.replicates_at_edge;
      continue;
    }
    sizes.push_back(std::exp(replicate_minimum.x));
    losses.push_back(replicate_minimum.value);
  }
  optimum.size_interval = bootstrap_interval(std::move(sizes));
  optimum.loss_interval = bootstrap_interval(std::move(losses));
  return optimum;
}

SparsityOptimum optimal_sparsity(const SurfaceFit& fit, double size) {
  if (!(std::isfinite(size) && size > 0))
    throw std::invalid_argument("optimal_sparsity: size " + format_number(size) +
                                " is not a positive number");
  require_sparsity_axis(fit);
  require_sparsity_terms(fit);
  const double log_size = std::log(size);
  const numerics::IntervalMinimum minimum = sparsity_minimum(fit, fit.polynomial, log_size);
  SparsityOptimum optimum;
  optimum.sparsity = sparsity_from_log(minimum.x);
  optimum.loss = minimum.value;
  optimum.at_upper_edge = minimum.at_upper_end;
  std::vector<double> sparsities, losses;
  for (const SurfacePolynomial& replicate : fit.replicates) {
    const numerics::IntervalMinimum replicate_minimum = sparsity_minimum(fit, replicate, log_size);
    sparsities.push_back(sparsity_from_log(replicate_minimum.x));
    losses.push_back(replicate_minimum.value);
  }
  optimum.sparsity_interval = bootstrap_interval(std::move(sparsities));
  optimum.loss_interval = bootstrap_interval(std::move(losses));
  return optimum;
}

std::optional<double> threshold_size(const SurfaceFit& fit) {
  require_sparsity_axis(fit);
  require_sparsity_terms(fit);
  const auto at_upper_edge = [&fit](double log_size) {
    return sparsity_minimum(fit, fit.polynomial, log_size).at_upper_end;
  };
  if (!at_upper_edge(fit.log_size_max))
    return std::nullopt;
  // Scan down from the largest size to the last grid size where S* is still inside, then bisect
  // between it and its neighbour above.
  const double step = (fit.log_size_max - fit.log_size_min) / kThresholdGridIntervals;
  for (int i = kThresholdGridIntervals - 1; i >= 0; --i) {
    double inside = fit.log_size_min + step * i;
    if (at_upper_edge(inside))
      continue;
    double at_edge = inside + step;
    for (int bisection = 0; bisection < kThresholdBisections; ++bisection) {
      const double middle = (inside + at_edge) / 2.0;
      (at_upper_edge(middle) ? at_edge : inside) = middle;
    }
    return std::exp(at_edge);
  }
  return std::exp(fit.log_size_min);
}

}  // namespace moescope

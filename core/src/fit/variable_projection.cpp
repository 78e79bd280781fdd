#include "fit/variable_projection.h"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "moescope/fit/fit_refused.h"
#include "numerics/nnls.h"

namespace moescope::law_fit_detail {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Where the exponents and the coefficients sit among the coordinates (law_objective.h): the
// coefficients' logs first, in the order of the basis columns, then the exponents.
int exponent_count(LawForm form) {
  return form == LawForm::kChinchilla ? 2 : 5;
}
int coefficient_count(LawForm form) {
  return form == LawForm::kChinchilla ? 3 : 5;
}

// The exponent values of start_grid.cpp's grids (Epoch AI's; Abnar et al. Table 2).
std::vector<std::vector<double>> grid_exponent_axes(LawForm form, InitGrid grid) {
  if (grid == InitGrid::kEpoch) {
    const std::vector<double> exponents = {0, 0.5, 1, 1.5, 2};
    return {exponents, exponents};
  }
  const std::vector<double> exponents = {0, 0.25, 0.5, 0.75, 1, 1.25};
  const std::vector<double> sparsity_exponents = {-1, -0.5, 0, 0.5, 1};
  if (form == LawForm::kChinchilla)
    return {exponents, exponents};
  return {exponents, exponents, exponents, sparsity_exponents, sparsity_exponents};
}

double huber(double residual, double delta) {
  const double magnitude = std::abs(residual);
  return magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta);
}

}  // namespace

const std::vector<std::string>& exponent_names(LawForm form) {
  static const std::vector<std::string> chinchilla = {"alpha", "beta"};
  static const std::vector<std::string> abnar = {"alpha", "beta", "gamma", "lambda", "delta"};
  return form == LawForm::kChinchilla ? chinchilla : abnar;
}

ReducedObjective::ReducedObjective(LawForm form, const std::vector<ScalingPoint>& points,
                                   double huber_delta)
    : form_(form),
      huber_delta_(huber_delta),
      exponents_(exponent_count(form)),
      coefficients_(coefficient_count(form)) {
  if (points.empty())
    throw std::invalid_argument("ReducedObjective: no points");
  for (const ScalingPoint& point : points) {
    log_params_.push_back(std::log(point.total_params));
    log_tokens_.push_back(std::log(point.tokens));
    log_dense_fraction_.push_back(std::log1p(-point.sparsity));
    loss_.push_back(point.loss);
    log_loss_.push_back(std::log(point.loss));
  }
}

double ReducedObjective::evaluate(const double* exponents, double* coordinates, int steps) const {
  const auto n = static_cast<Eigen::Index>(loss_.size());
  const Eigen::Index k = coefficients_;
  // The basis columns, in the order of the coefficients' coordinates.
  Eigen::MatrixXd basis(n, k);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto p = static_cast<std::size_t>(i);
    if (form_ == LawForm::kChinchilla) {
      basis(i, 0) = std::exp(-exponents[0] * log_params_[p]);
      basis(i, 1) = std::exp(-exponents[1] * log_tokens_[p]);
      basis(i, 2) = 1.0;
    } else {  // alpha, beta, gamma, lambda, delta
      basis(i, 0) = std::exp(-exponents[0] * log_params_[p]);
      basis(i, 1) = std::exp(-exponents[1] * log_tokens_[p]);
      basis(i, 2) = std::exp(-exponents[3] * log_dense_fraction_[p]);
      basis(i, 3) =
          std::exp(-exponents[4] * log_dense_fraction_[p] - exponents[2] * log_params_[p]);
      basis(i, 4) = 1.0;
    }
  }
  // The true objective at the model's predictions; infinite where one is not positive.
  const auto objective_at = [&](const Eigen::VectorXd& model) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!(model[i] > 0) || !std::isfinite(model[i]))
        return kInfinity;
      sum += huber(log_loss_[static_cast<std::size_t>(i)] - std::log(model[i]), huber_delta_);
    }
    return sum;
  };

  // Stage 1: NNLS of the relative residuals (L - X c) / L.
  Eigen::MatrixXd design(n, k);
  Eigen::VectorXd target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    design.row(i) = basis.row(i) / loss_[static_cast<std::size_t>(i)];
    target[i] = 1.0;
  }
  Eigen::VectorXd c = numerics::solve_nnls(design, target).x;
  Eigen::VectorXd model = basis * c;
  double f = objective_at(model);
  if (!std::isfinite(f))
    return kInfinity;

  // Stage 2: Gauss-Newton on SUM Huber(log L - log(X c)), each step an NNLS reweighted by
  // psi(r) / r: with m = X c, log(X c') ~ log m + X (c' - c) / m, so the step's residual is
  // (r + 1) - (X c') / m.
  for (int step = 0; step < steps; ++step) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double residual = log_loss_[static_cast<std::size_t>(i)] - std::log(model[i]);
      const double magnitude = std::abs(residual);
      const double root_weight =
          magnitude <= huber_delta_ ? 1.0 : std::sqrt(huber_delta_ / magnitude);
      design.row(i) = basis.row(i) * (root_weight / model[i]);
      target[i] = root_weight * (residual + 1.0);
    }
    const Eigen::VectorXd next = numerics::solve_nnls(design, target).x;
    // Halve the step (a convex combination of non-negative vectors, so still feasible) until the
    // true objective does not rise.
    double fraction = 1.0;
    bool accepted = false;
    Eigen::VectorXd trial, trial_model;
    double trial_f = kInfinity;
    for (int halving = 0; halving < 30; ++halving, fraction *= 0.5) {
      trial = c + fraction * (next - c);
      trial_model = basis * trial;
      trial_f = objective_at(trial_model);
      if (trial_f <= f) {
        accepted = true;
        break;
      }
    }
    if (!accepted)
      break;
    const double gain = f - trial_f;
    c = trial;
    model = trial_model;
    f = trial_f;
    if (gain <= kInnerTolerance * f)
      break;
  }

  const int first_exponent = coefficients_;
  for (int j = 0; j < coefficients_; ++j)
    coordinates[j] = c[j] > 0 ? std::log(c[j]) : kZeroCoefficientLog;
  for (int j = 0; j < exponents_; ++j)
    coordinates[first_exponent + j] = exponents[j];
  return f;
}

VariableProjectionSearch::VariableProjectionSearch(
    LawForm form, InitGrid grid,
    const std::vector<std::pair<std::string, std::vector<double>>>& overrides, std::size_t polished)
    : axes_(grid_exponent_axes(form, grid)), polished_(polished) {
  const std::vector<std::string>& names = exponent_names(form);
  for (const auto& [name, values] : overrides) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found != names.end() && !values.empty())
      axes_[static_cast<std::size_t>(found - names.begin())] = values;
  }
  for (const auto& axis : axes_)
    grid_size_ *= axis.size();
}

void VariableProjectionSearch::exponents_at(std::size_t index, double* exponents) const {
  for (std::size_t k = axes_.size(); k-- > 0;) {
    exponents[k] = axes_[k][index % axes_[k].size()];
    index /= axes_[k].size();
  }
}

ProjectionOutcome VariableProjectionSearch::run(const LawObjective& objective,
                                                const ReducedObjective& reduced,
                                                const numerics::LbfgsOptions& grid_rules,
                                                const numerics::LbfgsOptions& polish_rules,
                                                int threads, const numerics::WorkControl& control,
                                                std::size_t progress_total) const {
  ProjectionOutcome outcome;
  outcome.starts = grid_size_;
  // Every exponent point of the grid: its projected coefficients, then L-BFGS at the grid's rules.
  std::vector<ProjectedMinimum> descents(grid_size_);
  std::vector<char> finite(grid_size_, 0);  // not vector<bool>: written by several threads
  if (!numerics::parallel_for(grid_size_, threads, control, {0, progress_total},
                              [&](int, std::size_t index, const std::atomic<bool>& stop) {
                                double exponents[kMaxCoordinates];
                                exponents_at(index, exponents);
                                ProjectedMinimum& descent = descents[index];
                                descent.start = index;
                                descent.objective = reduced.evaluate(
                                    exponents, descent.coordinates.data(), kStartInnerSteps);
                                if (!std::isfinite(descent.objective))
                                  return;
                                finite[index] = 1;
                                descent.polish = minimize(objective, descent.coordinates.data(),
                                                          grid_rules, stop);
                                descent.objective = descent.polish.objective;
                              }))
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");

  // The best distinct descents that converged, lower objective first, ties to the lower index
  // (so the choice does not depend on the threads).
  std::vector<std::size_t> order;
  for (std::size_t index = 0; index < grid_size_; ++index) {
    outcome.finite += static_cast<std::size_t>(finite[index]);
    if (finite[index] != 0 && descents[index].polish.converged() &&
        std::isfinite(descents[index].objective))
      order.push_back(index);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return descents[x].objective < descents[y].objective ||
           (descents[x].objective == descents[y].objective && x < y);
  });
  std::vector<ProjectedMinimum> chosen;
  const int dimension = objective.coordinates();
  for (std::size_t index : order) {
    if (chosen.size() == polished_)
      break;
    const bool seen = std::any_of(chosen.begin(), chosen.end(), [&](const ProjectedMinimum& kept) {
      for (int k = 0; k < dimension; ++k) {
        if (std::abs(kept.coordinates[static_cast<std::size_t>(k)] -
                     descents[index].coordinates[static_cast<std::size_t>(k)]) > kSameMinimum)
          return false;
      }
      return true;
    });
    if (!seen)
      chosen.push_back(descents[index]);
  }
  outcome.polished = chosen.size();

  // Each polished at the refit rules, from where its descent stopped.
  std::vector<char> kept(chosen.size(), 0);
  if (!numerics::parallel_for(chosen.size(), threads, control, {grid_size_, progress_total},
                              [&](int, std::size_t rank, const std::atomic<bool>& stop) {
                                ProjectedMinimum& minimum = chosen[rank];
                                Coordinates coordinates = minimum.coordinates;
                                const numerics::LbfgsResult polished =
                                    minimize(objective, coordinates.data(), polish_rules, stop);
                                // Kept where it converged and is no worse, as the multi-start
                                // solver's polish.
                                if (polished.converged() && std::isfinite(polished.objective) &&
                                    polished.objective <= minimum.objective) {
                                  const int descent_iterations = minimum.polish.iterations;
                                  minimum.coordinates = coordinates;
                                  minimum.polish = polished;
                                  minimum.polish.iterations += descent_iterations;
                                  minimum.objective = polished.objective;
                                }
                                kept[rank] = 1;
                              }))
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");
  for (std::size_t rank = 0; rank < chosen.size(); ++rank) {
    if (kept[rank] != 0)
      outcome.minima.push_back(chosen[rank]);
  }
  std::sort(outcome.minima.begin(), outcome.minima.end(),
            [](const ProjectedMinimum& x, const ProjectedMinimum& y) {
              return x.objective < y.objective || (x.objective == y.objective && x.start < y.start);
            });
  return outcome;
}

}  // namespace moescope::law_fit_detail

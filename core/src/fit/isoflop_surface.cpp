#include "moescope/fit/isoflop_surface.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fit/least_squares.h"
#include "fit/median.h"
#include "fit/seeded_sampling.h"
#include "fit/sparsity_variable.h"
#include "moescope/number_format.h"

namespace moescope {
namespace {

constexpr int kMaxDegree = 4;
// Columns of the basis for degrees (4, 4, 4): Nh^1..4, Sh^1..4, (Nh Sh)^1..4, 1.
constexpr Eigen::Index kSparsityColumns = kMaxDegree;
constexpr Eigen::Index kInteractionColumns = 2 * kMaxDegree;
constexpr Eigen::Index kConstantColumn = 3 * kMaxDegree;
constexpr Eigen::Index kBasisColumns = 3 * kMaxDegree + 1;

// Cross-validation errors this close count as equal: relative 1e-9, plus an absolute floor of
// (1e-9 x the loss's root mean square)^2 for exact fits, whose errors are round-off.
constexpr double kTieRelative = 1e-9;
constexpr double kTieFloorRelative = 1e-9;

using Rows = std::vector<Eigen::Index>;

// The points in the fit's variables, with every basis column of degrees up to (4, 4, 4).
struct Sample {
  Eigen::VectorXd log_size;
  Eigen::VectorXd loss;
  Eigen::MatrixXd basis;
};

void check_points(const std::vector<SurfacePoint>& points) {
  for (const SurfacePoint& point : points) {
    const auto refuse = [&point](const std::string& problem) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "point of run #" + std::to_string(point.run_index) + ": " + problem);
    };
    if (!(std::isfinite(point.total_params) && point.total_params > 0))
      refuse("N = " + format_number(point.total_params) + " is not a positive number");
    if (!(std::isfinite(point.active_params) && point.active_params > 0))
      refuse("N_active = " + format_number(point.active_params) + " is not a positive number");
    if (!(point.sparsity >= 0 && point.sparsity < 1))
      refuse("S = " + format_number(point.sparsity) + " is outside [0, 1)");
    if (!(std::isfinite(point.loss) && point.loss > 0))
      refuse("loss = " + format_number(point.loss) + " is not a positive number");
    if (point.compute && !(std::isfinite(*point.compute) && *point.compute > 0))
      refuse("C = " + format_number(*point.compute) + " is not a positive number");
  }
}

Sample make_sample(const std::vector<SurfacePoint>& points, SizeAxis axis) {
  const auto count = static_cast<Eigen::Index>(points.size());
  Sample sample;
  sample.log_size.resize(count);
  sample.loss.resize(count);
  sample.basis.resize(count, kBasisColumns);
  for (Eigen::Index row = 0; row < count; ++row) {
    const SurfacePoint& point = points[static_cast<std::size_t>(row)];
    const double x = std::log(axis == SizeAxis::kTotal ? point.total_params : point.active_params);
    const double s = log_sparsity(point.sparsity);
    sample.log_size(row) = x;
    sample.loss(row) = point.loss;
    // Powers by repeated products, as SurfacePolynomial::evaluate forms them.
    double x_power = 1, s_power = 1, xs_power = 1;
    for (Eigen::Index i = 0; i < kMaxDegree; ++i) {
      x_power *= x;
      s_power *= s;
      xs_power *= x * s;
      sample.basis(row, i) = x_power;
      sample.basis(row, kSparsityColumns + i) = s_power;
      sample.basis(row, kInteractionColumns + i) = xs_power;
    }
    sample.basis(row, kConstantColumn) = 1.0;
  }
  return sample;
}

// The basis columns of `degrees`, in the order of SurfacePolynomial::coefficients.
std::vector<Eigen::Index> columns_of(const SurfaceDegrees& degrees) {
  std::vector<Eigen::Index> columns;
  for (int i = 0; i < degrees.size; ++i)
    columns.push_back(i);
  for (int i = 0; i < degrees.sparsity; ++i)
    columns.push_back(kSparsityColumns + i);
  for (int i = 0; i < degrees.interaction; ++i)
    columns.push_back(kInteractionColumns + i);
  columns.push_back(kConstantColumn);
  return columns;
}

// Least squares of `degrees` on `rows`; a reason when it cannot be fitted.
struct SubsetFit {
  std::optional<Eigen::VectorXd> coefficients;
  RefusalReason problem = RefusalReason::kTooFewPoints;
};

SubsetFit fit_rows(const Sample& sample, const std::vector<Eigen::Index>& columns,
                   const Rows& rows) {
  if (rows.size() < columns.size())
    return {std::nullopt, RefusalReason::kTooFewPoints};
  std::optional<Eigen::VectorXd> solution =
      solve_least_squares(sample.basis(rows, columns), sample.loss(rows));
  if (!solution)
    return {std::nullopt, RefusalReason::kSingularDesign};
  return {std::move(solution), RefusalReason::kTooFewPoints};
}

struct Folds {
  std::vector<Rows> training;
  std::vector<Rows> testing;
};

// Position i of a random permutation goes to fold i mod k, so fold sizes differ by at most one.
Folds make_folds(std::size_t count, int fold_count, SeededSampler& sampler) {
  const auto k = static_cast<std::size_t>(fold_count);
  const std::vector<std::size_t> order = sampler.permutation(count);
  Folds folds;
  folds.training.resize(k);
  folds.testing.resize(k);
  for (std::size_t position = 0; position < count; ++position) {
    const auto row = static_cast<Eigen::Index>(order[position]);
    for (std::size_t fold = 0; fold < k; ++fold)
      (fold == position % k ? folds.testing : folds.training)[fold].push_back(row);
  }
  return folds;
}

DegreeScore cross_validate(const Sample& sample, const SurfaceDegrees& degrees,
                           const Folds& folds) {
  const std::vector<Eigen::Index> columns = columns_of(degrees);
  double squared_error = 0;
  for (std::size_t fold = 0; fold < folds.training.size(); ++fold) {
    const SubsetFit fit = fit_rows(sample, columns, folds.training[fold]);
    if (!fit.coefficients)
      return {degrees, std::nullopt, fit.problem};
    const Rows& test = folds.testing[fold];
    squared_error +=
        (sample.basis(test, columns) * *fit.coefficients - sample.loss(test)).squaredNorm();
  }
  return {degrees, squared_error / static_cast<double>(sample.loss.size()), std::nullopt};
}

// Every degree triple, fewest parameters first, so that a tie keeps the smaller model.
std::vector<SurfaceDegrees> search_order() {
  std::vector<SurfaceDegrees> candidates;
  for (int size = 0; size <= kMaxDegree; ++size)
    for (int sparsity = 0; sparsity <= kMaxDegree; ++sparsity)
      for (int interaction = 0; interaction <= kMaxDegree; ++interaction)
        candidates.push_back({size, sparsity, interaction});
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const SurfaceDegrees& x, const SurfaceDegrees& y) {
                     return x.parameters() < y.parameters();
                   });
  return candidates;
}

std::string describe(const SurfaceDegrees& degrees) {
  return "degrees (" + std::to_string(degrees.size) + ", " + std::to_string(degrees.sparsity) +
         ", " + std::to_string(degrees.interaction) + ")";
}

SurfacePolynomial polynomial_from(const SurfaceDegrees& degrees,
                                  const Eigen::VectorXd& coefficients) {
  return {degrees, std::vector<double>(coefficients.begin(), coefficients.end())};
}

// The chosen degrees with their cross-validation score, and every candidate's score.
struct DegreeChoice {
  DegreeScore chosen;
  std::vector<DegreeScore> scores;
};

Eigen::VectorXd fit_all_points(const Sample& sample, const SurfaceDegrees& degrees) {
  Rows all_rows(static_cast<std::size_t>(sample.loss.size()));
  for (std::size_t i = 0; i < all_rows.size(); ++i)
    all_rows[i] = static_cast<Eigen::Index>(i);
  SubsetFit whole = fit_rows(sample, columns_of(degrees), all_rows);
  if (!whole.coefficients) {
    throw FitRefused(whole.problem,
                     describe(degrees) + " on all " + std::to_string(all_rows.size()) + " points");
  }
  return std::move(*whole.coefficients);
}

DegreeChoice choose_degrees(const Sample& sample, const SurfaceFitOptions& options,
                            const Folds& folds) {
  if (options.degrees) {
    // Checked on all points first, so that a design singular everywhere (one sparsity level) is
    // reported as such rather than as a fold's problem.
    fit_all_points(sample, *options.degrees);
    DegreeScore score = cross_validate(sample, *options.degrees, folds);
    if (!score.cv_mse) {
      throw FitRefused(*score.skipped, describe(*options.degrees) + " on a fold of " +
                                           std::to_string(options.folds) +
                                           "-fold cross-validation over " +
                                           std::to_string(sample.loss.size()) + " points");
    }
    return {score, {score}};
  }
  const double tie_floor = std::pow(kTieFloorRelative, 2) * sample.loss.squaredNorm() /
                           static_cast<double>(sample.loss.size());
  DegreeChoice choice;
  bool any_singular = false;
  for (const SurfaceDegrees& degrees : search_order()) {
    DegreeScore score = cross_validate(sample, degrees, folds);
    choice.scores.push_back(score);
    if (!score.cv_mse) {
      any_singular = any_singular || *score.skipped == RefusalReason::kSingularDesign;
      continue;
    }
    const bool better = !choice.chosen.cv_mse ||
                        *score.cv_mse < *choice.chosen.cv_mse * (1.0 - kTieRelative) - tie_floor;
    if (better)
      choice.chosen = score;
  }
  if (!choice.chosen.cv_mse) {
    throw FitRefused(any_singular ? RefusalReason::kSingularDesign : RefusalReason::kTooFewPoints,
                     "no degrees in {0..4}^3 can be fitted on every fold of " +
                         std::to_string(sample.loss.size()) + " points");
  }
  return choice;
}

double pearson_correlation(const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  const Eigen::ArrayXd dx = x.array() - x.mean();
  const Eigen::ArrayXd dy = y.array() - y.mean();
  return (dx * dy).sum() / std::sqrt(dx.square().sum() * dy.square().sum());
}

void add_heldout_check(const Sample& sample, const std::vector<Eigen::Index>& columns,
                       double fraction, SeededSampler& sampler, SurfaceFit& fit) {
  const std::size_t count = static_cast<std::size_t>(sample.loss.size());
  const auto heldout_count = static_cast<std::size_t>(std::lround(fraction * double(count)));
  // Pearson r of fewer than three pairs says nothing.
  if (heldout_count < 3)
    return;
  const std::vector<std::size_t> order = sampler.permutation(count);
  const Rows heldout(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(heldout_count));
  const Rows training(order.begin() + static_cast<std::ptrdiff_t>(heldout_count), order.end());
  const SubsetFit training_fit = fit_rows(sample, columns, training);
  if (!training_fit.coefficients)
    return;
  const Eigen::VectorXd predicted = sample.basis(heldout, columns) * *training_fit.coefficients;
  const Eigen::VectorXd observed = sample.loss(heldout);
  fit.heldout_points = heldout_count;
  fit.heldout_mse = (predicted - observed).squaredNorm() / double(heldout_count);
  const double r = pearson_correlation(observed, predicted);
  if (std::isfinite(r))
    fit.heldout_r = r;
}

void add_bootstrap(const Sample& sample, const std::vector<Eigen::Index>& columns,
                   const SurfaceFitOptions& options, SeededSampler& sampler, SurfaceFit& fit) {
  const std::size_t count = static_cast<std::size_t>(sample.loss.size());
  const auto subsample_size =
      static_cast<std::size_t>(std::lround(options.bootstrap_fraction * double(count)));
  for (int replicate = 0; replicate < options.bootstrap_replicates; ++replicate) {
    const std::vector<std::size_t> chosen = sampler.without_replacement(count, subsample_size);
    const SubsetFit refit = fit_rows(sample, columns, Rows(chosen.begin(), chosen.end()));
    if (refit.coefficients)
      fit.replicates.push_back(polynomial_from(fit.polynomial.degrees, *refit.coefficients));
    else
      ++fit.replicates_dropped;
  }
}

}  // namespace

std::vector<std::string> SurfacePolynomial::coefficient_names() const {
  std::vector<std::string> names;
  for (int i = 1; i <= degrees.size; ++i)
    names.push_back("N^" + std::to_string(i));
  for (int i = 1; i <= degrees.sparsity; ++i)
    names.push_back("S^" + std::to_string(i));
  for (int i = 1; i <= degrees.interaction; ++i)
    names.push_back("NS^" + std::to_string(i));
  names.push_back("const");
  return names;
}

double SurfacePolynomial::evaluate(double log_size, double log_sparsity) const {
  double value = coefficients.back();
  std::size_t next = 0;
  const auto add_powers = [&](double base, int degree) {
    double power = 1;
    for (int i = 0; i < degree; ++i) {
      power *= base;
      value += coefficients[next++] * power;
    }
  };
  add_powers(log_size, degrees.size);
  add_powers(log_sparsity, degrees.sparsity);
  add_powers(log_size * log_sparsity, degrees.interaction);
  return value;
}

double SurfacePolynomial::loss(double size, double sparsity) const {
  return evaluate(std::log(size), log_sparsity(sparsity));
}

std::vector<std::string> SurfaceFitOptions::validate() const {
  std::vector<std::string> problems;
  if (degrees) {
    for (const int degree : {degrees->size, degrees->sparsity, degrees->interaction}) {
      if (degree < 0 || degree > kMaxDegree) {
        problems.push_back("degrees: " + std::to_string(degree) + " is outside 0..4");
        break;
      }
    }
  }
  if (folds < 2)
    problems.push_back("folds must be >= 2");
  if (bootstrap_replicates < 0)
    problems.push_back("bootstrap_replicates must be >= 0");
  if (!(bootstrap_fraction > 0 && bootstrap_fraction < 1))
    problems.push_back("bootstrap_fraction must lie in (0, 1)");
  if (!(heldout_fraction >= 0 && heldout_fraction < 1))
    problems.push_back("heldout_fraction must lie in [0, 1)");
  return problems;
}

Interval SurfaceFit::band(double size, double sparsity) const {
  if (replicates.empty())
    throw std::logic_error("SurfaceFit::band: the fit has no bootstrap replicates");
  std::vector<double> predictions;
  predictions.reserve(replicates.size());
  for (const SurfacePolynomial& replicate : replicates)
    predictions.push_back(replicate.loss(size, sparsity));
  return percentile_interval(std::move(predictions));
}

SurfaceFit fit_isoflop_surface(const std::vector<SurfacePoint>& points,
                               const SurfaceFitOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty()) {
    std::string message = "surface fit options:";
    for (const std::string& problem : problems)
      message += " " + problem + ";";
    throw FitRefused(RefusalReason::kInvalidOptions, message);
  }
  check_points(points);
  if (points.size() < static_cast<std::size_t>(options.folds)) {
    throw FitRefused(RefusalReason::kTooFewPoints, std::to_string(points.size()) + " points for " +
                                                       std::to_string(options.folds) +
                                                       "-fold cross-validation");
  }
  const Sample sample = make_sample(points, options.axis);
  // One generator, drawn in a fixed order (folds, held-out set, subsamples): changing the
  // bootstrap count leaves the folds and the held-out set as they were.
  SeededSampler sampler(options.seed);
  const Folds folds = make_folds(points.size(), options.folds, sampler);
  DegreeChoice choice = choose_degrees(sample, options, folds);
  const SurfaceDegrees degrees = choice.chosen.degrees;
  const std::vector<Eigen::Index> columns = columns_of(degrees);

  SurfaceFit fit;
  fit.axis = options.axis;
  fit.polynomial = polynomial_from(degrees, fit_all_points(sample, degrees));
  fit.cv_mse = *choice.chosen.cv_mse;
  fit.degree_search = std::move(choice.scores);
  fit.points = points.size();
  std::vector<double> budgets;
  for (const SurfacePoint& point : points) {
    if (point.compute)
      budgets.push_back(*point.compute);
  }
  if (!budgets.empty())
    fit.budget = median(std::move(budgets));
  fit.log_size_min = sample.log_size.minCoeff();
  fit.log_size_max = sample.log_size.maxCoeff();
  for (const SurfacePoint& point : points)
    fit.sparsity_max = std::max(fit.sparsity_max, point.sparsity);
  if (options.heldout_fraction > 0)
    add_heldout_check(sample, columns, options.heldout_fraction, sampler, fit);
  add_bootstrap(sample, columns, options, sampler, fit);
  return fit;
}

}  // namespace moescope

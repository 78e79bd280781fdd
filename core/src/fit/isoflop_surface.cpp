#include "moescope/fit/isoflop_surface.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fit/sparsity_variable.h"
#include "moescope/io/number_format.h"
#include "numerics/least_squares.h"
#include "numerics/median.h"
#include "numerics/seeded_sampling.h"

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
// Sparsity levels, sizes (in ln) and losses this close count as one value: 1e-9 is far below
// any real difference (losses are reported to ~1e-4, sizes to a few digits) and far above the
// round-off of a value written and read back.
constexpr double kSameValue = 1e-9;
// The points lie on the fitted surface when the residuals' root mean square is below this
// fraction of the losses' standard deviation: round-off of an exact fit leaves ~1e-12, while
// losses reported to four digits already carry ~1e-5 of noise.
constexpr double kExactFitRelative = 1e-8;

using Rows = std::vector<Eigen::Index>;

// The points in the fit's variables, with every basis column of degrees up to (4, 4, 4).
struct Sample {
  Eigen::VectorXd log_size;
  Eigen::VectorXd loss;
  Eigen::MatrixXd basis;
};

void check_points(const std::vector<SurfacePoint>& points, SizeAxis axis) {
  for (const SurfacePoint& point : points) {
    const auto refuse = [&point](const std::string& problem) {
      throw FitRefused(RefusalReason::kNonFiniteData,
                       "point of run #" + std::to_string(point.run_index) + ": " + problem);
    };
    if (!(std::isfinite(point.total_params) && point.total_params > 0))
      refuse("N = " + format_number(point.total_params) + " is not a positive number");
    // N_a may be absent (NaN) on the N axis; a value that is there must still be usable.
    if (!point.has_active_params() && axis == SizeAxis::kActive)
      refuse("no N_active, and the surface's size axis is N_active");
    if (point.has_active_params() &&
        !(std::isfinite(point.active_params) && point.active_params > 0))
      refuse("N_active = " + format_number(point.active_params) + " is not a positive number");
    if (!(point.sparsity >= 0 && point.sparsity < 1))
      refuse("S = " + format_number(point.sparsity) + " is outside [0, 1)");
    if (!(std::isfinite(point.loss) && point.loss > 0))
      refuse("loss = " + format_number(point.loss) + " is not a positive number");
    if (point.compute && !(std::isfinite(*point.compute) && *point.compute > 0))
      refuse("C = " + format_number(*point.compute) + " is not a positive number");
  }
}

std::string size_name(SizeAxis axis) {
  return axis == SizeAxis::kTotal ? "N" : "N_active";
}

// A surface is the loss against size and sparsity: equal losses, or a single size, leave
// nothing to fit, and a fit would report the noise of round-off as a shape.
void check_information(const Sample& sample, SizeAxis axis) {
  const auto count = std::to_string(sample.loss.size());
  const double loss_max = sample.loss.maxCoeff();
  if (loss_max - sample.loss.minCoeff() <= kSameValue * loss_max) {
    throw FitRefused(RefusalReason::kNotIdentified,
                     "all " + count + " losses equal " + format_number(loss_max) +
                         ": the data say nothing about how the loss depends on size or sparsity");
  }
  if (sample.log_size.maxCoeff() - sample.log_size.minCoeff() <= kSameValue) {
    throw FitRefused(RefusalReason::kNotIdentified,
                     "all " + count + " points have " + size_name(axis) + " = " +
                         format_brief(std::exp(sample.log_size(0))) +
                         ": a surface needs several sizes to say how the loss depends on size");
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
      numerics::solve_least_squares(sample.basis(rows, columns), sample.loss(rows));
  if (!solution)
    return {std::nullopt, RefusalReason::kSingularDesign};
  return {std::move(solution), RefusalReason::kTooFewPoints};
}

struct Folds {
  std::vector<Rows> training;
  std::vector<Rows> testing;
};

// Position i of a random permutation goes to fold i mod k, so fold sizes differ by at most one.
Folds make_folds(std::size_t count, int fold_count, numerics::SeededSampler& sampler) {
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
  const double count = static_cast<double>(sample.loss.size());
  std::vector<double> fold_errors, fold_sizes;
  double squared_error = 0;
  for (std::size_t fold = 0; fold < folds.training.size(); ++fold) {
    const SubsetFit fit = fit_rows(sample, columns, folds.training[fold]);
    if (!fit.coefficients)
      return {degrees, std::nullopt, std::nullopt, fit.problem};
    const Rows& test = folds.testing[fold];
    const double error =
        (sample.basis(test, columns) * *fit.coefficients - sample.loss(test)).squaredNorm();
    squared_error += error;
    fold_sizes.push_back(static_cast<double>(test.size()));
    fold_errors.push_back(error / fold_sizes.back());
  }
  const double cv_mse = squared_error / count;
  // The standard error of the CV error from the spread of the folds' errors, weighted by fold
  // size, as cv.glmnet computes it (Friedman, Hastie and Tibshirani, J. Stat. Softw. 33, 2010).
  double spread = 0;
  for (std::size_t fold = 0; fold < fold_errors.size(); ++fold)
    spread += fold_sizes[fold] * std::pow(fold_errors[fold] - cv_mse, 2);
  const double cv_se = std::sqrt(spread / count / static_cast<double>(fold_errors.size() - 1));
  return {degrees, cv_mse, cv_se, std::nullopt};
}

// The degree triples of the search, fewest parameters first, so that a tie keeps the smaller
// model; with `hierarchical`, only those whose interaction degree is at most both main degrees.
std::vector<SurfaceDegrees> search_order(bool hierarchical) {
  std::vector<SurfaceDegrees> candidates;
  for (int size = 0; size <= kMaxDegree; ++size) {
    for (int sparsity = 0; sparsity <= kMaxDegree; ++sparsity) {
      for (int interaction = 0; interaction <= kMaxDegree; ++interaction) {
        if (!hierarchical || interaction <= std::min(size, sparsity))
          candidates.push_back({size, sparsity, interaction});
      }
    }
  }
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

// The chosen degrees with their cross-validation score, the least-error candidate, and every
// candidate's score.
struct DegreeChoice {
  DegreeScore chosen;
  DegreeScore least;
  std::vector<DegreeScore> scores;
  int max_coefficients = 0;
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

bool has_sparsity_terms(const SurfaceDegrees& degrees) {
  return degrees.sparsity > 0 || degrees.interaction > 0;
}

DegreeChoice fixed_degrees(const Sample& sample, const SurfaceFitOptions& options,
                           const Folds& folds, bool single_level) {
  const SurfaceDegrees& degrees = *options.degrees;
  const std::size_t count = static_cast<std::size_t>(sample.loss.size());
  if (single_level && has_sparsity_terms(degrees)) {
    throw FitRefused(RefusalReason::kSingularDesign,
                     "all points share one sparsity level, which cannot determine the sparsity "
                     "and interaction terms of " +
                         describe(degrees) + "; their degrees must be 0");
  }
  // As many coefficients as points interpolate them: no residual is left to check the fit.
  if (static_cast<std::size_t>(degrees.parameters()) >= count) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     describe(degrees) + " have " + std::to_string(degrees.parameters()) +
                         " coefficients; a surface needs more points than coefficients, and " +
                         "there are " + std::to_string(count));
  }
  // Checked on all points first, so that a design singular everywhere is reported as such
  // rather than as a fold's problem.
  fit_all_points(sample, degrees);
  DegreeScore score = cross_validate(sample, degrees, folds);
  if (!score.cv_mse) {
    throw FitRefused(*score.skipped,
                     describe(degrees) + " on a fold of " + std::to_string(options.folds) +
                         "-fold cross-validation over " + std::to_string(count) + " points");
  }
  return {score, score, {score}, static_cast<int>(count) - 1};
}

DegreeChoice search_degrees(const Sample& sample, const SurfaceFitOptions& options,
                            const Folds& folds, bool single_level) {
  const auto count = static_cast<int>(sample.loss.size());
  DegreeChoice choice;
  choice.max_coefficients = count / options.points_per_coefficient;
  if (choice.max_coefficients < 1) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(count) + " points: the degree search needs " +
                         std::to_string(options.points_per_coefficient) +
                         " points per coefficient (fixed degrees need only more points than "
                         "coefficients)");
  }
  bool any_singular = false;
  for (const SurfaceDegrees& degrees : search_order(options.hierarchical)) {
    DegreeScore score{degrees, std::nullopt, std::nullopt, std::nullopt};
    if (single_level && has_sparsity_terms(degrees))
      score.skipped = RefusalReason::kSingularDesign;
    else if (degrees.parameters() > choice.max_coefficients)
      score.skipped = RefusalReason::kTooFewPoints;
    else
      score = cross_validate(sample, degrees, folds);
    any_singular = any_singular || score.skipped == RefusalReason::kSingularDesign;
    choice.scores.push_back(score);
    if (score.cv_mse && (!choice.least.cv_mse || *score.cv_mse < *choice.least.cv_mse))
      choice.least = score;
  }
  if (!choice.least.cv_mse) {
    throw FitRefused(
        any_singular ? RefusalReason::kSingularDesign : RefusalReason::kTooFewPoints,
        "no degrees in {0..4}^3 with at most " + std::to_string(choice.max_coefficients) +
            " coefficients can be fitted on every fold of " + std::to_string(count) + " points");
  }
  // The one-standard-error rule (see SurfaceFitOptions), with the round-off tie of exact fits.
  const double tie_floor =
      std::pow(kTieFloorRelative, 2) * sample.loss.squaredNorm() / static_cast<double>(count);
  const double threshold = *choice.least.cv_mse * (1.0 + kTieRelative) + tie_floor +
                           options.standard_errors * *choice.least.cv_se;
  for (const DegreeScore& score : choice.scores) {
    if (!score.cv_mse || *score.cv_mse > threshold)
      continue;
    // Scores come fewest coefficients first: a later one replaces the chosen only on equal
    // coefficients and a lesser error.
    if (!choice.chosen.cv_mse ||
        (score.degrees.parameters() == choice.chosen.degrees.parameters() &&
         *score.cv_mse < *choice.chosen.cv_mse))
      choice.chosen = score;
  }
  return choice;
}

double pearson_correlation(const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  const Eigen::ArrayXd dx = x.array() - x.mean();
  const Eigen::ArrayXd dy = y.array() - y.mean();
  return (dx * dy).sum() / std::sqrt(dx.square().sum() * dy.square().sum());
}

void add_heldout_check(const Sample& sample, const std::vector<Eigen::Index>& columns,
                       double fraction, numerics::SeededSampler& sampler, SurfaceFit& fit) {
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

double standard_deviation(const Eigen::VectorXd& values) {
  return std::sqrt((values.array() - values.mean()).square().mean());
}

// Refits on subsamples, unless the points lie on the surface: then every refit returns it, and
// intervals of zero width would claim a certainty that no data give.
void add_bootstrap(const Sample& sample, const std::vector<Eigen::Index>& columns,
                   const Eigen::VectorXd& coefficients, const SurfaceFitOptions& options,
                   numerics::SeededSampler& sampler, SurfaceFit& fit) {
  if (options.bootstrap_replicates == 0)
    return;
  const double loss_spread = standard_deviation(sample.loss);
  const Eigen::MatrixXd design = sample.basis(Eigen::all, columns);
  const double residual_rms =
      std::sqrt((design * coefficients - sample.loss).squaredNorm() / double(sample.loss.size()));
  const std::string no_spread =
      "every refit on a subsample would return the same surface, and intervals of zero width "
      "would claim a certainty no data give";
  if (residual_rms <= kExactFitRelative * loss_spread) {
    fit.bootstrap_refused = "the points lie on the fitted surface to round-off (residual RMS " +
                            format_number(residual_rms) + "): " + no_spread;
    return;
  }
  const std::size_t count = static_cast<std::size_t>(sample.loss.size());
  const auto subsample_size =
      static_cast<std::size_t>(std::lround(options.bootstrap_fraction * double(count)));
  // How far the replicates' predictions at the points move: a safety net for any other way the
  // refits could all agree.
  Eigen::VectorXd lowest = Eigen::VectorXd::Constant(sample.loss.size(), INFINITY);
  Eigen::VectorXd highest = Eigen::VectorXd::Constant(sample.loss.size(), -INFINITY);
  for (int replicate = 0; replicate < options.bootstrap_replicates; ++replicate) {
    const std::vector<std::size_t> chosen = sampler.without_replacement(count, subsample_size);
    const SubsetFit refit = fit_rows(sample, columns, Rows(chosen.begin(), chosen.end()));
    if (!refit.coefficients) {
      ++fit.replicates_dropped;
      continue;
    }
    fit.replicates.push_back(polynomial_from(fit.polynomial.degrees, *refit.coefficients));
    const Eigen::VectorXd predicted = design * *refit.coefficients;
    lowest = lowest.cwiseMin(predicted);
    highest = highest.cwiseMax(predicted);
  }
  if (fit.replicates.size() > 1 &&
      (highest - lowest).maxCoeff() <= kExactFitRelative * loss_spread) {
    fit.replicates.clear();
    fit.bootstrap_refused = no_spread;
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
  if (points_per_coefficient < 2)
    problems.push_back("points_per_coefficient must be >= 2");
  if (!(standard_errors >= 0 && std::isfinite(standard_errors)))
    problems.push_back("standard_errors must be finite and >= 0");
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
  check_points(points, options.axis);
  if (points.size() < static_cast<std::size_t>(options.folds)) {
    throw FitRefused(RefusalReason::kTooFewPoints, std::to_string(points.size()) + " points for " +
                                                       std::to_string(options.folds) +
                                                       "-fold cross-validation");
  }
  const Sample sample = make_sample(points, options.axis);
  check_information(sample, options.axis);
  double sparsity_min = points.front().sparsity, sparsity_max = points.front().sparsity;
  for (const SurfacePoint& point : points) {
    sparsity_min = std::min(sparsity_min, point.sparsity);
    sparsity_max = std::max(sparsity_max, point.sparsity);
  }
  const bool single_level = sparsity_max - sparsity_min <= kSameValue;
  // One generator, drawn in a fixed order (folds, held-out set, subsamples): changing the
  // bootstrap count leaves the folds and the held-out set as they were.
  numerics::SeededSampler sampler(options.seed);
  const Folds folds = make_folds(points.size(), options.folds, sampler);
  DegreeChoice choice = options.degrees ? fixed_degrees(sample, options, folds, single_level)
                                        : search_degrees(sample, options, folds, single_level);
  const SurfaceDegrees degrees = choice.chosen.degrees;
  const std::vector<Eigen::Index> columns = columns_of(degrees);
  const Eigen::VectorXd coefficients = fit_all_points(sample, degrees);

  SurfaceFit fit;
  fit.axis = options.axis;
  fit.polynomial = polynomial_from(degrees, coefficients);
  fit.cv_mse = *choice.chosen.cv_mse;
  fit.cv_se = *choice.chosen.cv_se;
  fit.least_cv = choice.least;
  fit.max_coefficients = choice.max_coefficients;
  fit.degree_search = std::move(choice.scores);
  fit.points = points.size();
  std::vector<double> budgets;
  for (const SurfacePoint& point : points) {
    if (point.compute)
      budgets.push_back(*point.compute);
  }
  if (!budgets.empty())
    fit.budget = numerics::median(std::move(budgets));
  fit.log_size_min = sample.log_size.minCoeff();
  fit.log_size_max = sample.log_size.maxCoeff();
  fit.sparsity_min = sparsity_min;
  fit.sparsity_max = sparsity_max;
  if (single_level) {
    fit.notes.push_back("all points have S = " + format_number(sparsity_min) +
                        ": the surface is the loss against " + size_name(options.axis) +
                        " alone (sparsity and interaction degrees 0) and says nothing about "
                        "other sparsities");
  }
  if (options.heldout_fraction > 0)
    add_heldout_check(sample, columns, options.heldout_fraction, sampler, fit);
  add_bootstrap(sample, columns, coefficients, options, sampler, fit);
  return fit;
}

}  // namespace moescope

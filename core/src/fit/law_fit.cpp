#include "moescope/fit/law_fit.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>

#include "fit/distinct_minima.h"
#include "fit/law_identifiability.h"
#include "fit/law_objective.h"
#include "fit/law_refit.h"
#include "fit/start_grid.h"
#include "fit/variable_projection.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"
#include "numerics/lbfgs.h"
#include "numerics/parallel_for.h"

namespace moescope {
namespace {

using law_fit_detail::coordinate_count;
using law_fit_detail::coordinate_names;
using law_fit_detail::kMaxCoordinates;
using law_fit_detail::LawObjective;
using numerics::LbfgsOptions;
using numerics::LbfgsResult;
using numerics::LbfgsTermination;

using law_fit_detail::Coordinates;
using law_fit_detail::minimize;

const std::vector<std::string>& parameter_names(LawForm form) {
  static const std::vector<std::string> chinchilla = {"A", "B", "E", "alpha", "beta"};
  static const std::vector<std::string> abnar = {"a",     "b",    "c",     "d",      "e",
                                                 "alpha", "beta", "gamma", "lambda", "delta"};
  return form == LawForm::kChinchilla ? chinchilla : abnar;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i)
    joined += (i == 0 ? "" : separator) + parts[i];
  return joined;
}

double huber(double residual, double delta) {
  const double magnitude = std::abs(residual);
  return magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta);
}

// Every quantity the form takes a log of, checked for each point (held out or not: held-out
// points are predicted too). Names the first few offenders.
void check_points(const std::vector<ScalingPoint>& points, LawForm form) {
  constexpr std::size_t kNamed = 5;
  std::vector<std::string> problems;
  std::size_t offenders = 0;
  const auto positive = [](double value) { return std::isfinite(value) && value > 0; };
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ScalingPoint& point = points[i];
    std::pair<const char*, double> offence{nullptr, 0};
    if (!positive(point.total_params))
      offence = {"N", point.total_params};
    else if (!positive(point.tokens))
      offence = {"D", point.tokens};
    else if (!positive(point.loss))
      offence = {"loss", point.loss};
    else if (form == LawForm::kAbnar && !(point.sparsity >= 0.0 && point.sparsity < 1.0))
      offence = {"S", point.sparsity};
    if (offence.first != nullptr && ++offenders <= kNamed) {
      problems.push_back("point " + std::to_string(i) + " (run " + std::to_string(point.run_index) +
                         "): " + offence.first + " = " + format_number(offence.second));
    }
  }
  if (offenders > kNamed)
    problems.push_back("and " + std::to_string(offenders - kNamed) + " more");
  if (!problems.empty()) {
    throw FitRefused(RefusalReason::kNonFiniteData,
                     "N, D and the loss must be finite and positive" +
                         std::string(form == LawForm::kAbnar ? ", S in [0, 1)" : "") + ": " +
                         join(problems, "; "));
  }
}

using StartOutcome = law_fit_detail::StartOutcome<Coordinates>;
using DistinctMinima = law_fit_detail::DistinctMinima<Coordinates>;

using law_fit_detail::TerminationCounts;
using WorkerTally = law_fit_detail::StartTally<Coordinates>;

// What the starts and the bootstrap share.
struct FitRun {
  const LawObjective& objective;
  const law_fit_detail::StartGrid& grid;
  numerics::LbfgsOptions lbfgs;  // the grid's rules
  numerics::LbfgsOptions refit;  // the polish's and the bootstrap's
  int threads;
  const FitControl& control;
  std::size_t progress_total;  // grid starts + bootstrap replicates
};

struct GridOutcome {
  std::vector<StartOutcome> minima;  // distinct converged minima, best first; empty if none
  std::size_t converged = 0;
  TerminationCounts terminations{};
};

// Every start of the grid, each worker keeping its own tally, merged at the end.
GridOutcome run_grid(const FitRun& run, std::size_t minima_kept) {
  const int coordinates = run.objective.coordinates();
  std::vector<WorkerTally> tallies(static_cast<std::size_t>(run.threads),
                                   WorkerTally(minima_kept, coordinates));
  const bool finished = numerics::parallel_for(
      run.grid.size(), run.threads, {run.control.progress, run.control.cancel},
      {0, run.progress_total}, [&](int worker, std::size_t start, const std::atomic<bool>& stop) {
        WorkerTally& tally = tallies[static_cast<std::size_t>(worker)];
        StartOutcome outcome;
        outcome.start = start;
        run.grid.start(start, outcome.coordinates.data());
        outcome.result = minimize(run.objective, outcome.coordinates.data(), run.lbfgs, stop);
        outcome.objective = outcome.result.objective;
        tally.record(outcome);
      });
  if (!finished)
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");
  WorkerTally all(minima_kept, coordinates);
  for (const WorkerTally& tally : tallies)
    all.merge(tally);
  return {all.minima.best_first(), all.converged, all.terminations};
}

// Minimises from the best start again with the refit rules; keeps the result where it converged
// and is no worse.
void polish(const FitRun& run, StartOutcome& best) {
  StartOutcome polished = best;
  const std::atomic<bool> never{false};
  polished.result = minimize(run.objective, polished.coordinates.data(), run.refit, never);
  if (!polished.result.converged() || !(polished.result.objective <= best.objective))
    return;
  polished.objective = polished.result.objective;
  polished.result.iterations += best.result.iterations;
  best = polished;
}

// One refit per replicate to the fit points drawn with replacement, from the starts the header
// lists (LawFitOptions::bootstrap); nullopt where no start converged.
std::vector<std::optional<Coordinates>> run_bootstrap(const FitRun& run,
                                                      const std::vector<StartOutcome>& minima,
                                                      const LawFitOptions& options) {
  const auto replicates = static_cast<std::size_t>(options.bootstrap);
  std::vector<std::optional<Coordinates>> fitted(replicates);
  if (replicates == 0)
    return fitted;
  law_fit_detail::RefitStarts starts;
  for (const StartOutcome& minimum : minima)
    starts.minima.push_back(minimum.coordinates);
  starts.grid = &run.grid;
  starts.grid_starts = static_cast<std::size_t>(options.bootstrap_grid_starts);
  // Each worker reweighs its own copy of the objective for the replicate it runs.
  std::vector<LawObjective> worker_objectives(static_cast<std::size_t>(run.threads), run.objective);
  const bool finished = numerics::parallel_for(
      replicates, run.threads, {run.control.progress, run.control.cancel},
      {run.progress_total - replicates, run.progress_total},
      [&](int worker, std::size_t replicate, const std::atomic<bool>& stop) {
        LawObjective& reweighted = worker_objectives[static_cast<std::size_t>(worker)];
        std::uint64_t state = law_fit_detail::refit_stream(options.seed, replicate);
        reweighted.set_weights(law_fit_detail::bootstrap_weights(reweighted.points(), state));
        fitted[replicate] = law_fit_detail::refit(reweighted, starts, run.refit, state, stop);
      });
  if (!finished)
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");
  return fitted;
}

// The variable-projection search (variable_projection.h) in the grid's terms: its polished
// minima, distinct as the grid's are; `converged` counts the exponent grid points whose projected
// start was finite.
GridOutcome run_projection(const FitRun& run,
                           const law_fit_detail::VariableProjectionSearch& search,
                           const std::vector<ScalingPoint>& fit_points,
                           const LawFitOptions& options) {
  const law_fit_detail::ReducedObjective reduced(options.form, fit_points, options.huber_delta);
  const law_fit_detail::ProjectionOutcome projected =
      search.run(run.objective, reduced, run.lbfgs, run.refit, run.threads,
                 {run.control.progress, run.control.cancel}, run.progress_total);
  GridOutcome outcome;
  outcome.converged = projected.finite;
  DistinctMinima minima(static_cast<std::size_t>(options.bootstrap_minima),
                        run.objective.coordinates());
  for (const law_fit_detail::ProjectedMinimum& minimum : projected.minima) {
    StartOutcome start;
    start.objective = minimum.objective;
    start.start = minimum.start;
    start.coordinates = minimum.coordinates;
    start.result = minimum.polish;
    minima.offer(start);
  }
  outcome.minima = minima.best_first();
  return outcome;
}

}  // namespace

std::string_view to_string(LawSolver solver) {
  return solver == LawSolver::kVariableProjection ? "vp" : "multistart";
}

std::optional<LawSolver> parse_law_solver(std::string_view text) {
  if (text == "multistart")
    return LawSolver::kMultiStart;
  if (text == "vp")
    return LawSolver::kVariableProjection;
  return std::nullopt;
}

std::string_view to_string(LawForm form) {
  return form == LawForm::kChinchilla ? "chinchilla" : "abnar";
}

std::string_view to_string(InitGrid grid) {
  return grid == InitGrid::kEpoch ? "epoch" : "abnar-table2";
}

double ChinchillaLaw::loss(double total_params, double tokens) const {
  return E + A / std::pow(total_params, alpha) + B / std::pow(tokens, beta);
}

double FittedLaw::loss(const ScalingPoint& point) const {
  return form == LawForm::kChinchilla
             ? chinchilla.loss(point.total_params, point.tokens)
             : abnar.loss(point.total_params, point.tokens, point.sparsity);
}

SparsityLaw FittedLaw::as_sparsity_law() const {
  if (form == LawForm::kAbnar)
    return abnar;
  SparsityLaw law;
  law.a = chinchilla.A;
  law.alpha = chinchilla.alpha;
  law.b = chinchilla.B;
  law.beta = chinchilla.beta;
  law.e = chinchilla.E;
  return law;
}

std::vector<std::pair<std::string, double>> FittedLaw::parameters() const {
  const std::vector<std::string>& names = parameter_names(form);
  std::vector<double> values;
  if (form == LawForm::kChinchilla) {
    values = {chinchilla.A, chinchilla.B, chinchilla.E, chinchilla.alpha, chinchilla.beta};
  } else {
    values = {abnar.a,     abnar.b,    abnar.c,     abnar.d,      abnar.e,
              abnar.alpha, abnar.beta, abnar.gamma, abnar.lambda, abnar.delta};
  }
  std::vector<std::pair<std::string, double>> named;
  for (std::size_t i = 0; i < names.size(); ++i)
    named.emplace_back(names[i], values[i]);
  return named;
}

FittedLaw FittedLaw::from_parameters(
    LawForm form, const std::vector<std::pair<std::string, double>>& parameters) {
  const std::vector<std::string>& names = parameter_names(form);
  std::vector<double> values(names.size(), 0.0);
  std::vector<int> seen(names.size(), 0);
  std::vector<std::string> problems;
  for (const auto& [name, value] : parameters) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      problems.push_back("unknown parameter '" + name + "'");
      continue;
    }
    const auto index = static_cast<std::size_t>(found - names.begin());
    if (++seen[index] == 2)
      problems.push_back("parameter '" + name + "' given more than once");
    values[index] = value;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (seen[i] == 0)
      problems.push_back("missing parameter '" + names[i] + "'");
  }
  if (!problems.empty()) {
    throw std::invalid_argument("FittedLaw::from_parameters (" + std::string(to_string(form)) +
                                " form): " + join(problems, "; "));
  }
  FittedLaw law;
  law.form = form;
  if (form == LawForm::kChinchilla) {
    law.chinchilla = {values[0], values[1], values[2], values[3], values[4]};
  } else {
    law.abnar.a = values[0];
    law.abnar.b = values[1];
    law.abnar.c = values[2];
    law.abnar.d = values[3];
    law.abnar.e = values[4];
    law.abnar.alpha = values[5];
    law.abnar.beta = values[6];
    law.abnar.gamma = values[7];
    law.abnar.lambda = values[8];
    law.abnar.delta = values[9];
  }
  return law;
}

InitGrid LawFitOptions::grid() const {
  if (init_grid)
    return *init_grid;
  return form == LawForm::kChinchilla ? InitGrid::kEpoch : InitGrid::kAbnarTable2;
}

std::vector<std::string> LawFitOptions::validate() const {
  std::vector<std::string> problems;
  if (!(std::isfinite(huber_delta) && huber_delta > 0))
    problems.push_back("huber_delta must be finite and positive, got " +
                       format_number(huber_delta));
  if (threads < 0)
    problems.push_back("threads must be 0 (all cores) or more, got " + std::to_string(threads));
  if (max_iterations < 1)
    problems.push_back("max_iterations must be at least 1, got " + std::to_string(max_iterations));
  if (!(std::isfinite(function_tolerance) && function_tolerance >= 0)) {
    problems.push_back("function_tolerance must be finite and not negative, got " +
                       format_number(function_tolerance));
  }
  if (!(std::isfinite(gradient_tolerance) && gradient_tolerance >= 0)) {
    problems.push_back("gradient_tolerance must be finite and not negative, got " +
                       format_number(gradient_tolerance));
  }
  if (!(std::isfinite(refit_function_tolerance) && refit_function_tolerance >= 0)) {
    problems.push_back("refit_function_tolerance must be finite and not negative, got " +
                       format_number(refit_function_tolerance));
  }
  if (!(std::isfinite(refit_gradient_tolerance) && refit_gradient_tolerance >= 0)) {
    problems.push_back("refit_gradient_tolerance must be finite and not negative, got " +
                       format_number(refit_gradient_tolerance));
  }
  if (bootstrap < 0)
    problems.push_back("bootstrap must be 0 (none) or more, got " + std::to_string(bootstrap));
  if (bootstrap_minima < 1) {
    problems.push_back("bootstrap_minima must be at least 1 (the best fit), got " +
                       std::to_string(bootstrap_minima));
  }
  if (bootstrap_grid_starts < 0) {
    problems.push_back("bootstrap_grid_starts must be 0 or more, got " +
                       std::to_string(bootstrap_grid_starts));
  }
  if (!law_fit_detail::grid_fits_form(grid(), form)) {
    problems.push_back("init_grid " + std::string(to_string(grid())) +
                       " has no values for the sparsity terms of the " +
                       std::string(to_string(form)) + " form; use abnar-table2");
  }
  const bool projected = solver == LawSolver::kVariableProjection;
  if (solver != LawSolver::kMultiStart && !projected) {
    problems.push_back("solver must be multistart or vp, got " +
                       std::to_string(static_cast<int>(solver)));
  }
  const std::vector<std::string>& names = coordinate_names(form);
  const std::vector<std::string>& exponents = law_fit_detail::exponent_names(form);
  std::vector<std::string> overridden;
  for (const auto& [name, values] : grid_override) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      problems.push_back("grid_override: '" + name + "' is not a coordinate of the " +
                         std::string(to_string(form)) + " form (" + join(names, ", ") + ")");
    } else if (std::find(overridden.begin(), overridden.end(), name) != overridden.end()) {
      problems.push_back("grid_override: '" + name + "' is given more than once");
    } else if (projected &&
               std::find(exponents.begin(), exponents.end(), name) == exponents.end()) {
      problems.push_back("grid_override: '" + name +
                         "' is a coefficient, which the vp solver does not search on a grid; "
                         "override the exponents (" +
                         join(exponents, ", ") + ") only");
    }
    overridden.push_back(name);
    if (values.empty())
      problems.push_back("grid_override: '" + name + "' has no values");
    if (std::any_of(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }))
      problems.push_back("grid_override: '" + name + "' has a value that is not finite");
  }
  return problems;
}

std::optional<Interval> LawFitSummary::prediction_interval(const ScalingPoint& point,
                                                           double level) const {
  std::vector<double> predictions;
  for (const FittedLaw& replicate : replicates) {
    const double predicted = replicate.loss(point);
    if (std::isfinite(predicted))
      predictions.push_back(predicted);
  }
  if (predictions.empty())
    return std::nullopt;
  return percentile_interval(std::move(predictions), level);
}

std::vector<std::pair<std::string, Interval>> parameter_intervals(
    const FittedLaw& law, const std::vector<FittedLaw>& replicates, double level) {
  std::vector<std::pair<std::string, Interval>> intervals;
  if (replicates.empty())
    return intervals;
  const auto names = law.parameters();
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::vector<double> values;
    for (const FittedLaw& replicate : replicates)
      values.push_back(replicate.parameters()[i].second);
    intervals.emplace_back(names[i].first, percentile_interval(std::move(values), level));
  }
  return intervals;
}

std::vector<std::pair<std::string, Interval>> LawFitSummary::parameter_intervals(
    double level) const {
  return moescope::parameter_intervals(law, replicates, level);
}

ErrorMeasures measure_errors(const FittedLaw& law, const std::vector<ScalingPoint>& points,
                             double delta) {
  ErrorMeasures measures;
  measures.points = points.size();
  if (points.empty())
    return measures;
  double squared_error = 0;
  double huber_sum = 0;
  for (const ScalingPoint& point : points) {
    const double predicted = law.loss(point);
    squared_error += (point.loss - predicted) * (point.loss - predicted);
    huber_sum += huber(std::log(point.loss) - std::log(predicted), delta);
  }
  const auto count = static_cast<double>(points.size());
  measures.mse = squared_error / count;
  measures.huber = huber_sum / count;
  return measures;
}

LawFitSummary fit_law(const std::vector<ScalingPoint>& points, const std::vector<bool>& holdout,
                      const LawFitOptions& options, const FitControl& control) {
  const auto began = std::chrono::steady_clock::now();
  if (const auto problems = options.validate(); !problems.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, join(problems, "; "));
  if (!holdout.empty() && holdout.size() != points.size()) {
    throw FitRefused(RefusalReason::kInvalidOptions,
                     "holdout has " + std::to_string(holdout.size()) + " entries for " +
                         std::to_string(points.size()) + " points");
  }
  check_points(points, options.form);
  std::vector<ScalingPoint> fit_points;
  std::vector<ScalingPoint> held_out_points;
  for (std::size_t i = 0; i < points.size(); ++i)
    (!holdout.empty() && holdout[i] ? held_out_points : fit_points).push_back(points[i]);
  law_fit_detail::check_identifiable(options.form, fit_points);

  const LawObjective objective(options.form, fit_points, options.huber_delta);
  const law_fit_detail::StartGrid grid(options.form, options.grid(), options.grid_override);
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool projected = options.solver == LawSolver::kVariableProjection;
  const auto minima_kept = static_cast<std::size_t>(options.bootstrap_minima);
  std::optional<law_fit_detail::VariableProjectionSearch> search;
  if (projected) {
    search.emplace(options.form, options.grid(), options.grid_override,
                   std::max(law_fit_detail::kPolishedStarts, minima_kept));
  }
  const std::size_t starts = projected ? search->grid_size() : grid.size();
  const FitRun run{
      objective,
      grid,
      {options.max_iterations, options.function_tolerance, options.gradient_tolerance},
      {options.max_iterations, options.refit_function_tolerance, options.refit_gradient_tolerance,
       0.0},
      threads,
      control,
      (projected ? search->items() : grid.size()) + static_cast<std::size_t>(options.bootstrap)};
  GridOutcome outcome =
      projected ? run_projection(run, *search, fit_points, options) : run_grid(run, minima_kept);
  if (outcome.minima.empty()) {
    throw FitRefused(RefusalReason::kNoConvergence,
                     projected
                         ? "variable projection: no polished start converged (" +
                               std::to_string(outcome.converged) + " of " + std::to_string(starts) +
                               " exponent grid points gave a finite objective)"
                         : "none of the " + std::to_string(starts) + " starts converged: " +
                               law_fit_detail::describe_terminations(outcome.terminations));
  }
  StartOutcome& best = outcome.minima.front();
  if (!projected)
    polish(run, best);  // the projection's minima were polished at the refit rules already

  LawFitSummary summary;
  summary.law = law_fit_detail::law_from_coordinates(options.form, best.coordinates.data());
  summary.objective = best.objective;
  summary.starts = starts;
  summary.converged = outcome.converged;
  summary.termination = (projected ? "variable projection: " : "") +
                        std::string(numerics::describe(best.result.termination));
  summary.iterations = best.result.iterations;
  for (const StartOutcome& minimum : outcome.minima)
    summary.minima.push_back(
        law_fit_detail::law_from_coordinates(options.form, minimum.coordinates.data()));
  for (const auto& replicate : run_bootstrap(run, outcome.minima, options)) {
    if (replicate)
      summary.replicates.push_back(
          law_fit_detail::law_from_coordinates(options.form, replicate->data()));
    else
      ++summary.bootstrap_failed;
  }
  summary.fit = measure_errors(summary.law, fit_points, options.huber_delta);
  summary.holdout = measure_errors(summary.law, held_out_points, options.huber_delta);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return summary;
}

}  // namespace moescope

// The fitter of user-defined laws (defined_law_fit.h): fit_law's recipe over a law's tape.
#include "moescope/law/defined_law_fit.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <utility>

#include "fit/distinct_minima.h"
#include "fit/law_refit.h"
#include "fit/start_grid.h"
#include "law/row_objective.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"
#include "numerics/lbfgs.h"
#include "numerics/parallel_for.h"

namespace moescope::law {
namespace {

using detail::RowObjective;
using Coordinates = std::array<double, kMaxLawParameters>;

// The L-BFGS is compiled for a fixed dimension: one instantiation per parameter count.
template <int Dim>
numerics::LbfgsResult minimize_fixed(const RowObjective& objective, double* u,
                                     const numerics::LbfgsOptions& options,
                                     const std::atomic<bool>& stop) {
  if constexpr (Dim > static_cast<int>(kMaxLawParameters)) {
    return {};
  } else {
    if (objective.coordinates() == Dim)
      return numerics::minimize_lbfgs<Dim>(objective, u, options, stop);
    return minimize_fixed<Dim + 1>(objective, u, options, stop);
  }
}

numerics::LbfgsResult minimize(const RowObjective& objective, Coordinates& u,
                               const numerics::LbfgsOptions& options,
                               const std::atomic<bool>& stop) {
  return minimize_fixed<1>(objective, u.data(), options, stop);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i)
    joined += (i == 0 ? "" : separator) + parts[i];
  return joined;
}

using StartOutcome = law_fit_detail::StartOutcome<Coordinates>;

using WorkerTally = law_fit_detail::StartTally<Coordinates>;

void check_rows(const LawDefinition& law, const std::vector<LawRow>& rows) {
  constexpr std::size_t kNamed = 5;
  std::vector<std::string> problems;
  std::size_t offenders = 0;
  const std::vector<std::string>& variables = law.variables();
  for (const LawRow& row : rows) {
    std::string offence;
    if (row.values.size() != variables.size()) {
      offence = "has " + std::to_string(row.values.size()) + " values for the law's " +
                std::to_string(variables.size()) + " variables";
    } else if (!(std::isfinite(row.loss) && row.loss > 0)) {
      offence = "loss = " + format_number(row.loss);
    } else {
      for (std::size_t k = 0; k < variables.size(); ++k) {
        if (!std::isfinite(row.values[k])) {
          offence = variables[k] + " = " + format_number(row.values[k]);
          break;
        }
      }
    }
    if (!offence.empty() && ++offenders <= kNamed)
      problems.push_back("row " + std::to_string(row.source_index) + ": " + offence);
  }
  if (offenders > kNamed)
    problems.push_back("and " + std::to_string(offenders - kNamed) + " more");
  if (!problems.empty()) {
    throw FitRefused(RefusalReason::kNonFiniteData,
                     "every row needs a finite positive loss and a finite value of each of the "
                     "law's variables (" +
                         join(variables, ", ") + "): " + join(problems, "; "));
  }
}

RowObjective objective_for(const LawDefinition& law, const std::vector<const LawRow*>& rows) {
  std::vector<double> values, losses;
  for (const LawRow* row : rows) {
    values.insert(values.end(), row->values.begin(), row->values.end());
    losses.push_back(row->loss);
  }
  return RowObjective(law, values, losses);
}

double huber(double residual, double delta) {
  const double magnitude = std::abs(residual);
  return magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta);
}

ErrorMeasures measure(const LawDefinition& law, const std::vector<const LawRow*>& rows,
                      const std::vector<double>& values) {
  ErrorMeasures measures;
  measures.points = rows.size();
  if (rows.empty())
    return measures;
  double squared = 0;
  double huber_sum = 0;
  for (const LawRow* row : rows) {
    const double log_predicted = law.log_prediction(row->values.data(), values.data(), nullptr);
    const double predicted = std::exp(log_predicted);
    squared += (row->loss - predicted) * (row->loss - predicted);
    huber_sum += huber(std::log(row->loss) - log_predicted, law.objective().delta);
  }
  measures.mse = squared / static_cast<double>(rows.size());
  measures.huber = huber_sum / static_cast<double>(rows.size());
  return measures;
}

std::vector<double> values_at(const RowObjective& objective, const Coordinates& u) {
  std::vector<double> values(static_cast<std::size_t>(objective.coordinates()));
  objective.values(u.data(), values.data());
  return values;
}

}  // namespace

std::vector<std::string> DefinedLawFitOptions::validate() const {
  std::vector<std::string> problems;
  const auto tolerance = [&](const char* name, double value) {
    if (!(std::isfinite(value) && value >= 0))
      problems.push_back(std::string(name) + " must be finite and not negative, got " +
                         format_number(value));
  };
  if (threads < 0)
    problems.push_back("threads must be 0 (all cores) or more, got " + std::to_string(threads));
  if (max_iterations < 1)
    problems.push_back("max_iterations must be at least 1, got " + std::to_string(max_iterations));
  tolerance("function_tolerance", function_tolerance);
  tolerance("gradient_tolerance", gradient_tolerance);
  tolerance("refit_function_tolerance", refit_function_tolerance);
  tolerance("refit_gradient_tolerance", refit_gradient_tolerance);
  if (bootstrap < 0)
    problems.push_back("bootstrap must be 0 (none) or more, got " + std::to_string(bootstrap));
  if (bootstrap_minima < 1)
    problems.push_back("bootstrap_minima must be at least 1 (the best fit), got " +
                       std::to_string(bootstrap_minima));
  if (bootstrap_grid_starts < 0)
    problems.push_back("bootstrap_grid_starts must be 0 or more, got " +
                       std::to_string(bootstrap_grid_starts));
  return problems;
}

std::vector<double> DefinedLawFitSummary::free_values() const {
  std::vector<double> values;
  for (const FittedValue& parameter : parameters) {
    if (!parameter.fixed)
      values.push_back(parameter.value);
  }
  return values;
}

std::vector<std::pair<std::string, Interval>> DefinedLawFitSummary::parameter_intervals(
    double level) const {
  std::vector<std::pair<std::string, Interval>> intervals;
  if (replicates.empty())
    return intervals;
  for (std::size_t k = 0; k < law.parameters().size(); ++k) {
    std::vector<double> values;
    for (const std::vector<double>& replicate : replicates)
      values.push_back(replicate[k]);
    intervals.emplace_back(law.parameters()[k].name, percentile_interval(std::move(values), level));
  }
  return intervals;
}

std::optional<Interval> DefinedLawFitSummary::prediction_interval(const LawRow& row,
                                                                  double level) const {
  if (row.values.size() != law.variables().size())
    return std::nullopt;
  std::vector<double> predictions;
  for (const std::vector<double>& replicate : replicates) {
    const double predicted = law.predict_loss(row.values.data(), replicate.data());
    if (std::isfinite(predicted))
      predictions.push_back(predicted);
  }
  if (predictions.empty())
    return std::nullopt;
  return percentile_interval(std::move(predictions), level);
}

DefinedLawFitSummary fit_defined_law(const LawDefinition& law, const std::vector<LawRow>& rows,
                                     const std::vector<bool>& holdout,
                                     const DefinedLawFitOptions& options,
                                     const FitControl& control) {
  const auto began = std::chrono::steady_clock::now();
  if (const auto problems = options.validate(); !problems.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, join(problems, "; "));
  if (!holdout.empty() && holdout.size() != rows.size())
    throw FitRefused(RefusalReason::kInvalidOptions,
                     "holdout has " + std::to_string(holdout.size()) + " entries for " +
                         std::to_string(rows.size()) + " rows");
  if (law.parameters().empty() || law.parameters().size() > kMaxLawParameters)
    throw FitRefused(RefusalReason::kInvalidOptions, "the law has no parameters to fit");
  check_rows(law, rows);
  std::vector<const LawRow*> fit_rows, held_out_rows;
  for (std::size_t i = 0; i < rows.size(); ++i)
    (!holdout.empty() && holdout[i] ? held_out_rows : fit_rows).push_back(&rows[i]);
  const std::size_t dimension = law.parameters().size();
  if (fit_rows.size() < dimension + 1)
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(fit_rows.size()) + " fit rows for " +
                         std::to_string(dimension) + " free parameters: at least " +
                         std::to_string(dimension + 1) + " are needed");

  const RowObjective objective = objective_for(law, fit_rows);
  std::vector<std::vector<double>> axes;
  for (std::size_t k = 0; k < dimension; ++k) {
    std::vector<double> axis;
    for (const double start : law.parameters()[k].init)
      axis.push_back(objective.transforms()[k].coordinate(start));
    axes.push_back(std::move(axis));
  }
  const law_fit_detail::StartGrid grid(std::move(axes));
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const numerics::LbfgsOptions lbfgs{options.max_iterations, options.function_tolerance,
                                     options.gradient_tolerance};
  const numerics::LbfgsOptions refit{options.max_iterations, options.refit_function_tolerance,
                                     options.refit_gradient_tolerance, 0.0};
  const std::size_t progress_total = grid.size() + static_cast<std::size_t>(options.bootstrap);
  const auto minima_kept = static_cast<std::size_t>(options.bootstrap_minima);

  // Every start, each worker with its own copy of the objective (its buffers) and tally.
  std::vector<RowObjective> worker_objectives(static_cast<std::size_t>(threads), objective);
  std::vector<WorkerTally> tallies(static_cast<std::size_t>(threads),
                                   WorkerTally(minima_kept, static_cast<int>(dimension)));
  bool finished = numerics::parallel_for(
      grid.size(), threads, {control.progress, control.cancel}, {0, progress_total},
      [&](int worker, std::size_t start, const std::atomic<bool>& stop) {
        WorkerTally& tally = tallies[static_cast<std::size_t>(worker)];
        StartOutcome outcome;
        outcome.start = start;
        grid.start(start, outcome.coordinates.data());
        outcome.result = minimize(worker_objectives[static_cast<std::size_t>(worker)],
                                  outcome.coordinates, lbfgs, stop);
        outcome.objective = outcome.result.objective;
        tally.record(outcome);
      });
  if (!finished)
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");
  WorkerTally merged(minima_kept, static_cast<int>(dimension));
  for (const WorkerTally& tally : tallies)
    merged.merge(tally);
  const std::size_t converged = merged.converged;
  if (converged == 0) {
    throw FitRefused(RefusalReason::kNoConvergence,
                     "none of the " + std::to_string(grid.size()) + " starts converged: " +
                         law_fit_detail::describe_terminations(merged.terminations));
  }
  std::vector<StartOutcome> minima = merged.minima.best_first();

  // Polish the best start with the refit rules; keep it where it converged and is no worse.
  StartOutcome& best = minima.front();
  {
    StartOutcome polished = best;
    RowObjective& own = worker_objectives.front();
    const std::atomic<bool> never{false};
    polished.result = minimize(own, polished.coordinates, refit, never);
    if (polished.result.converged() && polished.result.objective <= best.objective) {
      polished.objective = polished.result.objective;
      polished.result.iterations += best.result.iterations;
      best = polished;
    }
  }

  DefinedLawFitSummary summary;
  summary.law = law;
  const std::vector<double> values = values_at(objective, best.coordinates);
  for (std::size_t k = 0; k < dimension; ++k)
    summary.parameters.push_back({law.parameters()[k].name, values[k], false});
  for (const FixedValue& fixed : law.fixed())
    summary.parameters.push_back({fixed.name, fixed.value, true});
  summary.objective = best.objective;
  summary.starts = grid.size();
  summary.converged = converged;
  summary.termination = numerics::describe(best.result.termination);
  summary.iterations = best.result.iterations;
  for (const StartOutcome& minimum : minima)
    summary.minima.push_back(values_at(objective, minimum.coordinates));

  // Bootstrap: one refit per replicate to the fit rows drawn with replacement, from the minima
  // and random grid points (LawFitOptions::bootstrap; the same streams as fit_law's).
  const auto replicates = static_cast<std::size_t>(options.bootstrap);
  std::vector<std::optional<Coordinates>> fitted(replicates);
  finished = numerics::parallel_for(
      replicates, threads, {control.progress, control.cancel}, {grid.size(), progress_total},
      [&](int worker, std::size_t replicate, const std::atomic<bool>& stop) {
        RowObjective& reweighted = worker_objectives[static_cast<std::size_t>(worker)];
        std::uint64_t state = law_fit_detail::refit_stream(options.seed, replicate);
        reweighted.set_weights(law_fit_detail::bootstrap_weights(reweighted.rows(), state));
        std::vector<Coordinates> from;
        for (const StartOutcome& minimum : minima)
          from.push_back(minimum.coordinates);
        for (int k = 0; k < options.bootstrap_grid_starts; ++k) {
          Coordinates start{};
          grid.start(law_fit_detail::next_random(state) % grid.size(), start.data());
          from.push_back(start);
        }
        fitted[replicate] = law_fit_detail::best_converged(
            from, [&](Coordinates& u) { return minimize(reweighted, u, refit, stop); });
      });
  if (!finished)
    throw FitRefused(RefusalReason::kCancelled, "the fit was cancelled");
  for (const auto& replicate : fitted) {
    if (replicate)
      summary.replicates.push_back(values_at(objective, *replicate));
    else
      ++summary.bootstrap_failed;
  }
  summary.fit = measure(law, fit_rows, values);
  summary.holdout = measure(law, held_out_rows, values);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return summary;
}

}  // namespace moescope::law

#include "moescope/law/law_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "fit/run_requirements.h"
#include "moescope/fit/budget_binning.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"
#include "moescope/run/run_variables.h"

namespace moescope::law {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double huber_term(double residual, double delta) {
  const double magnitude = std::abs(residual);
  return magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta);
}

// Why `run` cannot be a row of `law`, or empty; `values` receives its variables.
std::string missing_for_law(const Run& run, const LawDefinition& law, std::vector<double>& values) {
  if (run.status != RunStatus::kDone)
    return "status is " + std::string(to_string(run.status));
  if (!run.loss)
    return "no loss";
  if (!std::isfinite(*run.loss) || *run.loss <= 0)
    return "loss " + format_brief(*run.loss) + " is not finite and positive";
  values.clear();
  for (const std::string& name : law.variables()) {
    const std::optional<double> value = run_variable(run, name);
    if (!value)
      return "no " + name;
    if (!std::isfinite(*value))
      return name + " is not finite";
    values.push_back(*value);
  }
  return {};
}

// The budgets of `rows` that have a C: (median C, row indices), in increasing C.
std::vector<std::pair<double, std::vector<std::size_t>>> rows_by_budget(const LawRows& rows) {
  std::vector<double> compute;
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    if (std::isfinite(rows.budgets[i]) && rows.budgets[i] > 0) {
      compute.push_back(rows.budgets[i]);
      index.push_back(i);
    }
  }
  std::vector<std::pair<double, std::vector<std::size_t>>> budgets;
  if (compute.empty())
    return budgets;
  for (const BudgetBin& bin : bin_budgets(compute)) {
    std::vector<std::size_t> members;
    for (const std::size_t k : bin.members)
      members.push_back(index[k]);
    budgets.emplace_back(bin.budget, std::move(members));
  }
  return budgets;
}

}  // namespace

std::string_view variable_meaning(std::string_view name) {
  if (name == "N")
    return "total parameters";
  if (name == "N_active")
    return "active parameters";
  if (name == "D")
    return "training tokens";
  if (name == "C")
    return "compute";
  if (name == "S")
    return "sparsity";
  if (name == "E")
    return "experts";
  if (name == "K")
    return "active experts";
  if (name == "G")
    return "granularity";
  if (name == "U")
    return "unique tokens";
  return {};
}

std::string variable_column(std::string_view name) {
  if (name == "E")
    return "experts";
  if (name == "K")
    return "active";
  if (name == "G")
    return "granularity";
  if (name == "U")
    return "unique_tokens";
  return std::string(name);
}

LawRows law_rows(const std::vector<Run>& runs, const LawDefinition& law, const RunFilter& holdout) {
  LawRows result;
  std::vector<std::size_t> usable;
  std::vector<std::vector<double>> usable_values;
  std::vector<double> values;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string missing = missing_for_law(runs[i], law, values);
    if (!missing.empty()) {
      result.left_out.push_back(left_out_line(runs[i], missing));
      continue;
    }
    usable.push_back(i);
    usable_values.push_back(values);
  }
  std::vector<std::size_t> chosen;  // positions in `usable`
  if (law.fit_to() == FitTo::kRuns) {
    for (std::size_t k = 0; k < usable.size(); ++k)
      chosen.push_back(k);
  } else {
    std::vector<double> compute;
    std::vector<std::size_t> with_compute;
    for (std::size_t k = 0; k < usable.size(); ++k) {
      const Run& run = runs[usable[k]];
      if (run.compute && std::isfinite(*run.compute) && *run.compute > 0) {
        compute.push_back(*run.compute);
        with_compute.push_back(k);
      } else {
        result.left_out.push_back(
            left_out_line(run, "no C (the law is fitted to each budget's best run)"));
      }
    }
    std::size_t budgets = 0;
    if (!compute.empty()) {
      for (const BudgetBin& bin : bin_budgets(compute)) {
        std::size_t best = with_compute[bin.members.front()];
        for (const std::size_t member : bin.members) {
          const std::size_t k = with_compute[member];
          if (*runs[usable[k]].loss < *runs[usable[best]].loss)
            best = k;
        }
        chosen.push_back(best);
        ++budgets;
      }
    }
    std::sort(chosen.begin(), chosen.end());
    result.notes.push_back(
        "the law is fitted to budget optima (fit_to \"budget_optima\"): one row "
        "per compute budget (runs within 2% of one C), its lowest-loss run; " +
        std::to_string(budgets) + " budgets from " + std::to_string(with_compute.size()) +
        " usable runs");
  }
  std::vector<std::size_t> used;
  for (const std::size_t k : chosen) {
    const Run& run = runs[usable[k]];
    result.rows.push_back(LawRow{usable_values[k], *run.loss, usable[k]});
    result.holdout.push_back(holdout.matches(run));
    result.budgets.push_back(run.compute && std::isfinite(*run.compute) ? *run.compute : kNaN);
    used.push_back(usable[k]);
  }
  result.loss_unit = one_loss_unit(runs, used);
  return result;
}

ErrorMeasures defined_law_errors(const LawDefinition& law, const std::vector<double>& values,
                                 const std::vector<LawRow>& rows,
                                 const std::vector<std::size_t>& which) {
  ErrorMeasures measures;
  measures.points = which.size();
  if (which.empty())
    return measures;
  double squared = 0, huber_sum = 0;
  for (const std::size_t i : which) {
    const LawRow& row = rows[i];
    const double log_predicted = law.log_prediction(row.values.data(), values.data(), nullptr);
    const double predicted = std::exp(log_predicted);
    squared += (row.loss - predicted) * (row.loss - predicted);
    huber_sum += huber_term(std::log(row.loss) - log_predicted, law.objective().delta);
  }
  const auto count = static_cast<double>(which.size());
  measures.mse = squared / count;
  measures.huber = huber_sum / count;
  return measures;
}

double log_residual_sum_of_squares(const LawDefinition& law, const std::vector<double>& values,
                                   const std::vector<LawRow>& rows,
                                   const std::vector<std::size_t>& which) {
  double sum = 0;
  for (const std::size_t i : which) {
    const double residual =
        std::log(rows[i].loss) - law.log_prediction(rows[i].values.data(), values.data(), nullptr);
    sum += residual * residual;
  }
  return std::isfinite(sum) ? sum : kNaN;
}

DefinedLawValidation validate_defined_law(const LawDefinition& law, const LawRows& rows,
                                          const DefinedLawFitOptions& options,
                                          ValidationScheme scheme, const FitControl& control) {
  const auto budgets = rows_by_budget(rows);
  if (budgets.size() < 2) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     "validation across budgets needs at least two budgets, got " +
                         std::to_string(budgets.size()));
  }
  std::vector<std::size_t> folds;
  if (scheme == ValidationScheme::kForward) {
    folds.push_back(budgets.size() - 1);
  } else {
    for (std::size_t k = 0; k < budgets.size(); ++k)
      folds.push_back(k);
  }
  DefinedLawFitOptions refit_options = options;
  refit_options.bootstrap = 0;
  DefinedLawValidation result;
  result.validation.scheme = scheme;
  for (std::size_t f = 0; f < folds.size(); ++f) {
    if (control.cancelled())
      throw FitRefused(RefusalReason::kCancelled, "the validation was cancelled");
    if (control.progress)
      control.progress(f, folds.size());
    const auto& [budget, members] = budgets[folds[f]];
    std::vector<bool> excluded = rows.holdout;
    if (excluded.empty())
      excluded.assign(rows.rows.size(), false);
    for (const std::size_t i : members)
      excluded[i] = true;
    const auto fitted_points =
        static_cast<std::size_t>(std::count(excluded.begin(), excluded.end(), false));
    DefinedLawFitSummary refit;
    try {
      FitControl inner;
      inner.cancel = control.cancel;
      refit = fit_defined_law(law, rows.rows, excluded, refit_options, inner);
    } catch (const FitRefused& refused) {
      if (refused.reason() == RefusalReason::kCancelled)
        throw;
      result.validation.refused.push_back("C = " + format_brief(budget) + ": " + refused.what());
      continue;
    }
    const std::vector<double> values = refit.free_values();
    BudgetValidation scored;
    scored.budget = budget;
    scored.fitted_points = fitted_points;
    scored.errors = defined_law_errors(law, values, rows.rows, members);
    const std::size_t best = *std::min_element(
        members.begin(), members.end(),
        [&](std::size_t a, std::size_t b) { return rows.rows[a].loss < rows.rows[b].loss; });
    scored.best_observed_loss = rows.rows[best].loss;
    scored.best_predicted_loss = law.predict_loss(rows.rows[best].values.data(), values.data());
    scored.best_run_index = rows.rows[best].source_index;
    result.validation.budgets.push_back(std::move(scored));
    result.refits.push_back(values);
  }
  if (control.progress)
    control.progress(folds.size(), folds.size());
  return result;
}

}  // namespace moescope::law

#include "moescope/plan/gap_finder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

bool fills_cells(const Run& run) {
  return run.status != RunStatus::kFailed && run.total_params && run.sparsity && run.compute;
}

bool same_sparsity(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a));
}

std::vector<double> sparsity_levels(const std::vector<Run>& runs) {
  std::vector<double> levels;
  for (const Run& run : runs) {
    if (!fills_cells(run))
      continue;
    const double s = *run.sparsity;
    if (std::none_of(levels.begin(), levels.end(), [s](double l) { return same_sparsity(l, s); }))
      levels.push_back(s);
  }
  std::sort(levels.begin(), levels.end());
  return levels;
}

// ln N of every run on the curve (budget, sparsity).
std::vector<double> curve_log_sizes(const std::vector<Run>& runs, double budget, double sparsity,
                                    double budget_tolerance) {
  std::vector<double> sizes;
  for (const Run& run : runs) {
    if (fills_cells(run) && same_sparsity(*run.sparsity, sparsity) &&
        std::abs(*run.compute - budget) <= budget_tolerance * budget) {
      sizes.push_back(std::log(*run.total_params));
    }
  }
  return sizes;
}

void throw_if_invalid(const std::vector<double>& budgets, const GapOptions& options) {
  std::vector<std::string> problems = options.validate();
  for (const double budget : budgets) {
    if (!(std::isfinite(budget) && budget > 0))
      problems.push_back("budgets: " + format_number(budget) + " is not a finite budget > 0");
  }
  if (problems.empty())
    return;
  std::string message = "cannot look for gaps:";
  for (const std::string& problem : problems)
    message += "\n  " + problem;
  throw std::invalid_argument(message);
}

}  // namespace

std::vector<std::string> GapOptions::validate() const {
  std::vector<std::string> problems;
  if (sizes_per_curve < 2)
    problems.push_back("sizes_per_curve must be >= 2, got " + std::to_string(sizes_per_curve));
  if (!(std::isfinite(size_span) && size_span > 1))
    problems.push_back("size_span must be finite and > 1, got " + format_number(size_span));
  if (!(std::isfinite(size_tolerance) && size_tolerance > 0))
    problems.push_back("size_tolerance must be finite and > 0, got " +
                       format_number(size_tolerance));
  if (!(budget_tolerance >= 0 && budget_tolerance < 1))
    problems.push_back("budget_tolerance must lie in [0, 1), got " +
                       format_number(budget_tolerance));
  return problems;
}

GapReport find_gaps(const std::vector<Run>& runs, const std::vector<double>& budgets,
                    const SparsityLaw& law, const ActiveParameterModel& model,
                    const GapOptions& options) {
  throw_if_invalid(budgets, options);
  GapReport report;
  const double half_width = std::log(options.size_span);
  for (const double budget : budgets) {
    for (const double sparsity : sparsity_levels(runs)) {
      double optimum = 0;
      try {
        optimum = optimal_size(law, budget, sparsity, model).total_params;
      } catch (const FitRefused& refused) {
        report.notes.push_back("C=" + format_brief(budget) + " S=" + format_brief(sparsity) +
                               ": no targets, the law has no optimal size: " + refused.what());
        continue;
      }
      const std::vector<double> present =
          curve_log_sizes(runs, budget, sparsity, options.budget_tolerance);
      for (int i = 0; i < options.sizes_per_curve; ++i) {
        const double target =
            std::log(optimum) - half_width + 2.0 * half_width * i / (options.sizes_per_curve - 1);
        const bool filled = std::any_of(present.begin(), present.end(), [&](double size) {
          return std::abs(size - target) <= options.size_tolerance;
        });
        if (!filled)
          report.gaps.push_back({budget, std::exp(target), sparsity});
      }
    }
  }
  return report;
}

}  // namespace moescope

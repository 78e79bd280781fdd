// The power laws N*(C) = k C^a and D*(C) = k' C^b through the optima of IsoFLOP curves
// (Hoffmann et al. 2022, Approach 2), with replicate intervals; for Akima curves weighted as
// Porian et al. 2024 weight them (their fit_compute_optimal_power_laws, "bs_median_weighted" for
// the estimate and "bootstrap_weighted" for the interval).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "fit/bootstrap_interval.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/io/number_format.h"
#include "numerics/least_squares.h"

namespace moescope {
namespace {

constexpr double kSparsityTolerance = 1e-9;

enum class Optimum { kSize, kTokens };

struct Selected {
  double budget = 0;
  double optimum = 0;
  std::optional<double> log_sd;
  const std::vector<std::optional<double>>* replicates = nullptr;
  const IsoFlopCurve* curve = nullptr;
};

std::vector<Selected> select(const IsoFlopCurves& curves, double sparsity, Optimum which) {
  std::vector<Selected> selected;
  for (const IsoFlopCurve& curve : curves.curves) {
    if (!curve.budget || std::abs(curve.sparsity - sparsity) > kSparsityTolerance)
      continue;
    if (which == Optimum::kSize) {
      selected.push_back({*curve.budget, curve.optimal_size, curve.log_size_sd,
                          &curve.replicate_optimal_sizes, &curve});
    } else if (curve.optimal_tokens) {
      selected.push_back({*curve.budget, *curve.optimal_tokens, curve.log_tokens_sd,
                          &curve.replicate_optimal_tokens, &curve});
    }
  }
  return selected;
}

std::size_t kept(const std::vector<std::optional<double>>& replicates) {
  return static_cast<std::size_t>(
      std::count_if(replicates.begin(), replicates.end(),
                    [](const std::optional<double>& value) { return value.has_value(); }));
}

// The k-th kept replicate value.
double kth_kept(const std::vector<std::optional<double>>& replicates, std::size_t k) {
  for (const std::optional<double>& value : replicates) {
    if (value && k-- == 0)
      return *value;
  }
  return NAN;  // not reached: k is below kept(replicates)
}

// (exponent, ln coefficient) of the weighted least-squares line ln y = a ln C + ln k; the rows
// are scaled by the square roots of the weights.
std::optional<Eigen::VectorXd> weighted_line(const Eigen::MatrixXd& design,
                                             const Eigen::VectorXd& log_optima,
                                             const Eigen::VectorXd& root_weights) {
  return numerics::solve_least_squares(root_weights.asDiagonal() * design,
                                       root_weights.asDiagonal() * log_optima);
}

PowerLawFit fit_power_law(const IsoFlopCurves& curves, double sparsity, Optimum which) {
  const std::string name = which == Optimum::kSize ? "an optimal size" : "a D*";
  const std::vector<Selected> selected = select(curves, sparsity, which);
  if (selected.size() < 2) {
    throw FitRefused(RefusalReason::kTooFewPoints,
                     std::to_string(selected.size()) + " budget(s) with " + name +
                         " at S = " + format_number(sparsity) + "; a power law needs two");
  }
  const bool akima = curves.method == CurveMethod::kAkima;
  const bool weighted =
      akima && std::all_of(selected.begin(), selected.end(),
                           [](const Selected& s) { return s.log_sd.has_value(); });
  const auto count = static_cast<Eigen::Index>(selected.size());
  Eigen::MatrixXd design(count, 2);
  Eigen::VectorXd log_optima(count), root_weights(count);
  for (Eigen::Index i = 0; i < count; ++i) {
    const Selected& s = selected[static_cast<std::size_t>(i)];
    design(i, 0) = std::log(s.budget);
    design(i, 1) = 1.0;
    log_optima(i) = std::log(s.optimum);
    root_weights(i) = weighted ? 1.0 / *s.log_sd : 1.0;
  }
  const std::optional<Eigen::VectorXd> line = weighted_line(design, log_optima, root_weights);
  if (!line)
    throw FitRefused(RefusalReason::kSingularDesign, "all curves share one budget");
  PowerLawFit fit;
  fit.exponent = (*line)(0);
  fit.coefficient = std::exp((*line)(1));
  fit.budgets = selected.size();
  fit.weighted = weighted;

  std::vector<double> exponents;
  if (akima) {
    // Porian et al.: replicate k takes the k-th kept minimum of every budget, for as many k as
    // every budget kept of both N* and D*.
    std::size_t replicates = std::numeric_limits<std::size_t>::max();
    for (const Selected& s : selected) {
      replicates = std::min(replicates, kept(s.curve->replicate_optimal_sizes));
      if (s.curve->optimal_tokens)
        replicates = std::min(replicates, kept(s.curve->replicate_optimal_tokens));
    }
    for (std::size_t k = 0; k < replicates; ++k) {
      for (Eigen::Index i = 0; i < count; ++i)
        log_optima(i) = std::log(kth_kept(*selected[static_cast<std::size_t>(i)].replicates, k));
      if (const auto refit = weighted_line(design, log_optima, root_weights))
        exponents.push_back((*refit)(0));
    }
  } else {
    std::size_t replicates = selected.front().replicates->size();
    for (const Selected& s : selected)
      replicates = std::min(replicates, s.replicates->size());
    for (std::size_t replicate = 0; replicate < replicates; ++replicate) {
      bool complete = true;
      for (Eigen::Index i = 0; i < count && complete; ++i) {
        const std::optional<double>& value =
            (*selected[static_cast<std::size_t>(i)].replicates)[replicate];
        complete = value.has_value();
        if (complete)
          log_optima(i) = std::log(*value);
      }
      if (!complete)
        continue;
      if (const auto refit = weighted_line(design, log_optima, root_weights))
        exponents.push_back((*refit)(0));
    }
  }
  fit.replicates_used = exponents.size();
  fit.exponent_interval = bootstrap_interval(std::move(exponents));
  return fit;
}

}  // namespace

PowerLawFit fit_optimal_size_power_law(const IsoFlopCurves& curves, double sparsity) {
  return fit_power_law(curves, sparsity, Optimum::kSize);
}

PowerLawFit fit_optimal_tokens_power_law(const IsoFlopCurves& curves, double sparsity) {
  return fit_power_law(curves, sparsity, Optimum::kTokens);
}

}  // namespace moescope

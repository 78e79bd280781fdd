// The compute-optimal model against the budget: N*(C) and D*(C) per sparsity, from the runs'
// own IsoFLOP curves (Approach 2) and from the law, side by side.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "explorer_cache.h"
#include "moescope/fit/data_range.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

constexpr double kSameSparsity = 1e-6;

// "0.498 [0.47, 0.52]": an exponent to three digits, its 95 % interval where there is one.
std::string exponent_text(const PowerLawFit& fit) {
  char text[96];
  if (fit.exponent_interval) {
    std::snprintf(text, sizeof text, "%.3g [%.3g, %.3g]", fit.exponent, fit.exponent_interval->lo,
                  fit.exponent_interval->hi);
  } else {
    std::snprintf(text, sizeof text, "%.3g", fit.exponent);
  }
  return text;
}

Figure build_optimal_vs_budget(FigureId id, const ExplorerData& data, const ExplorerCache& cache,
                               bool bands) {
  const bool tokens = id == FigureId::kOptimalTokensVsBudget;
  const std::string symbol = tokens ? "D*" : "N*";
  Figure figure =
      make_figure(id, tokens ? "Optimal tokens vs budget" : "Optimal total parameters vs budget",
                  "Compute budget C (FLOPs)",
                  tokens ? "Optimal tokens D*" : "Optimal total parameters N*", true, true);
  figure.solid_key = "Approach 2, power law";
  figure.dashed_key = law_name(data) + " " + symbol + "(C), 95 % band";
  if (cache.data_budgets.empty()) {
    figure.message =
        "The runs have no compute budget C (e.g. results at one token count): the "
        "compute-optimal " +
        std::string(tokens ? "token count" : "size") + " against the budget needs runs at several.";
    return figure;
  }
  // The law's line spans the data's budgets and a factor kExtrapolationFactor either side: up to
  // where a read-out off it counts as extrapolated.
  const std::vector<double> law_budgets =
      log_axis(cache.data_budgets.front() / kExtrapolationFactor,
               cache.data_budgets.back() * kExtrapolationFactor, kCurvePoints);
  bool any_curves = false, any_law = false;
  for (const double sparsity : cache.data_sparsities) {
    // Approach 2's optima at this level, one per budget whose curve had a minimum.
    if (data.isoflop_curves) {
      Series optima;
      optima.label = sparsity_label(sparsity) + ": optima (Approach 2)";
      optima.kind = SeriesKind::kIsoflopCurves;
      optima.sparsity = sparsity;
      for (const IsoFlopCurve& curve : data.isoflop_curves->curves) {
        if (!curve.budget || std::abs(curve.sparsity - sparsity) > kSameSparsity)
          continue;
        if (tokens && !curve.optimal_tokens)
          continue;
        const double value = tokens ? *curve.optimal_tokens : curve.optimal_size;
        const std::optional<Interval>& interval =
            tokens ? curve.tokens_interval : curve.size_interval;
        optima.x.push_back(*curve.budget);
        optima.y.push_back(value);
        // A point without an interval gets a bar of no length, so every point has one.
        optima.lo.push_back(interval ? interval->lo : value);
        optima.hi.push_back(interval ? interval->hi : value);
      }
      if (!optima.x.empty()) {
        try {
          const PowerLawFit fit = tokens
                                      ? fit_optimal_tokens_power_law(*data.isoflop_curves, sparsity)
                                      : fit_optimal_size_power_law(*data.isoflop_curves, sparsity);
          Series line;
          // The y axis names N* (D*): the label keeps to what differs, so that it fits a legend.
          line.label = sparsity_label(sparsity) + ": \u221d C^" + exponent_text(fit);
          line.kind = SeriesKind::kIsoflopCurves;
          line.sparsity = sparsity;
          const auto [lowest, highest] = std::minmax_element(optima.x.begin(), optima.x.end());
          for (const double budget : log_axis(*lowest, *highest, kCurvePoints)) {
            line.x.push_back(budget);
            line.y.push_back(fit.coefficient * std::pow(budget, fit.exponent));
          }
          figure.curves.push_back(std::move(line));
        } catch (const FitRefused&) {
          // One budget, or one C: the optima alone.
        }
        figure.points.push_back(std::move(optima));
        any_curves = true;
      }
    }
    if (law_at_sparsity(data, sparsity)) {
      const BudgetOptimaCurve law = optimal_size_over_budgets(
          *cache.law, bands ? cache.replicates : std::vector<SparsityLaw>{}, sparsity, law_budgets);
      Series line;
      line.label = sparsity_label(sparsity) + ", " + law_name(data);
      line.kind = SeriesKind::kLaw;
      line.sparsity = sparsity;
      line.x = law.budget;
      line.y = tokens ? law.tokens : law.total;
      line.lo = tokens ? law.tokens_lo : law.total_lo;
      line.hi = tokens ? law.tokens_hi : law.total_hi;
      if (!line.x.empty()) {
        figure.curves.push_back(std::move(line));
        any_law = true;
      }
    }
  }
  if (any_curves && any_law)
    figure.title += ": Approach 2 and the " + law_name(data);
  else if (any_curves)
    figure.title += data.law ? ": Approach 2 only" : ": Approach 2 only (no law)";
  else if (any_law)
    figure.title += ": " + law_name(data) + " only";
  if (!any_curves) {
    std::string why = data.isoflop_curves
                          ? "no budget's IsoFLOP curve had a minimum inside its runs"
                          : data.isoflop_refused;
    if (!any_law)
      why += data.law ? "; the law has no optimum over these budgets"
                      : "; no law (" + data.law_refused + ")";
    figure.message = "No Approach 2 optima: " + why + ".";
  }
  return figure;
}

}  // namespace

Figure optimal_vs_budget(FigureId id, const ExplorerData& data, ExplorerCache& cache,
                         const ExplorerState& state) {
  // Nothing here moves with the sliders; the law's band is an interval, shown once they settle.
  const bool bands = state.replicate_intervals;
  std::optional<Figure>& slot =
      (id == FigureId::kOptimalTokensVsBudget ? cache.tokens_vs_budget
                                              : cache.params_vs_budget)[bands ? 1 : 0];
  if (!slot)
    slot = build_optimal_vs_budget(id, data, cache, bands);
  return *slot;
}

}  // namespace moescope

#include "moescope/explore/explorer_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "explorer_cache.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

constexpr double kSparsityTolerance = 1e-6;

// "0.866–1.15e20": both ends over the power of ten of the upper one, to three significant digits.
std::string span_text(double lo, double hi) {
  const int exponent = static_cast<int>(std::floor(std::log10(hi)));
  const double scale = std::pow(10.0, exponent);
  char text[64];
  if (exponent == 0)
    std::snprintf(text, sizeof text, "%.3g\u2013%.3g", lo, hi);
  else
    std::snprintf(text, sizeof text, "%.3g\u2013%.3ge%d", lo / scale, hi / scale, exponent);
  return text;
}

std::string runs_text(std::size_t runs) {
  return std::to_string(runs) + (runs == 1 ? " run" : " runs");
}

}  // namespace

std::string describe_data_budget(const BudgetBin& bin, const BudgetBinning& binning) {
  if (binning.kind == BudgetBinning::Kind::kBinsPerDecade) {
    return "C \u2248 " + format_brief(bin.budget) + " (bin of " + runs_text(bin.members.size()) +
           ", " + span_text(bin.lo, bin.hi) + ")";
  }
  const std::string span = span_text(bin.lo, bin.hi);
  // One C, or a spread that three digits do not show: the span says nothing.
  const bool spread = span_text(bin.lo, bin.lo) != span;
  return "C = " + format_brief(bin.budget) + " (" + runs_text(bin.members.size()) +
         (spread ? ", " + span : std::string()) + ")";
}

std::optional<std::size_t> surface_at_budget(const ExplorerData& data, double budget) {
  std::optional<std::size_t> nearest;
  for (std::size_t i = 0; i < data.surfaces.size(); ++i) {
    const std::optional<double>& candidate = data.surfaces[i].budget;
    if (!candidate || !data.binning.same_budget(*candidate, budget))
      continue;
    if (!nearest || std::abs(std::log(*candidate / budget)) <
                        std::abs(std::log(*data.surfaces[*nearest].budget / budget)))
      nearest = i;
  }
  if (nearest)
    return nearest;
  // Data without C (routed-LM results at one token count) has no budgets and one surface: it is
  // the surface whatever the slider says.
  const bool any_budget = std::any_of(data.surfaces.begin(), data.surfaces.end(),
                                      [](const SurfaceFit& fit) { return fit.budget.has_value(); });
  for (std::size_t i = 0; i < data.surfaces.size() && !any_budget; ++i) {
    if (!data.surfaces[i].budget)
      return i;
  }
  return std::nullopt;
}

std::string loss_label(const ExplorerData& data, const std::string& label) {
  return label + " (" + std::string(to_string(data.loss_unit)) + ")";
}

std::string law_name(const ExplorerData& data) {
  if (!data.law)
    return "no law";
  if (data.law->form == LawForm::kAbnar)
    return "Eq. 6 law";
  if (data.law_scope.sparsity)
    return "Chinchilla-form law (S = " + format_brief(*data.law_scope.sparsity) + ")";
  return "Chinchilla-form law";
}

std::vector<double> shown_budgets(const std::vector<double>& data_budgets,
                                  const std::vector<std::size_t>& runs_per_budget) {
  if (data_budgets.size() <= kMostShownBudgets)
    return data_budgets;
  const double lo = std::log(data_budgets.front());
  const double width = (std::log(data_budgets.back()) - lo) / kMostShownBudgets;
  std::vector<double> shown;
  std::size_t next = 0;
  for (std::size_t part = 0; part < kMostShownBudgets; ++part) {
    const double end = lo + width * static_cast<double>(part + 1);
    std::optional<std::size_t> best;
    for (; next < data_budgets.size() &&
           (part + 1 == kMostShownBudgets || std::log(data_budgets[next]) < end);
         ++next) {
      const std::size_t runs = next < runs_per_budget.size() ? runs_per_budget[next] : 0;
      if (!best || runs > runs_per_budget[*best])
        best = next;
    }
    if (best)
      shown.push_back(data_budgets[*best]);
  }
  return shown;
}

ExplorerCache make_cache(const ExplorerData& data) {
  ExplorerCache cache;
  // On the N axis: runs that give N but not N_a still have a budget, a sparsity and a size.
  const SurfaceData points = surface_points(data.runs, SizeAxis::kTotal);
  std::vector<double> compute;
  std::vector<std::size_t> run_of;
  for (const SurfacePoint& point : points.points) {
    if (point.compute) {
      compute.push_back(*point.compute);
      run_of.push_back(point.run_index);
    }
  }
  std::vector<std::size_t> runs_per_budget;
  // Finite and positive C only: a run with another is refused by the fits, which say why.
  if (std::all_of(compute.begin(), compute.end(),
                  [](double c) { return std::isfinite(c) && c > 0; })) {
    cache.data_budget_bins = bin_budgets(compute, data.binning);
    for (BudgetBin& bin : cache.data_budget_bins) {
      for (std::size_t& member : bin.members)
        member = run_of[member];
      cache.data_budgets.push_back(bin.budget);
      runs_per_budget.push_back(bin.members.size());
    }
  }
  cache.shown_budgets = shown_budgets(cache.data_budgets, runs_per_budget);
  std::vector<double> sparsities;
  double total_lo = INFINITY, total_hi = 0, active_lo = INFINITY, active_hi = 0;
  for (const SurfacePoint& point : points.points) {
    sparsities.push_back(point.sparsity);
    total_lo = std::min(total_lo, point.total_params);
    total_hi = std::max(total_hi, point.total_params);
    if (point.has_active_params()) {
      active_lo = std::min(active_lo, point.active_params);
      active_hi = std::max(active_hi, point.active_params);
    }
  }
  std::sort(sparsities.begin(), sparsities.end());
  for (const double sparsity : sparsities) {
    if (cache.data_sparsities.empty() ||
        sparsity - cache.data_sparsities.back() > kSparsityTolerance)
      cache.data_sparsities.push_back(sparsity);
  }
  if (total_hi > total_lo)
    cache.total_range = {total_lo, total_hi};
  if (active_hi > active_lo)
    cache.active_range = {active_lo, active_hi};
  if (!data.holdout.empty()) {
    try {
      const std::vector<ScalingPoint> fit_points = scaling_points(data.runs).points;
      if (fit_points.size() == data.holdout.size()) {
        cache.held_out_runs.assign(data.runs.size(), false);
        for (std::size_t i = 0; i < fit_points.size(); ++i)
          cache.held_out_runs[fit_points[i].run_index] = data.holdout[i];
      }
    } catch (const FitRefused&) {
      // Losses in several units: no law was fitted, so nothing was held out of one.
    }
  }
  if (data.law) {
    cache.law = data.law->as_sparsity_law();
    for (const FittedLaw& replicate : data.replicates)
      cache.replicates.push_back(replicate.as_sparsity_law());
  }
  return cache;
}

std::optional<std::size_t> data_budget_index(const ExplorerCache& cache,
                                             const BudgetBinning& binning, double budget) {
  std::optional<std::size_t> nearest;
  for (std::size_t i = 0; i < cache.data_budgets.size(); ++i) {
    const double candidate = cache.data_budgets[i];
    if (binning.same_budget(candidate, budget) &&
        (!nearest || std::abs(std::log(candidate / budget)) <
                         std::abs(std::log(cache.data_budgets[*nearest] / budget))))
      nearest = i;
  }
  return nearest;
}

std::optional<double> nearest_data_budget(const ExplorerCache& cache, const BudgetBinning& binning,
                                          double budget) {
  const std::optional<std::size_t> index = data_budget_index(cache, binning, budget);
  return index ? std::optional(cache.data_budgets[*index]) : std::nullopt;
}

bool run_at_budget(const ExplorerData& data, const Run& run, double data_budget) {
  return run.status == RunStatus::kDone && run.compute && run.loss &&
         data.binning.same_budget(data_budget, *run.compute);
}

bool run_of_surface(const ExplorerData& data, const Run& run, const SurfaceFit& fit) {
  if (fit.budget)
    return run_at_budget(data, run, *fit.budget);
  return run.status == RunStatus::kDone && !run.compute && run.loss;
}

const ActiveParameterModel& family() {
  static const ActiveParameterModel model = ActiveParameterModel::paper_family();
  return model;
}

std::string sparsity_label(double sparsity) {
  return "S = " + format_brief(sparsity);
}

std::string budget_label(double budget) {
  return "C = " + format_brief(budget);
}

bool one_sparsity_level(const ExplorerCache& cache) {
  return cache.data_sparsities.size() <= 1;
}

std::string one_level_message(const ExplorerCache& cache, const std::string& what) {
  if (cache.data_sparsities.empty())
    return "The data has no finished runs with a size, a sparsity and a loss: " + what;
  return "The data has one sparsity level, " + sparsity_label(cache.data_sparsities.front()) +
         ": " + what;
}

bool law_over_sparsity(const ExplorerData& data) {
  return data.law && data.law->form == LawForm::kAbnar;
}

bool law_at_sparsity(const ExplorerData& data, double sparsity) {
  if (!data.law)
    return false;
  if (data.law->form == LawForm::kAbnar || !data.law_scope.sparsity)
    return true;
  return std::abs(*data.law_scope.sparsity - sparsity) <= kSparsityTolerance;
}

std::string budget_extrapolation_note(const ExplorerData& data, double budget) {
  if (!data.law_scope.range)
    return {};
  const DataRange& range = *data.law_scope.range;
  // The budget alone: N and S at the data's own values.
  const Extrapolation beyond =
      extrapolation(range, budget, range.total_params.lo, range.sparsity.lo);
  if (!beyond.budget)
    return {};
  return ", extrapolated (C beyond the data's " + format_brief(range.budget.lo) + " .. " +
         format_brief(range.budget.hi) + ")";
}

ExplorerModel::ExplorerModel(const ExplorerData& data)
    : data_(&data), cache_(std::make_unique<ExplorerCache>(make_cache(data))) {}
ExplorerModel::~ExplorerModel() = default;
ExplorerModel::ExplorerModel(ExplorerModel&&) noexcept = default;
ExplorerModel& ExplorerModel::operator=(ExplorerModel&&) noexcept = default;

const std::vector<BudgetBin>& ExplorerModel::data_budget_bins() const {
  return cache_->data_budget_bins;
}

const std::vector<double>& ExplorerModel::data_budgets() const {
  return cache_->data_budgets;
}

const BudgetBin* ExplorerModel::data_budget_at(double budget) const {
  const std::optional<std::size_t> index = data_budget_index(*cache_, data_->binning, budget);
  return index ? &cache_->data_budget_bins[*index] : nullptr;
}

const std::vector<double>& ExplorerModel::shown_budgets() const {
  return cache_->shown_budgets;
}

const std::vector<double>& ExplorerModel::data_sparsities() const {
  return cache_->data_sparsities;
}

std::vector<double> ExplorerModel::loss_vs_sparsity_sizes(const ExplorerState& state) const {
  return moescope::loss_vs_sparsity_sizes(*data_, *cache_, state);
}

ReadOut ExplorerModel::read_out(const ExplorerState& state) const {
  return moescope::read_out(*data_, state);
}

std::vector<CappedReadOut> ExplorerModel::capped_read_outs(const ExplorerState& state) const {
  return moescope::capped_read_outs(*data_, state);
}

Figure ExplorerModel::figure(FigureId id, const ExplorerState& state) const {
  return build_figure(id, *data_, *cache_, state);
}

SurfaceGrid ExplorerModel::surface_grid(const ExplorerState& state, SizeAxis axis, int size_steps,
                                        int sparsity_steps) const {
  return build_surface_grid(*data_, *cache_, state, axis, size_steps, sparsity_steps);
}

}  // namespace moescope

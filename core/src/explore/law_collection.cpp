#include "moescope/explore/law_collection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>

#include "explorer_cache.h"
#include "moescope/fit/budget_binning.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/number_format.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// What a run variable means, for the one-line reasons.
std::string described(const std::string& name) {
  if (name == "U")
    return "U (unique tokens)";
  const std::vector<std::string>& known = law_run_variables();
  if (std::find(known.begin(), known.end(), name) != known.end())
    return name;
  return name + " (a column of the runs)";
}

bool same_sparsity(double a, double b) {
  return std::abs(a - b) < 1e-6;
}

}  // namespace

// ---- LawCollection ------------------------------------------------------------------------------

std::size_t LawCollection::add(law::DefinedLawFitSummary summary, std::string name) {
  if (name.empty())
    name = summary.law.name().empty() ? std::string("law") : summary.law.name();
  auto taken = [&](const std::string& candidate) {
    return std::any_of(fits_.begin(), fits_.end(),
                       [&](const UserLawFit& fit) { return fit.name == candidate; });
  };
  if (taken(name)) {
    int suffix = 2;
    while (taken(name + " (" + std::to_string(suffix) + ")"))
      ++suffix;
    name += " (" + std::to_string(suffix) + ")";
  }
  int colour = 0;
  while (std::any_of(fits_.begin(), fits_.end(),
                     [&](const UserLawFit& fit) { return fit.colour == colour; }))
    ++colour;
  fits_.push_back({std::move(name), std::move(summary), colour, true});
  return fits_.size() - 1;
}

void LawCollection::remove(std::size_t index) {
  if (index >= fits_.size())
    throw std::out_of_range("no fit " + std::to_string(index) + " in the collection");
  fits_.erase(fits_.begin() + static_cast<std::ptrdiff_t>(index));
}

void LawCollection::set_visible(std::size_t index, bool visible) {
  fits_.at(index).visible = visible;
}

// ---- Curves -------------------------------------------------------------------------------------

std::optional<std::string> curve_problem(const law::LawDefinition& law) {
  static const std::vector<std::string> given = {"N", "N_active", "D", "C", "S", "E", "K", "G"};
  std::vector<std::string> missing;
  for (const std::string& name : law.variables()) {
    if (std::find(given.begin(), given.end(), name) == given.end())
      missing.push_back(described(name));
  }
  if (missing.empty())
    return std::nullopt;
  std::string names;
  for (std::size_t i = 0; i < missing.size(); ++i)
    names += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
  return "uses " + names + ", which a curve at fixed C does not give";
}

std::optional<std::vector<double>> family_variables(const law::LawDefinition& law, double total,
                                                    double sparsity, double budget) {
  if (curve_problem(law))
    return std::nullopt;
  const double active = family().active(total, sparsity);
  std::vector<double> values;
  values.reserve(law.variables().size());
  for (const std::string& name : law.variables()) {
    if (name == "N")
      values.push_back(total);
    else if (name == "N_active")
      values.push_back(active);
    else if (name == "D")
      values.push_back(budget / (6.0 * active));
    else if (name == "C")
      values.push_back(budget);
    else if (name == "S")
      values.push_back(sparsity);
    else if (name == "E")
      values.push_back(1.0 / (1.0 - sparsity));
    else  // K and G: one active expert of granularity 1
      values.push_back(1.0);
  }
  return values;
}

Series user_law_size_curve(const UserLawFit& fit, double budget, double sparsity,
                           const std::vector<double>& totals, bool total_axis) {
  Series curve;
  curve.label = fit.name;
  curve.kind = SeriesKind::kOther;
  curve.fit_colour = fit.colour;
  curve.budget = budget;
  curve.sparsity = sparsity;
  const law::LawDefinition& law = fit.summary.law;
  if (curve_problem(law))
    return curve;
  const std::vector<double> values = fit.summary.free_values();
  for (const double total : totals) {
    const std::optional<std::vector<double>> variables =
        family_variables(law, total, sparsity, budget);
    const double loss = std::exp(law.log_prediction(variables->data(), values.data(), nullptr));
    if (!std::isfinite(loss))
      continue;
    curve.x.push_back(total_axis ? total : family().active(total, sparsity));
    curve.y.push_back(loss);
  }
  return curve;
}

std::vector<std::string> overlay_user_laws(Figure& figure, const LawCollection& fits,
                                           const ExplorerData& data, const ExplorerState& state,
                                           const std::vector<double>& data_sparsities) {
  std::vector<std::string> left_out;
  if (figure.id != FigureId::kLossVsParams && figure.id != FigureId::kLossVsActiveParams)
    return left_out;
  const bool total_axis = figure.id == FigureId::kLossVsParams;
  const double level = data_sparsities.empty() ? 0.0 : data_sparsities.front();
  // Where the main law's curves are: (budget, sparsity).
  std::vector<std::pair<double, double>> places;
  for (const Series& curve : figure.curves) {
    if (curve.kind == SeriesKind::kLaw && curve.budget)
      places.emplace_back(*curve.budget, curve.sparsity.value_or(level));
  }
  if (places.empty()) {
    for (const double sparsity : data_sparsities)
      places.emplace_back(state.budget, sparsity);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const Run& run : data.runs) {
    if (run.status == RunStatus::kDone && run.loss && run.total_params && *run.total_params > 0) {
      lo = std::min(lo, *run.total_params);
      hi = std::max(hi, *run.total_params);
    }
  }
  if (!(lo <= hi))
    return left_out;
  const std::vector<double> totals = log_axis(lo / kSizeMargin, hi * kSizeMargin, kCurvePoints);
  std::size_t drawn = 0;
  for (const UserLawFit& fit : fits.fits()) {
    if (!fit.visible)
      continue;
    if (const std::optional<std::string> problem = curve_problem(fit.summary.law)) {
      left_out.push_back(fit.name + ": " + *problem);
      continue;
    }
    bool any = false;
    for (const auto& [budget, sparsity] : places) {
      Series curve = user_law_size_curve(fit, budget, sparsity, totals, total_axis);
      if (curve.x.empty())
        continue;
      any = true;
      figure.curves.push_back(std::move(curve));
    }
    if (!any)
      left_out.push_back(fit.name + ": not finite anywhere on the figure's models");
    else
      ++drawn;
  }
  if (drawn > 0)
    figure.title += " + " + std::to_string(drawn) + (drawn == 1 ? " user law" : " user laws");
  return left_out;
}

// ---- Residuals ----------------------------------------------------------------------------------

double FitResiduals::rms() const {
  if (residuals.empty())
    return kNan;
  double sum = 0;
  for (const LawResidual& residual : residuals)
    sum += residual.log_residual * residual.log_residual;
  return std::sqrt(sum / static_cast<double>(residuals.size()));
}

FitResiduals main_fit_residuals(const ExplorerData& data) {
  FitResiduals out;
  out.name = law_name(data);
  if (!data.law) {
    out.absent = "no law: " + data.law_refused;
    return out;
  }
  ScalingData points;
  try {
    points = scaling_points(data.runs);
  } catch (const FitRefused& refused) {
    out.absent = refused.what();
    return out;
  }
  for (const ScalingPoint& point : points.points) {
    const double predicted = data.law->loss(point);
    if (!(predicted > 0) || !std::isfinite(predicted)) {
      ++out.left_out;
      continue;
    }
    LawResidual residual;
    residual.run = point.run_index;
    residual.predicted = predicted;
    residual.observed = point.loss;
    residual.log_residual = std::log(point.loss / predicted);
    residual.total_params = point.total_params;
    residual.budget = point.compute;
    residual.sparsity = point.sparsity;
    out.residuals.push_back(residual);
  }
  return out;
}

FitResiduals user_fit_residuals(const UserLawFit& fit, const std::vector<Run>& runs) {
  FitResiduals out;
  out.name = fit.name;
  const law::LawDefinition& law = fit.summary.law;
  const std::vector<double> values = fit.summary.free_values();
  std::vector<double> variables(law.variables().size());
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const Run& run = runs[index];
    if (run.status != RunStatus::kDone || !run.loss || !(*run.loss > 0) ||
        !std::isfinite(*run.loss))
      continue;
    bool usable = run.total_params.has_value();
    for (std::size_t k = 0; usable && k < variables.size(); ++k) {
      const std::optional<double> value = run_variable(run, law.variables()[k]);
      usable = value && std::isfinite(*value);
      if (usable)
        variables[k] = *value;
    }
    const double predicted =
        usable ? std::exp(law.log_prediction(variables.data(), values.data(), nullptr)) : kNan;
    if (!(predicted > 0) || !std::isfinite(predicted)) {
      ++out.left_out;
      continue;
    }
    LawResidual residual;
    residual.run = index;
    residual.predicted = predicted;
    residual.observed = *run.loss;
    residual.log_residual = std::log(*run.loss / predicted);
    residual.total_params = *run.total_params;
    residual.budget = run.compute;
    residual.sparsity = run.sparsity;
    out.residuals.push_back(residual);
  }
  if (out.residuals.empty()) {
    out.absent = "no finished run has every variable the law uses (" +
                 std::to_string(law.variables().size()) + ") and a prediction";
  }
  return out;
}

Figure residual_figure(const FitResiduals* residuals, ResidualColouring colouring,
                       const BudgetBinning& binning) {
  Figure figure = make_figure(FigureId::kResiduals, "Residuals", "Total parameters N",
                              "Log residual ln(L / L\u0302)", true, false);
  if (residuals == nullptr) {
    figure.message = "No fit chosen: choose one above (the main fit or a law of Fit > New Law).";
    return figure;
  }
  figure.title = "Residuals of " + residuals->name;
  if (residuals->residuals.empty()) {
    figure.message = "No residuals for " + residuals->name + ": " +
                     (residuals->absent.empty() ? "no run can be evaluated" : residuals->absent) +
                     ".";
    return figure;
  }
  const std::vector<LawResidual>& all = residuals->residuals;
  figure.title +=
      ": RMS " + format_brief(residuals->rms()) + " over " + std::to_string(all.size()) + " runs";
  if (residuals->left_out > 0)
    figure.title += " (" + std::to_string(residuals->left_out) + " left out)";
  // Groups of markers: by data budget or by sparsity level; the rest (no C, no S) in one.
  std::map<double, Series> groups;
  Series rest;
  rest.kind = SeriesKind::kRuns;
  if (colouring == ResidualColouring::kBudget) {
    std::vector<double> compute;
    std::vector<std::size_t> with_budget;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].budget && *all[i].budget > 0 && std::isfinite(*all[i].budget)) {
        compute.push_back(*all[i].budget);
        with_budget.push_back(i);
      }
    }
    std::vector<BudgetBin> bins;
    try {
      bins = bin_budgets(compute, binning);
    } catch (const std::invalid_argument&) {
      bins.clear();  // settings the binning refuses: every run in the rest
      with_budget.clear();
    }
    std::vector<bool> binned(all.size(), false);
    for (const BudgetBin& bin : bins) {
      Series& group = groups[bin.budget];
      group.kind = SeriesKind::kRuns;
      group.budget = bin.budget;
      group.label = budget_label(bin.budget);
      for (const std::size_t member : bin.members) {
        const LawResidual& residual = all[with_budget[member]];
        binned[with_budget[member]] = true;
        group.x.push_back(residual.total_params);
        group.y.push_back(residual.log_residual);
      }
    }
    rest.label = "no C";
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!binned[i]) {
        rest.x.push_back(all[i].total_params);
        rest.y.push_back(all[i].log_residual);
      }
    }
  } else {
    rest.label = "no S";
    for (const LawResidual& residual : all) {
      if (!residual.sparsity) {
        rest.x.push_back(residual.total_params);
        rest.y.push_back(residual.log_residual);
        continue;
      }
      auto found = std::find_if(groups.begin(), groups.end(), [&](const auto& entry) {
        return same_sparsity(entry.first, *residual.sparsity);
      });
      if (found == groups.end()) {
        found = groups.emplace(*residual.sparsity, Series{}).first;
        found->second.kind = SeriesKind::kRuns;
        found->second.sparsity = *residual.sparsity;
        found->second.label = sparsity_label(*residual.sparsity);
      }
      found->second.x.push_back(residual.total_params);
      found->second.y.push_back(residual.log_residual);
    }
  }
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const LawResidual& residual : all) {
    lo = std::min(lo, residual.total_params);
    hi = std::max(hi, residual.total_params);
  }
  Series zero;
  zero.label = "zero: observed = predicted";
  zero.kind = SeriesKind::kOther;
  zero.x = {lo / 1.5, hi * 1.5};
  zero.y = {0.0, 0.0};
  figure.curves.push_back(std::move(zero));
  for (auto& [key, group] : groups)
    figure.points.push_back(std::move(group));
  if (!rest.x.empty())
    figure.points.push_back(std::move(rest));
  return figure;
}

}  // namespace moescope

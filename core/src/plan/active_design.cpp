// Active design (active_design.h): per budget, the IsoFLOP surface and its replicates' read-outs,
// the candidate cells, and the greedy choice among them.
#include "moescope/plan/active_design.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "moescope/io/number_format.h"

namespace moescope {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same_sparsity(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a));
}

// One budget's fit, what it pins down and where it could measure.
struct BudgetModel {
  double budget = 0;
  SurfaceFit fit;
  std::vector<DesignComponent> components;
  std::vector<std::vector<double>> component_values;  // [component][replicate], NaN: dropped
  std::vector<PlannedRun> candidates;
  double noise_variance = 0;  // of a measurement: the fit's residual variance
};

std::string budget_name(double budget) {
  return "C=" + format_brief(budget);
}

// The fit with one replicate's polynomial and no replicates of its own, so that the read-outs of
// isoflop_surface.h apply to a replicate as to the fit.
std::vector<SurfaceFit> replicate_fits(const SurfaceFit& fit) {
  SurfaceFit base = fit;
  base.replicates.clear();
  std::vector<SurfaceFit> fits;
  for (const SurfacePolynomial& replicate : fit.replicates) {
    base.polynomial = replicate;
    fits.push_back(base);
  }
  return fits;
}

// The component's interval and width from its replicate values (NaN dropped); false with fewer
// than two values.
bool summarise(DesignComponent& component, const std::vector<double>& values, bool log_scale) {
  std::vector<double> kept;
  for (const double value : values) {
    if (std::isfinite(value))
      kept.push_back(log_scale ? std::exp(value) : value);
  }
  component.replicates = kept.size();
  component.replicates_dropped = values.size() - kept.size();
  if (kept.size() < 2)
    return false;
  component.interval = percentile_interval(kept);
  component.width = log_scale ? std::log(component.interval.hi / component.interval.lo)
                              : component.interval.hi - component.interval.lo;
  component.expected_width = component.width;
  return true;
}

// S* at N_ref: one component; replicates whose S* sits at the sparsest level are dropped.
void add_optimal_sparsity(BudgetModel& model, const std::vector<SurfacePoint>& points,
                          const std::vector<Run>& runs, const ActiveDesignOptions& options,
                          ActiveDesign& design) {
  DesignComponent component;
  component.budget = model.budget;
  if (options.reference_size) {
    component.size = *options.reference_size;
    component.size_basis = "given";
  } else {
    const auto lowest = std::min_element(points.begin(), points.end(),
                                         [](auto& a, auto& b) { return a.loss < b.loss; });
    component.size = lowest->total_params;
    const std::string& id = runs[lowest->run_index].id;
    component.size_basis = "the lowest-loss run's" + (id.empty() ? "" : " (" + id + ")");
  }
  const SparsityOptimum optimum = optimal_sparsity(model.fit, component.size);
  component.estimate = optimum.sparsity;
  std::vector<double> values;
  for (const SurfaceFit& replicate : replicate_fits(model.fit)) {
    const SparsityOptimum read = optimal_sparsity(replicate, component.size);
    values.push_back(read.at_upper_edge ? kNaN : read.sparsity);
  }
  if (!summarise(component, values, false)) {
    design.refused.push_back(budget_name(model.budget) + ": S* sits at the sparsest level of the " +
                             "data in all but " + std::to_string(component.replicates) + " of " +
                             std::to_string(values.size()) +
                             " replicates: plan sparser cells there first with --cell");
    return;
  }
  if (optimum.at_upper_edge)
    design.notes.push_back(component.describe() + ": the fit's S* sits at the sparsest level of " +
                           "the data, where the surface still falls");
  model.components.push_back(component);
  model.component_values.push_back(std::move(values));
}

// ln N* at each sparsity level; replicates whose N* sits at an end of the size range are dropped.
void add_optimal_sizes(BudgetModel& model, const std::vector<double>& levels,
                       ActiveDesign& design) {
  const std::vector<SurfaceFit> replicates = replicate_fits(model.fit);
  for (const double level : levels) {
    DesignComponent component;
    component.budget = model.budget;
    component.sparsity = level;
    try {
      component.estimate = optimal_size(model.fit, level).size;
    } catch (const FitRefused& refused) {
      design.notes.push_back(component.describe() + " left out: " + refused.what());
      continue;
    }
    std::vector<double> values;
    for (const SurfaceFit& replicate : replicates) {
      try {
        values.push_back(std::log(optimal_size(replicate, level).size));
      } catch (const FitRefused&) {
        values.push_back(kNaN);  // at an end of the range
      }
    }
    if (!summarise(component, values, true)) {
      design.notes.push_back(component.describe() + " left out: N* sits at an end of the size " +
                             "range in all but " + std::to_string(component.replicates) +
                             " replicates");
      continue;
    }
    model.components.push_back(component);
    model.component_values.push_back(std::move(values));
  }
}

// RSS / (n - p), the unbiased estimate of a run's noise under the fitted model (the fit refuses
// n <= p).
double residual_variance(const SurfaceFit& fit, const std::vector<SurfacePoint>& points) {
  double sum = 0;
  for (const SurfacePoint& point : points) {
    const double residual = point.loss - fit.loss(point.total_params, point.sparsity);
    sum += residual * residual;
  }
  const int coefficients = fit.polynomial.degrees.parameters();
  return sum / static_cast<double>(points.size() - static_cast<std::size_t>(coefficients));
}

// The runs at the budget that fill cells: not failed, with N, S and C.
std::vector<const Run*> filling_runs(const std::vector<Run>& runs, double budget,
                                     const BudgetBinning& binning) {
  std::vector<const Run*> out;
  for (const Run& run : runs) {
    if (run.status != RunStatus::kFailed && run.total_params && run.sparsity && run.compute &&
        binning.same_budget(budget, *run.compute))
      out.push_back(&run);
  }
  return out;
}

// Every family shape at each level inside the widened N range that no run fills and the corpus
// feeds; counts those the corpus does not in `over_epochs`.
void add_candidates(BudgetModel& model, const std::vector<double>& levels,
                    const std::vector<const Run*>& filling, const ActiveDesignOptions& options,
                    std::size_t& over_epochs, ActiveDesign& design) {
  for (const double level : levels) {
    // The curve's own N range: at a budget the sparse curves lie at far larger N than the dense
    // one, and the budget's whole range would offer a dense model far past the dense runs, where
    // the polynomial extrapolates and only its replicates' disagreement draws the criterion.
    double lo = std::exp(model.fit.log_size_max);
    double hi = std::exp(model.fit.log_size_min);
    for (const Run* present : filling) {
      if (same_sparsity(*present->sparsity, level)) {
        lo = std::min(lo, *present->total_params);
        hi = std::max(hi, *present->total_params);
      }
    }
    if (lo > hi)
      continue;
    lo /= options.size_margin;
    hi *= options.size_margin;
    std::vector<PlannedRun> shapes;
    try {
      shapes = family_runs(model.budget, level, lo, hi, options.planner);
    } catch (const PlanRefused& refused) {
      design.notes.push_back(budget_name(model.budget) +
                             ": no candidates at S=" + format_brief(level) + ": " + refused.what());
      continue;
    }
    for (PlannedRun& run : shapes) {
      const double log_size = std::log(run.total_params);
      const bool filled = std::any_of(filling.begin(), filling.end(), [&](const Run* present) {
        return same_sparsity(*present->sparsity, level) &&
               std::abs(std::log(*present->total_params) - log_size) <= options.size_tolerance;
      });
      if (filled)
        continue;
      if (options.corpus && !options.allow_repeats) {
        const double trained =
            static_cast<double>(run.steps) * run.batch_size * run.architecture.context;
        if (trained > kMaxUsefulEpochs * options.corpus->train_tokens) {
          ++over_epochs;
          continue;
        }
      }
      model.candidates.push_back(std::move(run));
    }
  }
}

// The budget's model; nullopt, with a line in design.refused, where it has no fit or no read-out.
std::optional<BudgetModel> model_budget(const std::vector<Run>& runs, double budget,
                                        const ActiveDesignOptions& options,
                                        std::size_t& over_epochs, ActiveDesign& design) {
  const std::string hint = "; plan a coarse grid there first with --cell";
  std::vector<Run> at_budget;
  for (const Run& run : runs) {
    if (run.compute && std::isfinite(*run.compute) && *run.compute > 0 &&
        options.binning.same_budget(budget, *run.compute))
      at_budget.push_back(run);
  }
  BudgetModel model;
  model.budget = budget;
  SurfaceData data;
  try {
    data = surface_points(at_budget, SizeAxis::kTotal);
    if (data.points.empty()) {
      design.refused.push_back(budget_name(budget) + ": no finished runs at this budget" + hint);
      return std::nullopt;
    }
    model.fit = fit_isoflop_surface(data.points, options.surface);
    model.noise_variance = residual_variance(model.fit, data.points);
    if (model.fit.replicates.size() < 2) {
      design.refused.push_back(
          budget_name(budget) + ": the fit has no bootstrap replicates to measure its spread" +
          (model.fit.bootstrap_refused ? " (" + *model.fit.bootstrap_refused + ")" : "") + hint);
      return std::nullopt;
    }
    std::vector<double> levels;
    for (const SurfacePoint& point : data.points) {
      if (std::none_of(levels.begin(), levels.end(),
                       [&](double level) { return same_sparsity(level, point.sparsity); }))
        levels.push_back(point.sparsity);
    }
    std::sort(levels.begin(), levels.end());
    if (options.target == DesignTarget::kOptimalSparsity)
      add_optimal_sparsity(model, data.points, at_budget, options, design);
    else
      add_optimal_sizes(model, levels, design);
    if (model.components.empty()) {
      if (options.target == DesignTarget::kOptimalSize)
        design.refused.push_back(budget_name(budget) + ": no N* inside the data's size range at " +
                                 "any sparsity level" + hint);
      return std::nullopt;
    }
    add_candidates(model, levels, filling_runs(runs, budget, options.binning), options, over_epochs,
                   design);
  } catch (const FitRefused& refused) {
    design.refused.push_back(budget_name(budget) + ": " + std::to_string(data.points.size()) +
                             " runs: " + refused.what() + hint);
    return std::nullopt;
  }
  return model;
}

std::string design_line(const ActiveDesign& design, const DesignComponent& component,
                        std::size_t rank, std::size_t count, double score, double width_before,
                        double width_after) {
  std::string line = "next: " + component.describe() + ": rank " + std::to_string(rank) + " of " +
                     std::to_string(count) + ", score " + format_brief(score) +
                     ", expected width of " +
                     (design.target == DesignTarget::kOptimalSparsity ? "S* " : "ln N* ");
  line += format_brief(width_before) + " -> " + format_brief(width_after);
  return line;
}

}  // namespace

std::string_view to_string(DesignTarget target) {
  return target == DesignTarget::kOptimalSparsity ? "S*" : "N*";
}

std::optional<DesignTarget> parse_design_target(std::string_view text) {
  if (text == "S*")
    return DesignTarget::kOptimalSparsity;
  if (text == "N*")
    return DesignTarget::kOptimalSize;
  return std::nullopt;
}

std::string DesignComponent::describe() const {
  if (size > 0)
    return "S* at " + budget_name(budget) + " N=" + format_brief(size);
  return "N* at " + budget_name(budget) + " S=" + format_brief(sparsity);
}

std::vector<std::string> ActiveDesignOptions::validate() const {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok)
      problems.push_back(message);
  };
  require(!budgets.empty(), "budgets: at least one budget is needed");
  for (const double budget : budgets)
    require(std::isfinite(budget) && budget > 0,
            "budgets: " + format_number(budget) + " is not a finite budget > 0");
  require(proposals >= 1 && proposals <= kMaxProposals, "proposals must lie in 1.." +
                                                            std::to_string(kMaxProposals) +
                                                            ", got " + std::to_string(proposals));
  if (reference_size) {
    require(std::isfinite(*reference_size) && *reference_size > 0,
            "reference_size must be finite and > 0, got " + format_number(*reference_size));
    require(target == DesignTarget::kOptimalSparsity,
            "reference_size is the size S* is read at; N* takes none");
  }
  require(std::isfinite(size_margin) && size_margin >= 1,
          "size_margin must be finite and >= 1, got " + format_number(size_margin));
  require(std::isfinite(size_tolerance) && size_tolerance > 0,
          "size_tolerance must be finite and > 0, got " + format_number(size_tolerance));
  for (const std::string& problem : binning.validate())
    problems.push_back("binning: " + problem);
  for (const std::string& problem : surface.validate())
    problems.push_back("surface: " + problem);
  require(surface.axis == SizeAxis::kTotal, "surface: the axis must be total N");
  require(surface.bootstrap_replicates >= 2,
          "surface: bootstrap_replicates must be at least 2 (the criterion is their "
          "covariance), got " +
              std::to_string(surface.bootstrap_replicates));
  for (const std::string& problem : planner.validate())
    problems.push_back("planner: " + problem);
  if (corpus)
    require(std::isfinite(corpus->train_tokens) && corpus->train_tokens > 0,
            "corpus: its training tokens must be finite and > 0, got " +
                format_number(corpus->train_tokens));
  return problems;
}

ActiveDesign propose_next_runs(const std::vector<Run>& runs, const ActiveDesignOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid active design options:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  ActiveDesign design;
  design.target = options.target;
  std::vector<BudgetModel> models;
  std::size_t over_epochs = 0;
  for (const double budget : options.budgets) {
    if (std::optional<BudgetModel> model = model_budget(runs, budget, options, over_epochs, design))
      models.push_back(std::move(*model));
  }
  if (over_epochs > 0)
    design.notes.push_back(std::to_string(over_epochs) + " candidate cells left out: they would " +
                           "repeat the corpus " + options.corpus->name + " more than " +
                           format_brief(kMaxUsefulEpochs) + " times (allow repeats to keep them)");

  // The ensemble, one block per budget.
  const double fraction = options.surface.bootstrap_fraction;
  DesignEnsemble ensemble;
  ensemble.covariance_scale = fraction / (1 - fraction);
  std::vector<const PlannedRun*> candidates;
  std::vector<std::size_t> first_component;  // per block, its first component's index
  for (std::size_t block = 0; block < models.size(); ++block) {
    const BudgetModel& model = models[block];
    first_component.push_back(design.components.size());
    for (std::size_t j = 0; j < model.components.size(); ++j) {
      design.components.push_back(model.components[j]);
      ensemble.components.push_back(model.component_values[j]);
      ensemble.component_blocks.push_back(block);
    }
    for (const PlannedRun& run : model.candidates) {
      std::vector<double> predictions;
      for (const SurfacePolynomial& replicate : model.fit.replicates)
        predictions.push_back(replicate.loss(run.total_params, run.cell.sparsity));
      ensemble.predictions.push_back(std::move(predictions));
      ensemble.candidate_blocks.push_back(block);
      ensemble.noise_variances.push_back(model.noise_variance);
      candidates.push_back(&run);
    }
  }
  design.candidates = candidates.size();
  const auto fills = [&](std::size_t chosen, std::size_t other) {
    const Cell& a = candidates[chosen]->cell;
    const Cell& b = candidates[other]->cell;
    return a.compute == b.compute && same_sparsity(a.sparsity, b.sparsity) &&
           std::abs(std::log(a.total_params / b.total_params)) <= options.size_tolerance;
  };
  const GreedyDesign greedy = choose_greedily(ensemble, options.proposals, fills);

  // Each proposal's line names the component of its budget whose variance it cuts most.
  const std::size_t count = greedy.chosen.size();
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t block = ensemble.candidate_blocks[greedy.chosen[k]];
    const std::size_t end =
        block + 1 < first_component.size() ? first_component[block + 1] : design.components.size();
    std::size_t best = first_component[block];
    double best_fall = -1;
    for (std::size_t j = first_component[block]; j < end; ++j) {
      const double prior = greedy.prior_variances[j];
      const double before = k == 0 ? prior : greedy.variances[k - 1][j];
      const double fall = prior > 0 ? (before - greedy.variances[k][j]) / prior : 0;
      if (fall > best_fall) {
        best_fall = fall;
        best = j;
      }
    }
    const double prior = greedy.prior_variances[best];
    const double before = k == 0 ? prior : greedy.variances[k - 1][best];
    const double width = design.components[best].width;
    const auto width_at = [&](double variance) {
      return prior > 0 ? width * std::sqrt(std::max(0.0, variance) / prior) : width;
    };
    DesignProposal proposal;
    proposal.run = *candidates[greedy.chosen[k]];
    proposal.score = greedy.scores[k];
    proposal.run.design = design_line(design, design.components[best], k + 1, count, proposal.score,
                                      width_at(before), width_at(greedy.variances[k][best]));
    design.proposals.push_back(std::move(proposal));
  }
  for (std::size_t j = 0; j < design.components.size() && count > 0; ++j) {
    const double prior = greedy.prior_variances[j];
    if (prior > 0)
      design.components[j].expected_width =
          design.components[j].width *
          std::sqrt(std::max(0.0, greedy.variances[count - 1][j]) / prior);
  }
  if (count < static_cast<std::size_t>(options.proposals) && !models.empty())
    design.notes.push_back(
        "proposed " + std::to_string(count) + " of " + std::to_string(options.proposals) +
        " runs: no candidate cell left " +
        "that would narrow the intervals (a wider size margin or a smaller size " +
        "tolerance offers more)");
  return design;
}

}  // namespace moescope

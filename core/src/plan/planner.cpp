#include "moescope/plan/planner.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "moescope/io/number_format.h"
#include "moescope/model/accounting.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace moescope {
namespace {

struct Shape {
  Architecture architecture;
  double total_params = 0;
  double log_miss = std::numeric_limits<double>::infinity();  // |ln(N / N_target)|
  double aspect_miss = 0;  // |ln((d_model / layers) / width_per_layer)|
};

Architecture make_architecture(int d_model, int layers, const ExpertChoice& experts,
                               const PlannerOptions& options) {
  Architecture arch;
  arch.d_model = d_model;
  arch.n_layers = layers;
  arch.n_heads = d_model / options.head_size;
  arch.vocab = options.vocab;
  arch.context = options.context;
  arch.experts = experts.experts;
  arch.active = experts.active;
  arch.granularity = options.granularity;
  arch.tied_embeddings = true;
  return arch;
}

// Calls visit(architecture, total parameters) for every shape of the family (planner.h) with
// these experts, by increasing d_model, then layers.
template <typename Visit>
void for_each_shape(const ExpertChoice& experts, const PlannerOptions& options, Visit visit) {
  for (int d = options.head_size; d <= options.max_d_model; d += options.head_size) {
    const double shallowest = std::ceil(d / (options.width_per_layer * options.aspect_slack));
    const double deepest = std::floor(d * options.aspect_slack / options.width_per_layer);
    const int first = std::max(options.min_layers, static_cast<int>(shallowest));
    const int last = std::max(options.min_layers, static_cast<int>(deepest));
    for (int layers = first; layers <= last; ++layers) {
      const Architecture architecture = make_architecture(d, layers, experts, options);
      if (!validate(architecture).empty())
        continue;  // a granularity that does not divide 4 d_model
      visit(architecture, count_parameters(architecture).total);
    }
  }
}

double aspect_miss(const Architecture& architecture, const PlannerOptions& options) {
  return std::abs(
      std::log(double(architecture.d_model) / architecture.n_layers / options.width_per_layer));
}

// The shape whose N is nearest the target in log N; between equally near ones, the one whose
// aspect ratio is nearest the preferred one.
Shape nearest_shape(double target, const ExpertChoice& experts, const PlannerOptions& options) {
  Shape best;
  for_each_shape(experts, options, [&](const Architecture& architecture, double total) {
    Shape shape;
    shape.architecture = architecture;
    shape.total_params = total;
    shape.log_miss = std::abs(std::log(total / target));
    shape.aspect_miss = aspect_miss(architecture, options);
    const bool nearer = shape.log_miss < best.log_miss - 1e-12;
    const bool as_near = std::abs(shape.log_miss - best.log_miss) <= 1e-12;
    if (nearer || (as_near && shape.aspect_miss < best.aspect_miss))
      best = shape;
  });
  return best;
}

std::string percent(double fraction) {
  std::string text = fraction >= 0 ? "+" : "";
  text += format_brief(100.0 * fraction);  // not "+" + string: GCC 12 warns falsely (-Wrestrict)
  return text + "%";
}

std::string refusal(const Cell& cell, const std::string& why) {
  return "cell " + describe(cell) + ": " + why;
}

// E and K for S; nullopt with `message` set when S is not (E - K) / E for any E and K <= 8.
std::optional<ExpertChoice> experts_of(const Cell& cell, std::string& message) {
  const ExpertChoice experts = cell.sparsity >= 0 && cell.sparsity < 1
                                   ? experts_for_sparsity(cell.sparsity)
                                   : ExpertChoice{};
  if (experts.experts == 0) {
    message = refusal(cell, "S=" + format_number(cell.sparsity) +
                                " is not (E-K)/E for any E and K <= 8 active experts");
    return std::nullopt;
  }
  return experts;
}

// Turns the budget of a run whose architecture is set into tokens and steps; false with `message`
// set when they exceed the trainer's limit or make fewer than min_steps steps.
bool plan_budget(PlannedRun& run, const PlannerOptions& options, std::string& message) {
  const Cell& cell = run.cell;
  run.estimator = options.estimator;
  run.flops_per_token = options.estimator == FlopEstimator::kEq9
                            ? flops_per_token_eq9(run.architecture)
                            : flops_per_token_6na(run.architecture);
  run.tokens = cell.compute / run.flops_per_token;
  // The trainer's limit, which also keeps the step count far inside an int64 (1e30 FLOPs at 1e6
  // parameters made 1e19 steps, which overflowed).
  if (run.tokens > kMaxTrainingTokens) {
    message = refusal(cell, "D=" + format_brief(run.tokens) +
                                " tokens, more than the trainer's limit of " +
                                format_brief(kMaxTrainingTokens) + " tokens (lower C)");
    return false;
  }
  run.batch_size = options.batch_size;
  run.steps = whole_steps(run.tokens, options.batch_size, options.context);
  if (run.steps < options.min_steps) {
    message =
        refusal(cell, "D=" + format_brief(run.tokens) + " tokens make " +
                          std::to_string(run.steps) + " steps of batch_size*context=" +
                          std::to_string(std::int64_t{options.batch_size} * options.context) +
                          " tokens, fewer than min_steps=" + std::to_string(options.min_steps) +
                          " (raise C, or lower the batch size or context)");
    return false;
  }
  return true;
}

// Plans one cell; nullopt with `message` set when it cannot be planned.
std::optional<PlannedRun> try_plan(const Cell& cell, const PlannerOptions& options,
                                   std::string& message) {
  if (!(std::isfinite(cell.compute) && cell.compute > 0)) {
    message = refusal(cell, "the budget C must be finite and > 0");
    return std::nullopt;
  }
  if (!(std::isfinite(cell.total_params) && cell.total_params > 0)) {
    message = refusal(cell, "the size N must be finite and > 0");
    return std::nullopt;
  }
  const std::optional<ExpertChoice> experts = experts_of(cell, message);
  if (!experts)
    return std::nullopt;
  const Shape shape = nearest_shape(cell.total_params, *experts, options);
  if (shape.total_params == 0) {
    message = refusal(cell, "granularity " + std::to_string(options.granularity) +
                                " divides 4*d_model for no d_model searched");
    return std::nullopt;
  }
  PlannedRun run;
  run.cell = cell;
  run.architecture = shape.architecture;
  const ParameterCount count = count_parameters(run.architecture);
  run.total_params = count.total;
  run.active_params = count.active;
  run.relative_error = (run.total_params - cell.total_params) / cell.total_params;
  if (std::abs(run.relative_error) > options.relative_tolerance) {
    const Architecture& arch = run.architecture;
    message = refusal(
        cell, "no architecture within " + format_brief(100.0 * options.relative_tolerance) + "%" +
                  " of N: the nearest, d_model=" + std::to_string(arch.d_model) +
                  " layers=" + std::to_string(arch.n_layers) +
                  " E=" + std::to_string(arch.experts) + " K=" + std::to_string(arch.active) +
                  ", has N=" + format_brief(run.total_params) + " (" + percent(run.relative_error) +
                  "); a looser tolerance or a smaller head size reaches more sizes");
    return std::nullopt;
  }
  if (!plan_budget(run, options, message))
    return std::nullopt;
  return run;
}

void throw_if_invalid(const PlannerOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (problems.empty())
    return;
  std::string message = "invalid planner options:";
  for (const std::string& problem : problems)
    message += "\n  " + problem;
  throw std::invalid_argument(message);
}

}  // namespace

std::string_view to_string(FlopEstimator estimator) {
  return estimator == FlopEstimator::kEq9 ? "eq9" : "6Na";
}

std::optional<FlopEstimator> parse_flop_estimator(std::string_view text) {
  if (text == "eq9")
    return FlopEstimator::kEq9;
  if (text == "6Na")
    return FlopEstimator::kSixNa;
  return std::nullopt;
}

std::vector<std::string> PlannerOptions::validate() const {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& message) {
    if (!ok)
      problems.push_back(message);
  };
  require(vocab > 0, "vocab must be > 0, got " + std::to_string(vocab));
  require(context > 0, "context must be > 0, got " + std::to_string(context));
  require(batch_size > 0, "batch_size must be > 0, got " + std::to_string(batch_size));
  require(granularity > 0, "granularity must be > 0, got " + std::to_string(granularity));
  require(head_size > 0, "head_size must be > 0, got " + std::to_string(head_size));
  require(std::isfinite(width_per_layer) && width_per_layer > 0,
          "width_per_layer must be finite and > 0, got " + format_number(width_per_layer));
  require(std::isfinite(aspect_slack) && aspect_slack >= 1,
          "aspect_slack must be finite and >= 1, got " + format_number(aspect_slack));
  require(min_layers > 0, "min_layers must be > 0, got " + std::to_string(min_layers));
  require(max_d_model >= head_size, "max_d_model must be >= head_size, got " +
                                        std::to_string(max_d_model) + " < " +
                                        std::to_string(head_size));
  require(std::isfinite(relative_tolerance) && relative_tolerance > 0 && relative_tolerance < 1,
          "relative_tolerance must lie in (0, 1), got " + format_number(relative_tolerance));
  require(min_steps > 0, "min_steps must be > 0, got " + std::to_string(min_steps));
  return problems;
}

ModelFamily PlannerOptions::model_family() const {
  ModelFamily family;
  family.vocab = vocab;
  family.width_per_layer = width_per_layer;
  family.min_layers = min_layers;
  family.tied_embeddings = true;
  return family;
}

PlanRefused::PlanRefused(std::vector<std::string> messages)
    : std::runtime_error([&messages] {
        std::string text;
        for (const std::string& message : messages)
          text += (text.empty() ? "" : "\n") + message;
        return text;
      }()),
      messages_(std::move(messages)) {}

PlannedRun plan_run(const Cell& cell, const PlannerOptions& options) {
  throw_if_invalid(options);
  std::string message;
  std::optional<PlannedRun> run = try_plan(cell, options, message);
  if (!run)
    throw PlanRefused({message});
  return *run;
}

std::vector<PlannedRun> family_runs(double compute, double sparsity, double min_total,
                                    double max_total, const PlannerOptions& options) {
  throw_if_invalid(options);
  const Cell range{compute, min_total, sparsity};
  std::string message;
  if (!(std::isfinite(compute) && compute > 0))
    throw PlanRefused({refusal(range, "the budget C must be finite and > 0")});
  if (!(std::isfinite(min_total) && std::isfinite(max_total) && min_total > 0 &&
        min_total <= max_total)) {
    throw PlanRefused(
        {refusal(range, "the sizes must be finite with 0 < min <= max, got " +
                            format_brief(min_total) + " .. " + format_brief(max_total))});
  }
  const std::optional<ExpertChoice> experts = experts_of(range, message);
  if (!experts)
    throw PlanRefused({message});
  std::vector<PlannedRun> runs;
  for_each_shape(*experts, options, [&](const Architecture& architecture, double total) {
    if (total < min_total || total > max_total)
      return;
    PlannedRun run;
    run.cell = {compute, total, sparsity};
    run.architecture = architecture;
    const ParameterCount count = count_parameters(architecture);
    run.total_params = count.total;
    run.active_params = count.active;
    if (plan_budget(run, options, message))
      runs.push_back(std::move(run));
  });
  std::stable_sort(runs.begin(), runs.end(), [&](const PlannedRun& a, const PlannedRun& b) {
    if (a.total_params != b.total_params)
      return a.total_params < b.total_params;
    return aspect_miss(a.architecture, options) < aspect_miss(b.architecture, options);
  });
  return runs;
}

}  // namespace moescope

#include "moescope/plan/train_spec_file.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "moescope/io/number_format.h"
#include "moescope/trainer/corpus_catalog.h"

namespace moescope {

std::vector<std::string> TrainingSettings::validate() const {
  std::vector<std::string> problems;
  if (!(learning_rate > 0 && learning_rate <= 1))
    problems.push_back("learning_rate must lie in (0, 1], got " + format_number(learning_rate));
  if (!(warmup_fraction >= 0 && warmup_fraction < 1))
    problems.push_back("warmup_fraction must lie in [0, 1), got " + format_number(warmup_fraction));
  // JSON readers hold integers exactly up to 2^53 only.
  if (seed > (std::uint64_t{1} << 53))
    problems.push_back("seed must be at most 2^53, got " + std::to_string(seed));
  if (validation_passes < 1)
    problems.push_back("validation_passes must be at least 1, got " +
                       std::to_string(validation_passes));
  if (checkpoints < 1)
    problems.push_back("checkpoints must be at least 1, got " + std::to_string(checkpoints));
  if (!find_built_in_corpus(corpus))
    problems.push_back("corpus must be one of " + built_in_corpus_names() + ", got \"" + corpus +
                       "\"");
  return problems;
}

TrainSpec planned_spec(const PlannedRun& run, const TrainingSettings& settings) {
  const std::vector<std::string> problems = settings.validate();
  if (!problems.empty()) {
    std::string message = "invalid training settings:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  TrainSpec spec;
  spec.architecture = run.architecture;
  spec.batch_size = run.batch_size;
  spec.micro_batch_size = run.batch_size;
  spec.tokens = run.tokens;
  spec.learning_rate = settings.learning_rate;
  spec.warmup_fraction = settings.warmup_fraction;
  spec.seed = settings.seed;
  spec.corpus = settings.corpus;
  spec.tasks = default_tasks(spec.corpus);
  spec.design = run.design;
  // The trainer's default validation pass (kDefaultEvalTokens, about ten of them per run) would
  // cost small runs more than their training: evaluate at most a twentieth of D per pass instead.
  const int context = run.architecture.context;
  spec.eval_tokens = static_cast<std::int64_t>(
      std::clamp(std::floor(run.tokens / 20 / context) * context, static_cast<double>(context),
                 static_cast<double>(kDefaultEvalTokens)));
  derive_schedule(spec);
  auto spread = [&spec](int per_run) {
    return std::max<std::int64_t>(1, (spec.steps + per_run - 1) / per_run);
  };
  spec.eval_interval = spread(settings.validation_passes);
  spec.checkpoint_interval = spread(settings.checkpoints);
  return spec;
}

std::string run_label(const PlannedRun& run) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "C" + std::string.
  std::string label = "C";
  label += format_brief(run.cell.compute);
  label += "_N" + format_brief(run.cell.total_params);
  label += "_S" + format_brief(run.cell.sparsity);
  return label;
}

}  // namespace moescope

#include "moescope/plan/train_spec_file.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "moescope/number_format.h"

namespace moescope {

namespace {
// moescope-train's default eval_tokens (training/README.md).
constexpr double kTrainerEvalTokens = 262144;
}  // namespace

std::vector<std::string> TrainingSettings::validate() const {
  std::vector<std::string> problems;
  if (!(learning_rate > 0 && learning_rate <= 1))
    problems.push_back("learning_rate must lie in (0, 1], got " + format_number(learning_rate));
  if (!(warmup_fraction >= 0 && warmup_fraction < 1))
    problems.push_back("warmup_fraction must lie in [0, 1), got " + format_number(warmup_fraction));
  // JSON readers hold integers exactly up to 2^53 only.
  if (seed > (std::uint64_t{1} << 53))
    problems.push_back("seed must be at most 2^53, got " + std::to_string(seed));
  return problems;
}

std::string train_spec_json(const PlannedRun& run, const TrainingSettings& settings) {
  const std::vector<std::string> problems = settings.validate();
  if (!problems.empty()) {
    std::string message = "invalid training settings:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  const Architecture& arch = run.architecture;
  // The trainer's default validation pass (262,144 tokens, about ten of them per run) would cost
  // small runs more than their training: evaluate at most a twentieth of D per pass instead.
  const double eval_tokens = std::clamp(std::floor(run.tokens / 20 / arch.context) * arch.context,
                                        static_cast<double>(arch.context), kTrainerEvalTokens);
  const nlohmann::ordered_json spec = {
      {"d_model", arch.d_model},      {"layers", arch.n_layers},
      {"heads", arch.n_heads},        {"experts", arch.experts},
      {"active", arch.active},        {"granularity", arch.granularity},
      {"context", arch.context},      {"vocab", arch.vocab},
      {"batch_size", run.batch_size}, {"tokens", run.tokens},
      {"lr", settings.learning_rate}, {"warmup_fraction", settings.warmup_fraction},
      {"seed", settings.seed},        {"eval_tokens", static_cast<std::int64_t>(eval_tokens)},
  };
  return spec.dump(2) + "\n";
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

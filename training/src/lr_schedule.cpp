#include "moescope/training/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace moescope::training {

std::int64_t warmup_steps(const TrainSpec& spec) {
  return static_cast<std::int64_t>(
      std::llround(spec.warmup_fraction * static_cast<double>(spec.steps)));
}

double learning_rate_at(const TrainSpec& spec, std::int64_t step) {
  const std::int64_t warmup = warmup_steps(spec);
  if (step < warmup)
    return spec.learning_rate * static_cast<double>(step + 1) / static_cast<double>(warmup);
  // Progress runs from 0 at the first step after warm-up towards 1 after the last step.
  const double progress = static_cast<double>(step - warmup) /
                          static_cast<double>(std::max<std::int64_t>(spec.steps - warmup, 1));
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * std::min(progress, 1.0)));
  const double floor = spec.final_lr_fraction;
  return spec.learning_rate * (floor + (1.0 - floor) * cosine);
}

}  // namespace moescope::training

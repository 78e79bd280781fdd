#pragma once

#include <cstdint>

#include "moescope/trainer/train_spec.h"

namespace moescope::training {

// The paper's schedule (Appendix B): a linear warm-up from 0 to the peak rate over
// warmup_fraction of the steps, then a cosine decay towards final_lr_fraction of the peak, reached
// after the last step. A function of the step alone, so a resumed run follows the same rates.
double learning_rate_at(const TrainSpec& spec, std::int64_t step);

// Steps of the linear warm-up: warmup_fraction of the steps, rounded to the nearest step.
std::int64_t warmup_steps(const TrainSpec& spec);

}  // namespace moescope::training

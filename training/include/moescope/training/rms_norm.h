#pragma once

#include <torch/types.h>

namespace moescope::training {

// RMSNorm over the last dimension with a learned gain. Computed in fp32 whatever the input's
// type: the mean square of bf16 activations would lose too much precision.
inline torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& gain) {
  const torch::Tensor wide = x.to(torch::kFloat);
  return wide * torch::rsqrt(wide.pow(2).mean(-1, true) + 1e-6) * gain;
}

}  // namespace moescope::training

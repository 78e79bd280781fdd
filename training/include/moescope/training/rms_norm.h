#pragma once

#include <torch/types.h>

// PyTorch 2.4 and later have aten::rms_norm, which runs one fused kernel each way on CUDA where
// the explicit form below takes seven elementwise and reduction kernels forward and more back;
// Debian's LibTorch 1.13 has only the explicit form.
#if __has_include(<ATen/ops/rms_norm.h>)
#include <ATen/ops/rms_norm.h>
#define MOESCOPE_HAVE_ATEN_RMS_NORM 1
#endif

namespace moescope::training {

inline constexpr double kRmsNormEpsilon = 1e-6;

// RMSNorm over the last dimension with a learned gain: x / sqrt(mean(x^2) + 1e-6) * gain.
// Computed in fp32 whatever the input's type: the mean square of bf16 activations would lose too
// much precision.
inline torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& gain) {
  const torch::Tensor wide = x.to(torch::kFloat);
#ifdef MOESCOPE_HAVE_ATEN_RMS_NORM
  return at::rms_norm(wide, {wide.size(-1)}, gain, kRmsNormEpsilon);
#else
  return wide * torch::rsqrt(wide.pow(2).mean(-1, true) + kRmsNormEpsilon) * gain;
#endif
}

}  // namespace moescope::training

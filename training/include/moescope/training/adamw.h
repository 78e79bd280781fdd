#pragma once

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace moescope::training {

// The paper's optimizer settings (Appendix B): beta = (0.9, 0.95), epsilon = 1e-8.
struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double epsilon = 1e-8;
  // Decay per unit of learning rate: each step multiplies the weights by 1 - lr_t * weight_decay,
  // as torch.optim.AdamW does. The trainer passes its spec's decay over the peak rate, so that the
  // weights decay by the spec's figure at the peak and follow the schedule below it.
  double weight_decay = 0;
};

// AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, Algorithm 2),
// computed as torch.optim.AdamW computes it (bias-corrected moments, epsilon added to the
// corrected root of the second moment), over all of a model's parameters at once.
//
// Two paths, one result up to rounding (training_optimizer_test compares them):
//  - fused: LibTorch's multi-tensor kernel (aten::_fused_adamw_, PyTorch 2) on CUDA, a few launches
//    for the whole model, reading the learning rate and the gradient divisor from device memory, so
//    a step can be captured in a CUDA graph and replayed with a new rate;
//  - reference: the same arithmetic in plain ATen operations, parameter by parameter (the CPU, and
//    LibTorch builds without the fused kernel).
// The gradients stay allocated between steps (zero_grad fills them with zeros), so that their
// addresses do not change under a captured graph.
class AdamW {
 public:
  enum class Path { kFused, kReference };

  AdamW(std::vector<torch::Tensor> parameters, const AdamWOptions& options);

  // Sets every gradient to zero, allocating those not yet allocated.
  void zero_grad();

  // One update with learning rate `learning_rate` (a one-element fp32 tensor on the parameters'
  // device). `gradient_divisor`, when defined, is a one-element fp32 tensor that every gradient is
  // divided by first (global-norm clipping). Nothing is read back to the host.
  void step(const torch::Tensor& learning_rate, const torch::Tensor& gradient_divisor);

  Path path() const { return path_; }
  // The gradients step() reads, the parameters' own, in parameter order.
  const std::vector<torch::Tensor>& gradients() const { return gradients_; }
  // The first and second moments of parameter `index`: the optimizer's own tensors.
  std::pair<torch::Tensor, torch::Tensor> moments(std::size_t index) const {
    return {first_moments_[index], second_moments_[index]};
  }
  // Updates made so far (read from the device: replayed graphs update without the host).
  std::int64_t steps_taken() const;

  // The moments and the step count, under "adamw" in the archive.
  void save(torch::serialize::OutputArchive& archive) const;
  // Throws std::runtime_error when the archive holds no AdamW state of this format, or state for
  // a different set of parameters.
  void load(torch::serialize::InputArchive& archive);

 private:
  void reference_step(const torch::Tensor& learning_rate, const torch::Tensor& gradient_divisor);

  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> gradients_;
  std::vector<torch::Tensor> first_moments_;
  std::vector<torch::Tensor> second_moments_;
  // One fp32 step count per parameter on its device, as the fused kernel wants them; all equal.
  std::vector<torch::Tensor> step_counts_;
  AdamWOptions options_;
  Path path_ = Path::kReference;
};

std::string_view to_string(AdamW::Path path);  // "fused (multi-tensor)" or "reference"

}  // namespace moescope::training

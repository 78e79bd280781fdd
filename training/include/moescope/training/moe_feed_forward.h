#pragma once

#include <torch/nn/module.h>

#include "moescope/model/architecture.h"

namespace moescope::training {

// The feed-forward block of a layer: E GLU experts (SwiGLU, Shazeer 2020) of hidden width
// 4 d / G, K of them per token, dropless: every token is processed by all K of its experts,
// whatever the load (no capacity factor, as MegaBlocks trains). A dense model is E = K = 1 and
// has no router. Weights, as core counts them: the router d x E (E > 1) and per expert the gate
// and up projections d x f and the down projection f x d. Where the trainer is built with the
// CUDA kernels (kernels/, MOESCOPE_WITH_CUDA=ON), a bf16 block on a GPU runs on them; the LibTorch
// path here stays the reference, and MOESCOPE_MOE_REFERENCE=1 forces it.
class MoeFeedForward : public torch::nn::Module {
 public:
  MoeFeedForward(const Architecture& arch, torch::ScalarType compute_type);

  struct Output {
    torch::Tensor y;             // [tokens, d_model] fp32
    torch::Tensor load_balance;  // scalar; zero for a dense block
    torch::Tensor z_loss;        // scalar; zero for a dense block
  };

  // x: [tokens, d_model], already normalised.
  Output forward(const torch::Tensor& x);

  torch::Tensor router_weight;  // [d, E]; undefined for a dense block
  torch::Tensor gate_weight;    // [E, d, f]
  torch::Tensor up_weight;      // [E, d, f]
  torch::Tensor down_weight;    // [E, f, d]

 private:
  std::int64_t experts_;
  std::int64_t active_;
  torch::ScalarType compute_type_;
};

}  // namespace moescope::training

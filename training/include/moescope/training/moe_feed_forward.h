#pragma once

#include <torch/nn/module.h>

#include "moescope/model/architecture.h"

namespace moescope::training {

class ExpertParallel;  // expert_parallel.h

// The feed-forward block of a layer: E GLU experts (SwiGLU, Shazeer 2020) of hidden width
// 4 d / G, K of them per token, dropless: every token is processed by all K of its experts,
// whatever the load (no capacity factor, as MegaBlocks trains). A dense model is E = K = 1 and
// has no router. Weights, as core counts them: the router d x E (E > 1) and per expert the gate
// and up projections d x f and the down projection f x d. Where the trainer is built with the
// CUDA kernels (kernels/, MOESCOPE_WITH_CUDA=ON), a bf16 block on a GPU runs on them; the LibTorch
// path here stays the reference, and MOESCOPE_MOE_REFERENCE=1 forces it.
//
// With expert parallelism (`expert_parallel` not null, expert_parallel.h), the block holds this
// rank's experts only (gate, up and down weights of E / W experts) and exchanges rows with the
// other ranks; it then always takes the LibTorch path, on a GPU too.
class MoeFeedForward : public torch::nn::Module {
 public:
  MoeFeedForward(const Architecture& arch, torch::ScalarType compute_type,
                 ExpertParallel* expert_parallel = nullptr);

  struct Output {
    torch::Tensor y;             // [tokens, d_model] fp32
    torch::Tensor load_balance;  // scalar; zero for a dense block
    torch::Tensor z_loss;        // scalar; zero for a dense block
  };

  // x: [tokens, d_model], already normalised.
  Output forward(const torch::Tensor& x);

  torch::Tensor router_weight;  // [d, E]; undefined for a dense block
  torch::Tensor gate_weight;    // [E, d, f]; [E / W, d, f] of this rank's experts with W ranks
  torch::Tensor up_weight;      // [E, d, f], or [E / W, d, f]
  torch::Tensor down_weight;    // [E, f, d], or [E / W, f, d]

 private:
  std::int64_t experts_;
  std::int64_t active_;
  torch::ScalarType compute_type_;
  ExpertParallel* expert_parallel_;  // null: every expert here
};

}  // namespace moescope::training

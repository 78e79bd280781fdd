#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "moescope/model/architecture.h"
#include "moescope/training/attention.h"
#include "moescope/training/moe_feed_forward.h"

namespace moescope::training {

// One pre-norm layer: x + attention(norm(x)), then x + feed_forward(norm(x)).
class TransformerBlock : public torch::nn::Module {
 public:
  TransformerBlock(const Architecture& arch, torch::ScalarType compute_type,
                   ExpertParallel* expert_parallel = nullptr);

  struct Output {
    torch::Tensor x;
    torch::Tensor load_balance;
    torch::Tensor z_loss;
  };
  Output forward(const torch::Tensor& x, const RotaryTable& rotary);

 private:
  torch::Tensor attention_gain_;
  torch::Tensor feed_forward_gain_;
  std::shared_ptr<CausalSelfAttention> attention_;
  std::shared_ptr<MoeFeedForward> feed_forward_;
};

// The decoder-only MoE language model of the paper (Appendix A-C) at byte level: a token
// embedding shared with the un-embedding (tied, as core's accounting assumes), n_layers blocks,
// a final RMSNorm. Weights are created from torch's global generator on the CPU, so
// torch::manual_seed(seed) before construction gives the same model on every device.
//
// Its parameter count in core's convention (weight matrices only) equals
// count_parameters(arch).total: the convention leaves out normalisation gains, and this model has
// no biases and no learned positions (rotary embeddings).
//
// With expert parallelism (`expert_parallel` not null), it holds this rank's experts only.
class MoeTransformer : public torch::nn::Module {
 public:
  MoeTransformer(const Architecture& arch, torch::ScalarType compute_type,
                 ExpertParallel* expert_parallel = nullptr);

  struct Output {
    torch::Tensor logits;        // [batch, time, vocab] fp32
    torch::Tensor load_balance;  // mean over layers; zero for a dense model
    torch::Tensor z_loss;        // mean over layers; zero for a dense model
  };

  // tokens: [batch, time] int64 with time <= context.
  Output forward(const torch::Tensor& tokens);

  // N and N_a in core's convention: the elements of the weight matrices (tensors of two or more
  // dimensions; the gains are vectors), all experts for N, K of E for N_a; of a model that holds
  // all its experts (no expert parallelism).
  std::int64_t weight_count() const;
  std::int64_t active_weight_count() const;

  // Whether the parameter of this name (from named_parameters) is an expert weight, [E, ...] or
  // this rank's [E / W, ...]: a gate, up or down projection.
  static bool is_expert_weight(std::string_view name);

 private:
  Architecture arch_;
  torch::ScalarType compute_type_;
  torch::Tensor embedding_;
  torch::Tensor final_gain_;
  torch::Tensor rotary_cos_;
  torch::Tensor rotary_sin_;
  std::vector<std::shared_ptr<TransformerBlock>> blocks_;
};

}  // namespace moescope::training

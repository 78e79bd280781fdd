#pragma once

#include <torch/nn/module.h>

#include "moescope/model/architecture.h"

namespace moescope::training {

// Rotary position embeddings (Su et al., 2021): a rotation of query and key pairs by an angle
// proportional to the position. They carry positions without parameters, so the model's weights
// stay exactly those core's accounting counts.
struct RotaryTable {
  torch::Tensor cos;  // [context, head_size], fp32
  torch::Tensor sin;
};

RotaryTable make_rotary_table(int context, int head_size);

// Whether this LibTorch has a fused causal attention kernel (scaled_dot_product_attention,
// PyTorch 2): it keeps no context x context score matrix for the backward pass.
bool fused_attention_available();

// Multi-head causal self-attention with QK-norm (Wortsman et al., 2023; the paper's Table 1):
// queries and keys are RMS-normalised per head before the rotary embedding, which keeps the
// attention logits bounded. Weights: one d x 3d projection for queries, keys and values and one
// d x d output projection, 4 d^2 as core counts; the two QK-norm gains (head_size each) are
// normalisation parameters, which the paper's convention leaves out.
class CausalSelfAttention : public torch::nn::Module {
 public:
  CausalSelfAttention(const Architecture& arch, torch::ScalarType compute_type);

  // x: [batch, time, d_model], already normalised; returns [batch, time, d_model] in the compute
  // type.
  torch::Tensor forward(const torch::Tensor& x, const RotaryTable& rotary);

  torch::Tensor qkv_weight;
  torch::Tensor output_weight;
  torch::Tensor query_gain;
  torch::Tensor key_gain;

 private:
  std::int64_t heads_;
  std::int64_t head_size_;
  torch::ScalarType compute_type_;
};

}  // namespace moescope::training

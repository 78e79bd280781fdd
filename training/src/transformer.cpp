#include "moescope/training/transformer.h"

#include <string>

#include "moescope/training/rms_norm.h"

namespace moescope::training {

TransformerBlock::TransformerBlock(const Architecture& arch, torch::ScalarType compute_type,
                                   ExpertParallel* expert_parallel) {
  attention_gain_ = register_parameter("attention_gain", torch::ones({arch.d_model}));
  feed_forward_gain_ = register_parameter("feed_forward_gain", torch::ones({arch.d_model}));
  attention_ =
      register_module("attention", std::make_shared<CausalSelfAttention>(arch, compute_type));
  feed_forward_ = register_module(
      "feed_forward", std::make_shared<MoeFeedForward>(arch, compute_type, expert_parallel));
}

TransformerBlock::Output TransformerBlock::forward(const torch::Tensor& x,
                                                   const RotaryTable& rotary) {
  const torch::Tensor attended = x + attention_->forward(rms_norm(x, attention_gain_), rotary);
  const torch::Tensor normalised = rms_norm(attended, feed_forward_gain_);
  const MoeFeedForward::Output fed =
      feed_forward_->forward(normalised.view({-1, normalised.size(-1)}));
  return {attended + fed.y.view(x.sizes()), fed.load_balance, fed.z_loss};
}

MoeTransformer::MoeTransformer(const Architecture& arch, torch::ScalarType compute_type,
                               ExpertParallel* expert_parallel)
    : arch_(arch), compute_type_(compute_type) {
  embedding_ = register_parameter("embedding", torch::randn({arch.vocab, arch.d_model}) * 0.02);
  for (int layer = 0; layer < arch.n_layers; ++layer) {
    blocks_.push_back(
        register_module("block" + std::to_string(layer),
                        std::make_shared<TransformerBlock>(arch, compute_type, expert_parallel)));
  }
  final_gain_ = register_parameter("final_gain", torch::ones({arch.d_model}));
  const RotaryTable rotary = make_rotary_table(arch.context, arch.d_model / arch.n_heads);
  rotary_cos_ = register_buffer("rotary_cos", rotary.cos);
  rotary_sin_ = register_buffer("rotary_sin", rotary.sin);
}

MoeTransformer::Output MoeTransformer::forward(const torch::Tensor& tokens) {
  const RotaryTable rotary{rotary_cos_, rotary_sin_};
  torch::Tensor x = torch::embedding(embedding_, tokens);
  torch::Tensor load_balance = torch::zeros({}, x.options());
  torch::Tensor z_loss = torch::zeros({}, x.options());
  for (const auto& block : blocks_) {
    TransformerBlock::Output out = block->forward(x, rotary);
    x = out.x;
    load_balance = load_balance + out.load_balance;
    z_loss = z_loss + out.z_loss;
  }
  const torch::Tensor logits = rms_norm(x, final_gain_)
                                   .to(compute_type_)
                                   .matmul(embedding_.to(compute_type_).t())
                                   .to(torch::kFloat);
  const double layers = arch_.n_layers;
  return {logits, load_balance / layers, z_loss / layers};
}

std::int64_t MoeTransformer::weight_count() const {
  std::int64_t count = 0;
  for (const torch::Tensor& parameter : parameters()) {
    if (parameter.dim() >= 2)
      count += parameter.numel();
  }
  return count;
}

std::int64_t MoeTransformer::active_weight_count() const {
  std::int64_t inactive = 0;
  for (const auto& item : named_parameters()) {
    if (is_expert_weight(item.key()))
      inactive += item.value().numel() / arch_.experts * (arch_.experts - arch_.active);
  }
  return weight_count() - inactive;
}

bool MoeTransformer::is_expert_weight(std::string_view name) {
  return name.ends_with("gate_weight") || name.ends_with("up_weight") ||
         name.ends_with("down_weight");
}

}  // namespace moescope::training

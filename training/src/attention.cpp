#include "moescope/training/attention.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>
#include <optional>
#include <vector>

#include "moescope/training/rms_norm.h"

namespace moescope::training {
namespace {

// PyTorch 2 has aten::scaled_dot_product_attention, PyTorch 1.13 (Debian's LibTorch) does not.
// Looking it up by name in the operator registry at run time lets one source build against both
// and use the fused kernels where they exist. Every argument but the three inputs and is_causal
// must have a default, which is passed on: the signature grew (scale, enable_gqa) across 2.x.
const std::optional<c10::OperatorHandle>& fused_attention_operator() {
  static const std::optional<c10::OperatorHandle> handle =
      []() -> std::optional<c10::OperatorHandle> {
    const auto found =
        c10::Dispatcher::singleton().findSchema({"aten::scaled_dot_product_attention", ""});
    if (!found.has_value())
      return std::nullopt;
    for (const c10::Argument& argument : found->schema().arguments()) {
      const std::string& name = argument.name();
      const bool given = name == "query" || name == "key" || name == "value" || name == "is_causal";
      if (!given && !argument.default_value().has_value())
        return std::nullopt;
    }
    return *found;
  }();
  return handle;
}

torch::Tensor fused_causal_attention(const c10::OperatorHandle& op, const torch::Tensor& query,
                                     const torch::Tensor& key, const torch::Tensor& value) {
  std::vector<c10::IValue> stack;
  for (const c10::Argument& argument : op.schema().arguments()) {
    const std::string& name = argument.name();
    if (name == "query")
      stack.emplace_back(query);
    else if (name == "key")
      stack.emplace_back(key);
    else if (name == "value")
      stack.emplace_back(value);
    else if (name == "is_causal")
      stack.emplace_back(true);
    else
      stack.push_back(*argument.default_value());
  }
  op.callBoxed(&stack);
  return stack.at(0).toTensor();
}

// The textbook form: softmax(q k^T / sqrt(head_size) + causal mask) v, softmax in fp32.
torch::Tensor explicit_causal_attention(const torch::Tensor& query, const torch::Tensor& key,
                                        const torch::Tensor& value) {
  const std::int64_t time = query.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(query.size(3)));
  const torch::Tensor future =
      torch::ones({time, time}, torch::TensorOptions().dtype(torch::kBool).device(query.device()))
          .triu(1);
  const torch::Tensor scores = (query.matmul(key.transpose(-2, -1)) * scale)
                                   .to(torch::kFloat)
                                   .masked_fill(future, -INFINITY);
  return scores.softmax(-1).to(value.scalar_type()).matmul(value);
}

torch::Tensor rotate(const torch::Tensor& x, const RotaryTable& rotary) {
  const std::int64_t time = x.size(2);
  const std::int64_t half = x.size(3) / 2;
  const torch::Tensor rotated_half =
      torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * rotary.cos.narrow(0, 0, time) + rotated_half * rotary.sin.narrow(0, 0, time);
}

}  // namespace

RotaryTable make_rotary_table(int context, int head_size) {
  const torch::Tensor exponents = torch::arange(0, head_size, 2, torch::kFloat) / head_size;
  const torch::Tensor inverse_frequencies = torch::pow(10000.0, -exponents);
  const torch::Tensor angles =
      torch::outer(torch::arange(context, torch::kFloat), inverse_frequencies);
  const torch::Tensor both_halves = torch::cat({angles, angles}, -1);
  return {both_halves.cos(), both_halves.sin()};
}

bool fused_attention_available() {
  return fused_attention_operator().has_value();
}

CausalSelfAttention::CausalSelfAttention(const Architecture& arch, torch::ScalarType compute_type)
    : heads_(arch.n_heads), head_size_(arch.d_model / arch.n_heads), compute_type_(compute_type) {
  const std::int64_t d = arch.d_model;
  // GPT-2's initialisation: the projection into the residual stream shrinks with depth.
  const double output_std = 0.02 / std::sqrt(2.0 * arch.n_layers);
  qkv_weight = register_parameter("qkv_weight", torch::randn({d, 3 * d}) * 0.02);
  output_weight = register_parameter("output_weight", torch::randn({d, d}) * output_std);
  query_gain = register_parameter("query_gain", torch::ones({head_size_}));
  key_gain = register_parameter("key_gain", torch::ones({head_size_}));
}

torch::Tensor CausalSelfAttention::forward(const torch::Tensor& x, const RotaryTable& rotary) {
  const std::int64_t batch = x.size(0);
  const std::int64_t time = x.size(1);
  // [batch, time, 3, heads, head_size] -> three [batch, heads, time, head_size]
  const torch::Tensor qkv = x.to(compute_type_)
                                .matmul(qkv_weight.to(compute_type_))
                                .view({batch, time, 3, heads_, head_size_})
                                .permute({2, 0, 3, 1, 4});
  const torch::Tensor query = rotate(rms_norm(qkv[0], query_gain), rotary).to(compute_type_);
  const torch::Tensor key = rotate(rms_norm(qkv[1], key_gain), rotary).to(compute_type_);
  const torch::Tensor value = qkv[2];
  const auto& fused = fused_attention_operator();
  const torch::Tensor attended = fused ? fused_causal_attention(*fused, query, key, value)
                                       : explicit_causal_attention(query, key, value);
  return attended.transpose(1, 2)
      .reshape({batch, time, heads_ * head_size_})
      .matmul(output_weight.to(compute_type_));
}

}  // namespace moescope::training

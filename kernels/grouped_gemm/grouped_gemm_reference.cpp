#include "grouped_gemm_reference.h"

#include <cstdint>

#include "gate_up_layout.h"

namespace moescope::kernels {
namespace {

// The slice [offsets[e], offsets[e + 1]) of a grouped tensor's rows.
at::Tensor group_rows(const at::Tensor& grouped, const at::Tensor& offsets, std::int64_t e) {
  const std::int64_t first = offsets[e].item<std::int64_t>();
  return grouped.narrow(0, first, offsets[e + 1].item<std::int64_t>() - first);
}

// Applies product(e, rows of e) to each expert and stacks the results in grouped-row order.
template <class Product>
at::Tensor per_expert(const at::Tensor& offsets, const at::Tensor& rows, Product&& product) {
  std::vector<at::Tensor> outputs;
  for (std::int64_t e = 0; e + 1 < offsets.numel(); ++e)
    outputs.push_back(product(e, group_rows(rows, offsets, e)));
  return at::cat(outputs, 0);
}

}  // namespace

at::Tensor interleave_gate_up(const at::Tensor& gate, const at::Tensor& up) {
  const std::int64_t hidden = gate.size(-1);
  std::vector<std::int64_t> blocked(gate.sizes().begin(), gate.sizes().end() - 1);
  blocked.push_back(hidden / kGateUpInterleave);
  blocked.push_back(kGateUpInterleave);
  std::vector<std::int64_t> interleaved(gate.sizes().begin(), gate.sizes().end() - 1);
  interleaved.push_back(2 * hidden);
  return at::stack({gate.reshape(blocked), up.reshape(blocked)}, gate.dim()).reshape(interleaved);
}

std::pair<at::Tensor, at::Tensor> split_gate_up(const at::Tensor& interleaved) {
  std::vector<std::int64_t> blocked(interleaved.sizes().begin(), interleaved.sizes().end() - 1);
  const std::int64_t hidden = interleaved.size(-1) / 2;
  blocked.push_back(hidden / kGateUpInterleave);
  blocked.push_back(2);
  blocked.push_back(kGateUpInterleave);
  std::vector<std::int64_t> plain(interleaved.sizes().begin(), interleaved.sizes().end() - 1);
  plain.push_back(hidden);
  const at::Tensor view = interleaved.reshape(blocked);
  const auto pair_dim = static_cast<std::int64_t>(blocked.size()) - 2;
  return {view.select(pair_dim, 0).reshape(plain), view.select(pair_dim, 1).reshape(plain)};
}

GateUpReference gate_up_forward_reference(const at::Tensor& x, const at::Tensor& source_token,
                                          const at::Tensor& offsets,
                                          const at::Tensor& gate_up_weight,
                                          const at::Tensor& row_weights) {
  const at::Tensor grouped_x = x.index_select(0, source_token);
  GateUpReference result;
  result.pre_activations = per_expert(
      offsets, grouped_x,
      [&](std::int64_t e, const at::Tensor& rows) { return rows.mm(gate_up_weight[e]); });
  auto [gate, up] = split_gate_up(result.pre_activations);
  result.activations = row_weights.unsqueeze(1) * (at::silu(gate) * up);
  return result;
}

at::Tensor down_forward_reference(const at::Tensor& activations, const at::Tensor& offsets,
                                  const at::Tensor& down_weight) {
  return per_expert(offsets, activations, [&](std::int64_t e, const at::Tensor& rows) {
    return rows.mm(down_weight[e]);
  });
}

DownBackwardReference down_backward_data_reference(const at::Tensor& grad_y,
                                                   const at::Tensor& source_token,
                                                   const at::Tensor& offsets,
                                                   const at::Tensor& down_weight,
                                                   const at::Tensor& pre_activations,
                                                   const at::Tensor& row_weights) {
  // The gradient of the scaled activations, then of the unscaled ones and of the weights.
  const at::Tensor grad_scaled = per_expert(
      offsets, grad_y.index_select(0, source_token),
      [&](std::int64_t e, const at::Tensor& rows) { return rows.mm(down_weight[e].t()); });
  auto [gate, up] = split_gate_up(pre_activations);
  const at::Tensor s = at::sigmoid(gate);
  const at::Tensor grad_activations = grad_scaled * row_weights.unsqueeze(1);
  return {interleave_gate_up(grad_activations * up * s * (1 + gate * (1 - s)),
                             grad_activations * gate * s),
          (grad_scaled * at::silu(gate) * up).sum(1)};
}

at::Tensor gate_up_backward_data_reference(const at::Tensor& grad_pre_activations,
                                           const at::Tensor& offsets,
                                           const at::Tensor& gate_up_weight) {
  return per_expert(offsets, grad_pre_activations, [&](std::int64_t e, const at::Tensor& rows) {
    return rows.mm(gate_up_weight[e].t());
  });
}

at::Tensor weight_gradient_reference(const at::Tensor& a, const at::Tensor& a_source_rows,
                                     const at::Tensor& b, const at::Tensor& b_source_rows,
                                     const at::Tensor& offsets) {
  const at::Tensor grouped_a = a_source_rows.defined() ? a.index_select(0, a_source_rows) : a;
  const at::Tensor grouped_b = b_source_rows.defined() ? b.index_select(0, b_source_rows) : b;
  std::vector<at::Tensor> gradients;
  for (std::int64_t e = 0; e + 1 < offsets.numel(); ++e)
    gradients.push_back(
        group_rows(grouped_a, offsets, e).t().mm(group_rows(grouped_b, offsets, e)));
  return at::stack(gradients, 0);
}

}  // namespace moescope::kernels

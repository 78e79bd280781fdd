#include "permute_reference.h"

namespace moescope::kernels {

PermutationReference permute_reference(const at::Tensor& selected_experts, std::int64_t experts) {
  const at::Tensor flat = selected_experts.reshape(-1).to(at::kLong);
  const std::int64_t active = selected_experts.size(1);
  PermutationReference result;
  result.order = std::get<1>(flat.sort(/*stable=*/true, /*dim=*/0, /*descending=*/false));
  result.source_token = result.order.div(active, "floor");
  result.inverse = at::empty_like(result.order)
                       .scatter_(0, result.order, at::arange(flat.numel(), result.order.options()));
  result.expert_offsets =
      at::cat({at::zeros({1}, at::kLong), at::bincount(flat, {}, experts).cumsum(0)});
  return result;
}

at::Tensor combine_reference(const at::Tensor& expert_out, const at::Tensor& weights,
                             const at::Tensor& inverse) {
  const std::int64_t tokens = weights.size(0);
  const std::int64_t active = weights.size(1);
  return (expert_out.index_select(0, inverse).view({tokens, active, -1}) * weights.unsqueeze(2))
      .sum(1);
}

std::pair<at::Tensor, at::Tensor> combine_backward_reference(const at::Tensor& grad_y,
                                                             const at::Tensor& expert_out,
                                                             const at::Tensor& weights,
                                                             const at::Tensor& order) {
  const std::int64_t active = weights.size(1);
  const at::Tensor grouped_grad = grad_y.index_select(0, order.div(active, "floor"));
  const at::Tensor grouped_weights = weights.reshape(-1).index_select(0, order);
  const at::Tensor grad_expert_out = grouped_grad * grouped_weights.unsqueeze(1);
  const at::Tensor grad_weights =
      at::zeros_like(grouped_weights).index_copy_(0, order, (grouped_grad * expert_out).sum(1));
  return {grad_expert_out, grad_weights};
}

at::Tensor sum_grouped_rows_reference(const at::Tensor& grouped, const at::Tensor& inverse,
                                      std::int64_t active) {
  return grouped.index_select(0, inverse).view({inverse.numel() / active, active, -1}).sum(1);
}

}  // namespace moescope::kernels

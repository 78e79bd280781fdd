#include "router_reference.h"

#include <torch/csrc/autograd/autograd.h>

namespace moescope::kernels {
namespace {

at::Tensor z_loss_of(const at::Tensor& logsumexp) {
  return logsumexp.pow(2).mean();
}

}  // namespace

RouterReference router_forward_reference(const at::Tensor& logits, std::int64_t active) {
  RouterReference result;
  const std::int64_t tokens = logits.size(0);
  const std::int64_t experts = logits.size(1);
  result.probabilities = logits.softmax(-1);
  auto [top_probabilities, top_experts] = result.probabilities.topk(active, -1);
  result.selected_experts = top_experts;
  result.weights =
      active > 1 ? top_probabilities / top_probabilities.sum(-1, true) : top_probabilities;
  result.logsumexp = logits.logsumexp(-1);
  result.expert_counts = at::bincount(top_experts.reshape(-1), {}, experts);
  result.probability_sums = result.probabilities.sum(0);
  const at::Tensor fractions =
      result.expert_counts.to(logits.scalar_type()) / static_cast<double>(tokens * active);
  result.load_balance =
      static_cast<double>(experts) * (fractions * result.probability_sums / tokens).sum();
  result.z_loss = z_loss_of(result.logsumexp);
  return result;
}

at::Tensor router_z_loss_reference(const at::Tensor& logits) {
  return z_loss_of(logits.logsumexp(-1));
}

at::Tensor router_backward_reference(const at::Tensor& logits, std::int64_t active,
                                     const at::Tensor& grad_weights, double grad_load_balance,
                                     double grad_z_loss) {
  const at::Tensor input = logits.detach().requires_grad_(true);
  const RouterReference routed = router_forward_reference(input, active);
  const at::Tensor objective = (routed.weights * grad_weights).sum() +
                               grad_load_balance * routed.load_balance +
                               grad_z_loss * routed.z_loss;
  return torch::autograd::grad({objective}, {input})[0];
}

}  // namespace moescope::kernels

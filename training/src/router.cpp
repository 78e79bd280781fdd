#include "moescope/training/router.h"

#include "permute/permute_reference.h"
#include "router/router_reference.h"

namespace moescope::training {

Routing route(const torch::Tensor& logits, std::int64_t active) {
  kernels::RouterReference routed = kernels::router_forward_reference(logits, active);
  return {std::move(routed.probabilities), std::move(routed.selected_experts),
          std::move(routed.weights), std::move(routed.load_balance), std::move(routed.z_loss)};
}

torch::Tensor load_balance_loss(const Routing& routing) {
  return routing.load_balance;
}

torch::Tensor router_z_loss(const torch::Tensor& logits) {
  return kernels::router_z_loss_reference(logits);
}

DispatchPlan plan_dispatch(const torch::Tensor& experts, std::int64_t expert_count) {
  kernels::PermutationReference permutation = kernels::permute_reference(experts, expert_count);
  DispatchPlan plan{std::move(permutation.order),
                    std::move(permutation.source_token),
                    std::move(permutation.inverse),
                    {}};
  const torch::Tensor offsets = permutation.expert_offsets.to(torch::kCPU);
  const std::int64_t* ends = offsets.data_ptr<std::int64_t>();
  plan.counts.reserve(static_cast<std::size_t>(expert_count));
  for (std::int64_t e = 0; e < expert_count; ++e)
    plan.counts.push_back(ends[e + 1] - ends[e]);
  return plan;
}

}  // namespace moescope::training

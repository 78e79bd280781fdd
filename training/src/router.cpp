#include "moescope/training/router.h"

namespace moescope::training {

Routing route(const torch::Tensor& logits, std::int64_t active) {
  Routing routing;
  routing.logits = logits;
  routing.probabilities = logits.softmax(-1);
  auto [top_probabilities, top_experts] = routing.probabilities.topk(active, -1);
  routing.experts = top_experts;
  routing.weights =
      active > 1 ? top_probabilities / top_probabilities.sum(-1, true) : top_probabilities;
  return routing;
}

torch::Tensor load_balance_loss(const Routing& routing) {
  const std::int64_t expert_count = routing.probabilities.size(1);
  const torch::Tensor assignments =
      torch::bincount(routing.experts.reshape(-1), {}, expert_count).to(torch::kFloat);
  const torch::Tensor fractions = assignments / static_cast<double>(routing.experts.numel());
  const torch::Tensor mean_probabilities = routing.probabilities.mean(0);
  return static_cast<double>(expert_count) * (fractions * mean_probabilities).sum();
}

torch::Tensor router_z_loss(const torch::Tensor& logits) {
  return logits.logsumexp(-1).pow(2).mean();
}

DispatchPlan plan_dispatch(const torch::Tensor& experts, std::int64_t expert_count) {
  const torch::Tensor flat = experts.reshape(-1);
  const std::int64_t active = experts.size(1);
  DispatchPlan plan;
  plan.order = std::get<1>(flat.sort(/*stable=*/true, /*dim=*/0, /*descending=*/false));
  plan.source_token = plan.order.div(active, "floor");
  plan.inverse = torch::empty_like(plan.order)
                     .scatter_(0, plan.order, torch::arange(flat.numel(), plan.order.options()));
  const torch::Tensor counts = torch::bincount(flat, {}, expert_count).to(torch::kCPU);
  plan.counts.assign(counts.data_ptr<std::int64_t>(),
                     counts.data_ptr<std::int64_t>() + expert_count);
  return plan;
}

}  // namespace moescope::training

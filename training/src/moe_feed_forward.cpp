#include "moescope/training/moe_feed_forward.h"

#include <cmath>

#include "moescope/model/accounting.h"
#include "moescope/training/expert_parallel.h"
#include "moescope/training/router.h"

#ifdef MOESCOPE_WITH_CUDA_KERNELS
#include <cstdlib>
#include <cstring>

#include "binding/moe_layer.h"
#include "grouped_gemm/grouped_gemm_reference.h"
#endif

namespace moescope::training {
namespace {

#ifdef MOESCOPE_WITH_CUDA_KERNELS
// The CUDA kernels (kernels/) take over routing and experts where the trainer was built with
// them, the block runs in bf16 on a GPU and the shape suits them; MOESCOPE_MOE_REFERENCE=1 forces
// the LibTorch path below (to compare the two, or to rule the kernels out).
bool use_cuda_kernels(const torch::Tensor& x, torch::ScalarType compute_type, std::int64_t hidden,
                      std::int64_t experts, std::int64_t active) {
  static const bool reference_forced = [] {
    const char* value = std::getenv("MOESCOPE_MOE_REFERENCE");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return !reference_forced && x.is_cuda() && compute_type == torch::kBFloat16 &&
         kernels::moe_layer_supported(x.size(1), hidden, experts, active);
}
#endif

torch::Tensor swiglu(const torch::Tensor& x, const torch::Tensor& gate, const torch::Tensor& up,
                     const torch::Tensor& down) {
  return (torch::silu(x.matmul(gate)) * x.matmul(up)).matmul(down);
}

}  // namespace

MoeFeedForward::MoeFeedForward(const Architecture& arch, torch::ScalarType compute_type,
                               ExpertParallel* expert_parallel)
    : experts_(arch.experts),
      active_(arch.active),
      compute_type_(compute_type),
      expert_parallel_(expert_parallel) {
  const std::int64_t d = arch.d_model;
  const std::int64_t f = expert_hidden_width(arch);
  const double output_std = 0.02 / std::sqrt(2.0 * arch.n_layers);
  if (experts_ > 1)
    router_weight = register_parameter("router_weight", torch::randn({d, experts_}) * 0.02);
  // Every expert is drawn, whichever this rank keeps, so that the model does not depend on the
  // rank count.
  auto experts = [expert_parallel](const torch::Tensor& all) {
    return expert_parallel ? expert_parallel->take_shard(all) : all;
  };
  gate_weight = register_parameter("gate_weight", experts(torch::randn({experts_, d, f}) * 0.02));
  up_weight = register_parameter("up_weight", experts(torch::randn({experts_, d, f}) * 0.02));
  down_weight =
      register_parameter("down_weight", experts(torch::randn({experts_, f, d}) * output_std));
}

MoeFeedForward::Output MoeFeedForward::forward(const torch::Tensor& x) {
  const torch::Tensor low = x.to(compute_type_);
  if (experts_ == 1) {
    const torch::Tensor zero = torch::zeros({}, x.options().dtype(torch::kFloat));
    return {swiglu(low, gate_weight[0].to(compute_type_), up_weight[0].to(compute_type_),
                   down_weight[0].to(compute_type_))
                .to(torch::kFloat),
            zero, zero};
  }
  // The router runs in fp32: its softmax and top-K decide where tokens go.
  const torch::Tensor logits = x.to(torch::kFloat).matmul(router_weight);
#ifdef MOESCOPE_WITH_CUDA_KERNELS
  if (!expert_parallel_ &&
      use_cuda_kernels(x, compute_type_, down_weight.size(1), experts_, active_)) {
    const kernels::MoeLayerOutput out = kernels::moe_layer(
        low, logits,
        kernels::interleave_gate_up(gate_weight.to(compute_type_), up_weight.to(compute_type_)),
        down_weight.to(compute_type_), active_);
    return {out.y, out.load_balance, out.z_loss};
  }
#endif
  const Routing routing = route(logits, active_);
  const DispatchPlan plan = plan_dispatch(routing.experts, experts_);

  // Unbinding once gives each expert a view whose gradients are stacked in one step, where
  // indexing per expert would materialise a full-size gradient per expert.
  const std::vector<torch::Tensor> gates = gate_weight.to(compute_type_).unbind(0);
  const std::vector<torch::Tensor> ups = up_weight.to(compute_type_).unbind(0);
  const std::vector<torch::Tensor> downs = down_weight.to(compute_type_).unbind(0);
  const torch::Tensor grouped = low.index_select(0, plan.source_token);
  auto expert = [&](const torch::Tensor& rows, std::int64_t e) {
    return swiglu(rows, gates[e], ups[e], downs[e]);
  };
  torch::Tensor expert_outputs;
  if (expert_parallel_) {
    expert_outputs = expert_parallel_->run(grouped, plan.counts, expert);
  } else {
    const std::vector<torch::Tensor> groups = grouped.split_with_sizes(plan.counts, 0);
    std::vector<torch::Tensor> outputs;
    outputs.reserve(static_cast<std::size_t>(experts_));
    for (std::size_t e = 0; e < groups.size(); ++e)
      outputs.push_back(expert(groups[e], static_cast<std::int64_t>(e)));
    expert_outputs = torch::cat(outputs, 0);
  }

  // Back to (token, slot) order, weighted, and summed over each token's K slots: gathers only,
  // so the result does not depend on the order of floating-point additions.
  const torch::Tensor grouped_weights = routing.weights.reshape(-1).index_select(0, plan.order);
  const torch::Tensor weighted = expert_outputs.to(torch::kFloat) * grouped_weights.unsqueeze(1);
  const torch::Tensor y =
      weighted.index_select(0, plan.inverse).view({x.size(0), active_, x.size(1)}).sum(1);
  return {y, routing.load_balance, routing.z_loss};
}

}  // namespace moescope::training

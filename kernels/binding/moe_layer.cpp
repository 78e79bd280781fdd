#include "moe_layer.h"

#include <ATen/cuda/CUDAContext.h>
#include <torch/csrc/autograd/custom_function.h>

#include <stdexcept>

#include "../grouped_gemm/grouped_gemm_reference.h"

namespace moescope::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Carves consecutive buffers out of one tensor's storage.
template <class T>
class Carver {
 public:
  explicit Carver(T* base) : next_(base) {}
  T* take(std::int64_t count) {
    T* taken = next_;
    next_ += count;
    return taken;
  }

 private:
  T* next_;
};

struct RoutingSizes {
  std::int64_t integers;
  std::int64_t floats;
};

RoutingSizes routing_sizes(std::int64_t tokens, std::int64_t experts, std::int64_t active) {
  const std::int64_t assignments = tokens * active;
  const std::int64_t tiles = router_tiles(static_cast<int>(tokens));
  return {6 * assignments + 2 * tiles * experts + 2 * experts + 1,
          tokens + tiles * experts + tiles + experts};
}

cudaStream_t current_stream() {
  return at::cuda::getCurrentCUDAStream().stream();
}

const __nv_bfloat16* bf16_data(const torch::Tensor& tensor) {
  return reinterpret_cast<const __nv_bfloat16*>(tensor.data_ptr<at::BFloat16>());
}
__nv_bfloat16* bf16_data(torch::Tensor& tensor) {
  return reinterpret_cast<__nv_bfloat16*>(tensor.data_ptr<at::BFloat16>());
}

class RouterFunction : public torch::autograd::Function<RouterFunction> {
 public:
  // Returns {weights [T, K], losses [2], routing integers, routing floats}.
  static variable_list forward(AutogradContext* context, const torch::Tensor& logits,
                               std::int64_t active) {
    const std::int64_t tokens = logits.size(0);
    const std::int64_t experts = logits.size(1);
    DeviceRouting routing = DeviceRouting::allocate(tokens, experts, active, logits.device());
    const cudaStream_t stream = current_stream();
    launch_router_forward(logits.data_ptr<float>(), static_cast<int>(tokens),
                          static_cast<int>(experts), static_cast<int>(active), routing.buffers,
                          stream);
    launch_permute(routing.buffers, static_cast<int>(tokens), static_cast<int>(experts),
                   static_cast<int>(active), routing.permutation, stream);
    context->save_for_backward({logits, routing.integers, routing.floats, routing.weights});
    context->saved_data["active"] = active;
    context->mark_non_differentiable({routing.integers, routing.floats});
    return {routing.weights, routing.losses, routing.integers, routing.floats};
  }

  static variable_list backward(AutogradContext* context, variable_list grads) {
    const variable_list saved = context->get_saved_variables();
    const torch::Tensor& logits = saved[0];
    const std::int64_t active = context->saved_data["active"].toInt();
    const std::int64_t tokens = logits.size(0);
    const std::int64_t experts = logits.size(1);
    const DeviceRouting routing =
        DeviceRouting::view(saved[1], saved[2], saved[3], {}, tokens, experts, active);
    const torch::Tensor grad_weights =
        grads[0].defined() ? grads[0].to(torch::kFloat).contiguous() : torch::Tensor();
    const torch::Tensor grad_losses =
        grads[1].defined() ? grads[1].to(torch::kFloat).contiguous() : torch::Tensor();
    torch::Tensor grad_logits = torch::empty_like(logits);
    const float* grad_losses_data = grad_losses.defined() ? grad_losses.data_ptr<float>() : nullptr;
    launch_router_backward(logits.data_ptr<float>(), static_cast<int>(tokens),
                           static_cast<int>(experts), static_cast<int>(active), routing.buffers,
                           grad_weights.defined() ? grad_weights.data_ptr<float>() : nullptr,
                           grad_losses_data, grad_losses_data ? grad_losses_data + 1 : nullptr,
                           grad_logits.data_ptr<float>(), current_stream());
    return {grad_logits, torch::Tensor()};
  }
};

class ExpertsFunction : public torch::autograd::Function<ExpertsFunction> {
 public:
  static variable_list forward(AutogradContext* context, const torch::Tensor& x,
                               const torch::Tensor& weights, const torch::Tensor& gate_up,
                               const torch::Tensor& down, const torch::Tensor& routing_integers,
                               const torch::Tensor& routing_floats, std::int64_t active) {
    const std::int64_t tokens = x.size(0);
    const auto d_model = static_cast<int>(x.size(1));
    const auto hidden = static_cast<int>(down.size(1));
    const DeviceRouting routing = DeviceRouting::view(routing_integers, routing_floats, weights, {},
                                                      tokens, gate_up.size(0), active);
    const ExpertGroups groups = routing.groups();
    const RowWeights row_weights{weights.data_ptr<float>(), routing.permutation.order};
    const auto bf16 = x.options().dtype(torch::kBFloat16);
    torch::Tensor pre_activations = torch::empty({groups.rows, 2 * hidden}, bf16);
    torch::Tensor activations = torch::empty({groups.rows, hidden}, bf16);
    torch::Tensor expert_out = torch::empty({groups.rows, d_model}, bf16);
    torch::Tensor y = torch::empty({tokens, d_model}, x.options().dtype(torch::kFloat));
    const cudaStream_t stream = current_stream();
    launch_gate_up_forward(bf16_data(x), routing.permutation.source_token, row_weights, groups,
                           d_model, hidden, bf16_data(gate_up), bf16_data(pre_activations),
                           bf16_data(activations), stream);
    launch_down_forward(bf16_data(activations), groups, hidden, d_model, bf16_data(down),
                        bf16_data(expert_out), stream);
    launch_combine(bf16_data(expert_out), routing.permutation.inverse, static_cast<int>(tokens),
                   static_cast<int>(active), d_model, y.data_ptr<float>(), stream);
    // The expert outputs are not needed again: the activations carry the routing weights.
    context->save_for_backward({x, weights, gate_up, down, routing_integers, routing_floats,
                                pre_activations, activations});
    context->saved_data["active"] = active;
    return {y};
  }

  static variable_list backward(AutogradContext* context, variable_list grads) {
    const variable_list saved = context->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& weights = saved[1];
    const torch::Tensor& gate_up = saved[2];
    const torch::Tensor& down = saved[3];
    const torch::Tensor& pre_activations = saved[6];
    const torch::Tensor& activations = saved[7];
    const std::int64_t active = context->saved_data["active"].toInt();
    const std::int64_t tokens = x.size(0);
    const auto d_model = static_cast<int>(x.size(1));
    const auto hidden = static_cast<int>(down.size(1));
    const DeviceRouting routing =
        DeviceRouting::view(saved[4], saved[5], weights, {}, tokens, gate_up.size(0), active);
    const ExpertGroups groups = routing.groups();
    const RowWeights row_weights{weights.data_ptr<float>(), routing.permutation.order};
    const auto bf16 = x.options().dtype(torch::kBFloat16);
    // The products read the output's gradient in bf16, gathered by token as they go.
    const torch::Tensor grad_y = grads[0].to(torch::kBFloat16).contiguous();
    torch::Tensor grad_weights = torch::empty_like(weights);
    torch::Tensor workspace = torch::empty({down_backward_workspace_floats(groups.rows, hidden)},
                                           x.options().dtype(torch::kFloat));
    torch::Tensor grad_pre_activations = torch::empty({groups.rows, 2 * hidden}, bf16);
    torch::Tensor grad_down = torch::empty_like(down);
    torch::Tensor grad_gate_up = torch::empty_like(gate_up);
    torch::Tensor grad_x_grouped = torch::empty({groups.rows, d_model}, bf16);
    torch::Tensor grad_x = torch::empty_like(x);
    const cudaStream_t stream = current_stream();
    const int* source_token = routing.permutation.source_token;
    launch_down_backward_data(bf16_data(grad_y), source_token, row_weights, groups, d_model, hidden,
                              bf16_data(down), bf16_data(pre_activations),
                              bf16_data(grad_pre_activations), grad_weights.data_ptr<float>(),
                              workspace.data_ptr<float>(), stream);
    launch_weight_gradient(bf16_data(activations), nullptr, hidden, bf16_data(grad_y), source_token,
                           d_model, groups, bf16_data(grad_down), stream);
    launch_weight_gradient(bf16_data(x), source_token, d_model, bf16_data(grad_pre_activations),
                           nullptr, 2 * hidden, groups, bf16_data(grad_gate_up), stream);
    launch_gate_up_backward_data(bf16_data(grad_pre_activations), groups, hidden, d_model,
                                 bf16_data(gate_up), bf16_data(grad_x_grouped), stream);
    launch_sum_grouped_rows(bf16_data(grad_x_grouped), routing.permutation.inverse,
                            static_cast<int>(tokens), static_cast<int>(active), d_model,
                            bf16_data(grad_x), stream);
    return {grad_x,          grad_weights,    grad_gate_up,   grad_down,
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

void require(bool condition, const char* message) {
  if (!condition)
    throw std::invalid_argument(std::string("moe_layer: ") + message);
}

}  // namespace

bool moe_layer_supported(std::int64_t d_model, std::int64_t hidden, std::int64_t experts,
                         std::int64_t active) {
  return router_shapes_supported(static_cast<int>(experts), static_cast<int>(active)) &&
         gemm_shapes_supported(static_cast<int>(d_model), static_cast<int>(hidden));
}

DeviceRouting DeviceRouting::allocate(std::int64_t tokens, std::int64_t experts,
                                      std::int64_t active, const torch::Device& device) {
  const RoutingSizes sizes = routing_sizes(tokens, experts, active);
  const auto options = torch::TensorOptions().device(device);
  return view(torch::empty({sizes.integers}, options.dtype(torch::kInt)),
              torch::empty({sizes.floats}, options.dtype(torch::kFloat)),
              torch::empty({tokens, active}, options.dtype(torch::kFloat)),
              torch::empty({2}, options.dtype(torch::kFloat)), tokens, experts, active);
}

DeviceRouting DeviceRouting::view(const torch::Tensor& integers, const torch::Tensor& floats,
                                  const torch::Tensor& weights, const torch::Tensor& losses,
                                  std::int64_t tokens, std::int64_t experts, std::int64_t active) {
  DeviceRouting routing{integers, floats, weights, losses, {}, {}, experts, tokens * active};
  const std::int64_t assignments = tokens * active;
  const std::int64_t tile_entries = router_tiles(static_cast<int>(tokens)) * experts;
  Carver<int> ints(integers.data_ptr<int>());
  Carver<float> reals(floats.data_ptr<float>());
  RouterBuffers& buffers = routing.buffers;
  buffers.selected_experts = ints.take(assignments);
  buffers.weights = weights.defined() ? weights.data_ptr<float>() : nullptr;
  buffers.logsumexp = reals.take(tokens);
  buffers.tile_rank = ints.take(assignments);
  buffers.tile_counts = ints.take(tile_entries);
  buffers.tile_probability_sums = reals.take(tile_entries);
  buffers.tile_z_sums = reals.take(router_tiles(static_cast<int>(tokens)));
  buffers.tile_offsets = ints.take(tile_entries);
  buffers.expert_counts = ints.take(experts);
  buffers.probability_sums = reals.take(experts);
  buffers.expert_offsets = ints.take(experts + 1);
  buffers.losses = losses.defined() ? losses.data_ptr<float>() : nullptr;
  routing.permutation.order = ints.take(assignments);
  routing.permutation.source_token = ints.take(assignments);
  routing.permutation.inverse = ints.take(assignments);
  return routing;
}

ExpertGroups DeviceRouting::groups() const {
  return {buffers.expert_offsets, static_cast<int>(experts), static_cast<int>(rows)};
}

MoeLayerOutput moe_layer(const torch::Tensor& x, const torch::Tensor& logits,
                         const torch::Tensor& gate_up, const torch::Tensor& down,
                         std::int64_t active) {
  require(x.is_cuda() && x.scalar_type() == torch::kBFloat16 && x.dim() == 2,
          "x must be [T, d] bf16 on CUDA");
  require(logits.scalar_type() == torch::kFloat && logits.dim() == 2 && logits.size(0) == x.size(0),
          "logits must be [T, E] fp32");
  require(gate_up.scalar_type() == torch::kBFloat16 && down.scalar_type() == torch::kBFloat16,
          "expert weights must be bf16");
  require(gate_up.dim() == 3 && gate_up.size(0) == logits.size(1) && gate_up.size(1) == x.size(1) &&
              down.dim() == 3 && down.size(0) == logits.size(1) &&
              gate_up.size(2) == 2 * down.size(1) && down.size(2) == x.size(1),
          "weights must be gate_up [E, d, 2n] and down [E, n, d]");
  require(moe_layer_supported(x.size(1), down.size(1), logits.size(1), active),
          "unsupported shape (moe_layer_supported)");
  const variable_list routed = RouterFunction::apply(logits.contiguous(), active);
  const torch::Tensor y =
      ExpertsFunction::apply(x.contiguous(), routed[0], gate_up.contiguous(), down.contiguous(),
                             routed[2], routed[3], active)[0];
  return {y, routed[1][0], routed[1][1]};
}

}  // namespace moescope::kernels

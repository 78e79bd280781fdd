#include "moe_layer_reference.h"

#include "../permute/permute_reference.h"
#include "../router/router_reference.h"

namespace moescope::kernels {

MoeLayerOutput moe_layer_reference(const at::Tensor& x, const at::Tensor& logits,
                                   const at::Tensor& gate, const at::Tensor& up,
                                   const at::Tensor& down, std::int64_t active) {
  const RouterReference routed = router_forward_reference(logits, active);
  const PermutationReference permutation =
      permute_reference(routed.selected_experts, logits.size(1));
  const at::Tensor grouped_x = x.index_select(0, permutation.source_token);
  std::vector<at::Tensor> outputs;
  for (std::int64_t e = 0; e < logits.size(1); ++e) {
    const std::int64_t first = permutation.expert_offsets[e].item<std::int64_t>();
    const at::Tensor rows =
        grouped_x.narrow(0, first, permutation.expert_offsets[e + 1].item<std::int64_t>() - first);
    outputs.push_back((at::silu(rows.mm(gate[e])) * rows.mm(up[e])).mm(down[e]));
  }
  const std::int64_t tokens = x.size(0);
  const at::Tensor token_outputs =
      at::cat(outputs, 0).index_select(0, permutation.inverse).view({tokens, active, -1});
  return {(token_outputs * routed.weights.unsqueeze(2)).sum(1), routed.load_balance, routed.z_loss};
}

}  // namespace moescope::kernels

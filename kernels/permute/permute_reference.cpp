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
      at::cat({at::zeros({1}, flat.options()), at::bincount(flat, {}, experts).cumsum(0)});
  return result;
}

at::Tensor sum_grouped_rows_reference(const at::Tensor& grouped, const at::Tensor& inverse,
                                      std::int64_t active) {
  return grouped.index_select(0, inverse).view({inverse.numel() / active, active, -1}).sum(1);
}

}  // namespace moescope::kernels

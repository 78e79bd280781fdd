#pragma once

// The router after its logits: softmax, top-K and the weights, per token, with the statistics of
// the load-balancing and z losses and the per-expert counts gathered in the same pass. Semantics
// are the reference router's (router_reference.h), which is also the trainer's: with K > 1 the K
// weights are renormalised to sum to 1, with K = 1 the weight stays the raw probability. Experts
// are chosen by their logits (the same order as the probabilities; equal logits go to the lower
// expert index).
//
// Every sum is taken in a fixed order (no floating-point atomics), so results are bitwise
// reproducible. Tokens are handled in tiles of kRouterTileTokens; the per-tile counts and the
// stable rank of each assignment inside its tile are what the permutation (permute/) needs for a
// stable counting sort without a host round trip.

#include <cuda_runtime.h>

#include <cstdint>

namespace moescope::kernels {

constexpr int kRouterTileTokens = 128;
constexpr int kRouterMaxExperts = 1024;
constexpr int kRouterMaxActive = 32;

bool router_shapes_supported(int experts, int active);
inline int router_tiles(int tokens) {
  return (tokens + kRouterTileTokens - 1) / kRouterTileTokens;
}

// Device buffers of the router's forward pass. Sizes: T = tokens, E = experts, K = active,
// tiles = router_tiles(T).
struct RouterBuffers {
  int* selected_experts;         // [T * K], token-major, most probable first
  float* weights;                // [T * K]
  float* logsumexp;              // [T], kept for the backward pass
  int* tile_rank;                // [T * K]: rank of the assignment among its tile's to that expert
  int* tile_counts;              // [tiles * E]
  float* tile_probability_sums;  // [tiles * E]
  float* tile_z_sums;            // [tiles]: sum of logsumexp^2
  int* tile_offsets;             // [tiles * E]: assignments to e in earlier tiles
  int* expert_counts;            // [E]
  float* probability_sums;       // [E]: sum over tokens of each expert's probability
  int* expert_offsets;           // [E + 1]: exclusive scan of the counts
  float* losses;                 // [2]: load balance E * sum_e f_e P_e, z-loss mean(lse^2)
};

void launch_router_forward(const float* logits, int tokens, int experts, int active,
                           const RouterBuffers& buffers, cudaStream_t stream);

// d(logits) from the gradients of the weights [T * K] and of the two losses (device scalars);
// any of the three may be null, meaning zero.
void launch_router_backward(const float* logits, int tokens, int experts, int active,
                            const RouterBuffers& buffers, const float* grad_weights,
                            const float* grad_load_balance, const float* grad_z_loss,
                            float* grad_logits, cudaStream_t stream);

}  // namespace moescope::kernels

#pragma once

#include <vector>

#include "moescope/run/field_problem.h"

namespace moescope {

// A decoder-only MoE transformer as the paper builds it (Appendix A and C): every layer has
// multi-head attention with n_heads * d_head = d_model and an MoE block of `experts` GLU experts,
// `active` of them chosen per token, each with hidden width 4 * d_model / granularity.
// A dense transformer is experts == active == 1 (it then has no router).
struct Architecture {
  int d_model = 0;
  int n_layers = 0;
  int n_heads = 0;
  int vocab = 50432;    // GPT-NeoX tokenizer, the paper's
  int context = 2048;   // the paper's n_ctx
  int experts = 1;      // E, total experts per MoE layer
  int active = 1;       // K, experts chosen per token
  int granularity = 1;  // G, expert size relative to the dense MLP (the paper uses 1 and 2)
  // llm-foundry's MPT models, which the paper trained, share the input embedding with the
  // un-embedding; untied models count the vocabulary matrix twice.
  bool tied_embeddings = true;

  bool operator==(const Architecture&) const = default;
};

// Returns one problem per invalid field, named as in data files (d_model, layers, heads, vocab,
// context, experts, active, granularity); empty when the architecture is usable.
std::vector<FieldProblem> validate(const Architecture& arch);

// S = (E - K) / E.
double sparsity(const Architecture& arch);

// Hidden width of one GLU expert, 4 * d_model / G.
int expert_hidden_width(const Architecture& arch);

// The fewest experts E (with K <= 8 active) that realise sparsity S exactly: S = 0.98 -> E=50,K=1.
// Returns {0, 0} when no such pair exists. The planner, the synthetic grids and the figures build
// their architectures with it.
struct ExpertChoice {
  int experts = 0;
  int active = 0;
};
ExpertChoice experts_for_sparsity(double sparsity);

// The family of shapes the synthetic grids and Figure 7 draw from: widths kFamilyMinWidth ..
// kFamilyMaxWidth in steps of one head (kFamilyHeadDim), depth growing with width at about GPT-3's
// aspect ratio (d_model / n_layers ~ 96, at least 2 layers), the paper's other defaults.
inline constexpr int kFamilyHeadDim = 64;
inline constexpr int kFamilyMinWidth = 128;
inline constexpr int kFamilyMaxWidth = 16384;
Architecture family_shape(int d_model, const ExpertChoice& experts);

}  // namespace moescope

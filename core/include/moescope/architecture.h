#pragma once

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

}  // namespace moescope

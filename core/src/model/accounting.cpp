#include "moescope/model/accounting.h"

namespace moescope {

ParameterCount count_parameters(const Architecture& arch) {
  const double d = arch.d_model;
  const double layers = arch.n_layers;
  const double glu_expert = 3.0 * d * expert_hidden_width(arch);
  ParameterCount count;
  count.attention = layers * 4.0 * d * d;
  count.experts_total = layers * arch.experts * glu_expert;
  count.experts_active = layers * arch.active * glu_expert;
  count.router = arch.experts > 1 ? layers * d * arch.experts : 0.0;
  count.embeddings = (arch.tied_embeddings ? 1.0 : 2.0) * arch.vocab * d;
  count.total = count.attention + count.experts_total + count.router + count.embeddings;
  count.active = count.attention + count.experts_active + count.router + count.embeddings;
  return count;
}

double flops_per_token_eq9(const Architecture& arch, const FlopConstants& k) {
  const double d = arch.d_model;
  const double attention = 4.0 * k.linear * d * d + 2.0 * k.linear * d * arch.context;
  // The paper's aggregated formula prints 12C/(G E_active); its module derivation and its
  // simplified form both give 12 C E_active / G, which is what the experts cost.
  const double experts = 12.0 * k.linear * arch.active * d * d / arch.granularity;
  const double router = arch.experts > 1 ? k.router * d * arch.experts : 0.0;
  const double unembedding = k.linear * arch.vocab * d;
  return arch.n_layers * (attention + experts + router) + unembedding;
}

double flops_per_token_6na(const Architecture& arch) {
  return 6.0 * count_parameters(arch).active;
}

double eq9_to_6na_ratio(const Architecture& arch, const FlopConstants& constants) {
  return flops_per_token_eq9(arch, constants) / flops_per_token_6na(arch);
}

double training_flops_6nad(double active_params, double tokens) {
  return 6.0 * active_params * tokens;
}

}  // namespace moescope

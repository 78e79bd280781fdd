#pragma once

#include <string>
#include <vector>

namespace moescope {

// The paper's law (Eq. 6) is written in total parameters N, but a compute budget fixes tokens
// through the active ones, D = C / (6 N_a). Turning (C, N, S) into D therefore needs N_a(N, S),
// which depends on how models are shaped. This models it for one family of shapes, the one
// MoEScope's default data uses (synthetic_grid.cpp), made continuous so that any N > 0 and any
// S in [0, 1) has a model:
//   - K = 1 active expert of E = 1 / (1 - S) (continuous E), granularity 1;
//   - width d continuous, layers = max(min_layers, d / width_per_layer) (continuous);
//   - per layer, as accounting.h counts it: attention 4 d^2, each expert 12 d^2, a router d E
//     when E > 1; embeddings V d (twice when untied); the context length does not enter.
// The synthetic grid rounds layers to an integer and realises some sparsities with K > 1 (S = 0.25
// is K = 3 of E = 4), so its runs sit near, not on, this family: N_a within 1.2 % for K = 1, about
// 5 % off for S = 0.25, whose three active experts the family cannot express.
struct ModelFamily {
  // Default 50 432, the GPT-NeoX vocabulary the paper used.
  double vocab = 50432;
  // d_model / n_layers; default 96, synthetic_grid.cpp's aspect ratio.
  double width_per_layer = 96;
  // Default 2, synthetic_grid.cpp's shallowest model.
  double min_layers = 2;
  // Default true: the paper's MPT models share the embedding with the un-embedding.
  bool tied_embeddings = true;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// How N_a responds to N and S around one model of the family, for optimisers that follow the
// law's gradient through D = C / (6 N_a).
struct ActiveResponse {
  double width = 0;   // d_model of the model with this N and S
  double active = 0;  // N_a
  // d ln N_a / d ln N at fixed S: 1 for dense models, near 1 for sparse ones.
  double total_elasticity = 0;
  // d ln N_a / d S at fixed N: negative, since a sparser model of the same size activates less.
  double sparsity_slope = 0;
};

class ActiveParameterModel {
 public:
  // Throws std::invalid_argument with validate()'s messages for an unusable family.
  explicit ActiveParameterModel(const ModelFamily& family);

  // The family of MoEScope's default data: ModelFamily's defaults.
  static ActiveParameterModel paper_family();

  const ModelFamily& family() const { return family_; }

  // N_a of the family's model with `total` parameters and `sparsity`. Throws std::invalid_argument
  // unless total is finite and > 0 and sparsity is in [0, 1).
  double active(double total, double sparsity) const;
  // The inverse: N of the family's model with `active` parameters and `sparsity`. Same domain.
  double total(double active, double sparsity) const;
  // N_a and its derivatives at (total, sparsity). Same domain.
  ActiveResponse response(double total, double sparsity) const;

 private:
  ModelFamily family_;
};

}  // namespace moescope

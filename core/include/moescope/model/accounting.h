#pragma once

#include "moescope/model/architecture.h"

namespace moescope {

// Parameter counts by module, in the paper's convention (Appendix C): weight matrices only;
// normalisation gains, biases and other non-leading terms are left out.
struct ParameterCount {
  double attention = 0;       // 4 d^2 per layer
  double experts_total = 0;   // E * 12 d^2 / G per layer (three d x 4d/G GLU projections)
  double experts_active = 0;  // K * 12 d^2 / G per layer
  double router = 0;          // d * E per layer, only when E > 1
  double embeddings = 0;      // V * d, twice when untied
  double total = 0;           // N
  double active = 0;          // N_a: everything but the unchosen experts
};

// Multiplicative constants of the FLOP estimator: add-multiply operations per parameter for a
// forward and backward pass through a linear layer (C) and through the router (R).
struct FlopConstants {
  double linear = 6;   // C in Appendix C, after Kaplan et al. (2020)
  double router = 14;  // R in Appendix C, after Ludziejewski et al. (2024)
};

ParameterCount count_parameters(const Architecture& arch);

// FLOPs per token of one forward and backward pass, the paper's Eq. 9 before its simplification:
// n_layers * (4 C d^2 + 2 C d n_ctx + 12 C K d^2 / G + R d E) + C V d. The router term is kept
// (and is zero for a dense model, which has no router).
double flops_per_token_eq9(const Architecture& arch, const FlopConstants& constants = {});

// The 6 N_a estimator of FLOPs per token.
double flops_per_token_6na(const Architecture& arch);

// Eq. 9 over 6 N_a, the quantity of the paper's Figure 7.
double eq9_to_6na_ratio(const Architecture& arch, const FlopConstants& constants = {});

// C = 6 N_a D.
double training_flops_6nad(double active_params, double tokens);

}  // namespace moescope

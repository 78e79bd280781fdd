#pragma once

namespace moescope {

// The paper's parametric law with sparsity (Eq. 6):
//   L(N, D, S) = a / N^alpha + b / D^beta + c / (1 - S)^lambda + d / ((1 - S)^delta N^gamma) + e
// with N total parameters, D training tokens and S sparsity.
struct SparsityLaw {
  double a = 0, b = 0, c = 0, d = 0, e = 0;
  double alpha = 0, beta = 0, gamma = 0, lambda = 0, delta = 0;

  // The coefficients the paper fitted (Table 3).
  static SparsityLaw table3();

  double loss(double total_params, double tokens, double sparsity) const;
};

}  // namespace moescope

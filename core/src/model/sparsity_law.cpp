#include "moescope/model/sparsity_law.h"

#include <cmath>

namespace moescope {

SparsityLaw SparsityLaw::table3() {
  SparsityLaw law;
  law.a = 16612.50;
  law.b = 5455.67;
  law.c = 0.4598;
  law.d = 17.26;
  law.e = 0.94;
  law.alpha = 0.5962;
  law.beta = 0.3954;
  law.gamma = 0.1595;
  law.lambda = -0.1666;
  law.delta = 0.1603;
  return law;
}

double SparsityLaw::loss(double total_params, double tokens, double sparsity) const {
  const double dense_fraction = 1.0 - sparsity;
  return a / std::pow(total_params, alpha) + b / std::pow(tokens, beta) +
         c / std::pow(dense_fraction, lambda) +
         d / (std::pow(dense_fraction, delta) * std::pow(total_params, gamma)) + e;
}

}  // namespace moescope

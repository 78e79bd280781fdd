#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "moescope/fit/law_fit.h"

namespace moescope::law_fit_detail {

// The optimiser's coordinates, in this order (see LawForm):
//   Chinchilla: log_A, log_B, log_E, alpha, beta
//   Abnar:      log_a, log_b, log_c, log_d, log_e, alpha, beta, gamma, lambda, delta
inline constexpr int kMaxCoordinates = 10;
int coordinate_count(LawForm form);
const std::vector<std::string>& coordinate_names(LawForm form);
FittedLaw law_from_coordinates(LawForm form, const double* coordinates);
// The inverse: writes coordinate_count(law.form) values.
void coordinates_from_law(const FittedLaw& law, double* coordinates);

// The vector instructions the objective uses: the widest the CPU has.
enum class InstructionSet { kBaseline, kAvx2, kAvx512 };

// SUM over points of weight * Huber_delta(log L - log L̂), and its gradient, where log L̂ is the
// log-sum-exp of the law's terms, each linear in the coordinates:
//   Chinchilla: log_A - alpha log N,  log_B - beta log D,  log_E
//   Abnar:      log_a - alpha log N,  log_b - beta log D,  log_c - lambda log(1-S),
//               log_d - delta log(1-S) - gamma log N,  log_e
// The logs of N, D, 1-S and L are taken once, here. An evaluation is one vectorised pass over the
// points (two where a term leaves exp's range, see law_objective.cpp) that allocates nothing and
// writes nothing but its result, so one objective serves every thread.
class LawObjective {
 public:
  LawObjective(LawForm form, const std::vector<ScalingPoint>& points, double huber_delta);

  int coordinates() const { return coordinate_count(form_); }
  std::size_t points() const { return points_; }
  // One weight per point, default 1. A bootstrap replicate weighs each point by the number of
  // times it was drawn, which is the same objective as fitting the drawn sample.
  void set_weights(const std::vector<double>& weights);

  // Returns the objective and writes its gradient (coordinates() values). Where the law
  // overflows the result is NaN or infinite; callers take that as "no step there".
  double evaluate(const double* coordinates, double* gradient) const;

 private:
  LawForm form_;
  double huber_delta_;
  std::size_t points_;
  InstructionSet instruction_set_;
  // Padded with copies of the last point, weighted 0, to a whole number of vector registers.
  std::vector<double> log_params_, log_tokens_, log_dense_fraction_, log_loss_, weight_;
};

}  // namespace moescope::law_fit_detail

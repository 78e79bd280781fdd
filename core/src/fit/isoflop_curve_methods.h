#pragma once

// The two ways isoflop_curves.cpp finds one curve's minimum against one variable (ln N or ln D),
// each in its own file: parabola_minimum.cpp (Hoffmann et al.'s Approach 2) and
// akima_minimum.cpp (Porian et al. 2024).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/numerics/numpy_legacy_normal.h"

namespace moescope {

// The loss's minimum over one variable, with its replicates.
struct AxisMinimum {
  double optimum = 0;  // the variable's value there (parameters or tokens)
  double loss = 0;
  double log_min = 0, log_max = 0;  // the data's range of the variable's ln
  std::optional<Interval> interval;
  std::optional<Interval> loss_interval;
  std::optional<double> log_sd;  // kAkima with replicates only
  std::vector<std::optional<double>> replicates;
  std::size_t dropped = 0;
  double a = 0, b = 0, c = 0;  // kParabola: L = a x^2 + b x + c in x = ln(variable)
};

// Parabolas for two variables of the same points (ln N and ln D), the replicates being the same
// resamples of the points for both: replicate r's N* and D* come from one resample. `second` is
// empty when there is no second variable. Throws FitRefused (kSingularDesign,
// kNoInteriorMinimum) naming the variable ("N", "D") in the message.
struct ParabolaMinima {
  AxisMinimum first;
  std::optional<AxisMinimum> second;
};
ParabolaMinima parabola_minima(const std::vector<double>& first_values,
                               const std::optional<std::vector<double>>& second_values,
                               const std::vector<double>& losses, int replicates,
                               std::uint64_t seed, const std::string& first_name,
                               const std::string& second_name);

// How many distinct values `values` holds, values within 0.1 % being one (as akima_minimum
// merges them).
std::size_t distinct_values(const std::vector<double>& values);

// Porian et al.'s procedure (see CurveMethod::kAkima) for the loss against one variable. Draws
// exactly replicates x (distinct values) normals from `noise`, in NumPy's order (replicate by
// replicate, points in increasing value), whether or not it then refuses, so that the next curve
// sees the stream Porian et al.'s next budget saw. Throws FitRefused (kSingularDesign,
// kNoInteriorMinimum) naming `variable`.
AxisMinimum akima_minimum(const std::vector<double>& values, const std::vector<double>& losses,
                          const CurveFitOptions& options, numerics::NumpyLegacyNormal& noise,
                          const std::string& variable);

}  // namespace moescope

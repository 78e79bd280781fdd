#pragma once

// Chinchilla's form as a generating law and as a user law file with a small start grid, for the
// tests of user-defined laws (their rows, their command line).
#include <cmath>

namespace moescope::testing_support {

// L = E + A / N^alpha + B / D^beta, by default with round numbers near Hoffmann et al.'s.
inline double chinchilla(double n, double d, double a = 400, double b = 2000, double e = 1.7,
                         double alpha = 0.34, double beta = 0.28) {
  return e + a / std::pow(n, alpha) + b / std::pow(d, beta);
}

// The same form as a law file, 32 starts.
inline const char* const kChinchillaLaw = R"({
  "name": "chinchilla-small-grid",
  "expression": "E + A / N^alpha + B / D^beta",
  "parameters": {
    "A": {"init": [100, 1000], "lower": 0, "scale": "log"},
    "B": {"init": [100, 1000], "lower": 0, "scale": "log"},
    "E": {"init": [1, 2], "lower": 0, "scale": "log"},
    "alpha": {"init": [0.2, 0.5], "lower": 0, "upper": 2},
    "beta": {"init": [0.2, 0.5], "lower": 0, "upper": 2}
  }
})";

}  // namespace moescope::testing_support

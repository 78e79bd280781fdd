#pragma once

#include <cstdint>
#include <random>

namespace moescope::numerics {

// Standard normal draws equal to NumPy's legacy generator, np.random.seed(seed) followed by
// np.random.normal(0, 1, ...): a 32-bit Mersenne Twister seeded as MT19937's init_genrand (what
// std::mt19937(seed) does), doubles of 53 random bits from two 32-bit outputs, and Marsaglia's
// polar method, which yields two values per accepted pair and hands out the second one first
// (NumPy's legacy_gauss in numpy/random/src/legacy/legacy-distributions.c).
//
// Why not std::normal_distribution: its algorithm is implementation-defined, and Porian et al.'s
// published exponents and intervals come from this generator with seed 42
// (resolving-scaling-law-discrepancies, analysis.py): with the same stream our Akima method
// reproduces their numbers digit for digit (tests/isoflop_curves_test.cpp). The stream is fixed
// by the seed on every platform, up to the last bit of std::log and std::sqrt.
class NumpyLegacyNormal {
 public:
  explicit NumpyLegacyNormal(std::uint32_t seed) : bits_(seed) {}

  double operator()();

 private:
  // Uniform in [0, 1) with 53 random bits: NumPy's legacy_double.
  double uniform();

  std::mt19937 bits_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace moescope::numerics

#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace moescope::numerics {

// Random index choices for cross-validation and the bootstrap. std::shuffle and
// std::uniform_int_distribution are implementation-defined, so these draw from mt19937_64 bits
// directly: a fit gives the same folds and subsamples for a given seed on every platform.
// Permutations and subsets by the Fisher-Yates shuffle (Knuth, TAOCP vol. 2, 3rd ed., Section
// 3.4.2, Algorithm P); bounded integers by rejection, so that none is favoured.
class SeededSampler {
 public:
  explicit SeededSampler(std::uint64_t seed) : bits_(seed) {}

  // 0 .. count-1 in random order.
  std::vector<std::size_t> permutation(std::size_t count);
  // `size` distinct indices out of 0 .. count-1 (size <= count), in random order.
  std::vector<std::size_t> without_replacement(std::size_t count, std::size_t size);
  // `count` indices out of 0 .. count-1, each drawn independently.
  std::vector<std::size_t> with_replacement(std::size_t count);

 private:
  // Uniform in 0 .. bound-1, by rejection so that no value is favoured.
  std::size_t below(std::size_t bound);

  std::mt19937_64 bits_;
};

}  // namespace moescope::numerics

#include "numerics/seeded_sampling.h"

#include <limits>
#include <numeric>
#include <utility>

namespace moescope::numerics {

std::size_t SeededSampler::below(std::size_t bound) {
  const std::uint64_t range = bound;
  // The largest multiple of `range` that fits; draws at or above it would favour small values.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t draw = bits_();
  while (draw >= limit)
    draw = bits_();
  return static_cast<std::size_t>(draw % range);
}

std::vector<std::size_t> SeededSampler::permutation(std::size_t count) {
  return without_replacement(count, count);
}

std::vector<std::size_t> SeededSampler::without_replacement(std::size_t count, std::size_t size) {
  std::vector<std::size_t> indices(count);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  // A partial Fisher-Yates shuffle: the first `size` slots end up a uniform random subset.
  for (std::size_t i = 0; i < size && i + 1 < count; ++i)
    std::swap(indices[i], indices[i + below(count - i)]);
  indices.resize(size);
  return indices;
}

std::vector<std::size_t> SeededSampler::with_replacement(std::size_t count) {
  std::vector<std::size_t> indices(count);
  for (std::size_t& index : indices)
    index = below(count);
  return indices;
}

}  // namespace moescope::numerics

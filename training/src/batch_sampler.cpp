#include "moescope/training/batch_sampler.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace moescope::training {
namespace {

// SplitMix64's finaliser: a bijective mix whose outputs pass BigCrush for consecutive inputs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t sequence_start(std::uint64_t seed, std::int64_t step, std::int64_t row,
                             std::uint64_t corpus_tokens, int context) {
  const std::uint64_t sequence = static_cast<std::uint64_t>(context) + 1;
  if (corpus_tokens < sequence)
    throw std::invalid_argument("the training split is shorter than one sequence");
  const std::uint64_t starts = corpus_tokens - sequence + 1;
  const std::uint64_t draw =
      mix(mix(mix(seed) ^ static_cast<std::uint64_t>(step)) ^ static_cast<std::uint64_t>(row));
  // The modulo's bias is below starts / 2^64, some 1e-11 for the largest corpus: negligible.
  return draw % starts;
}

void copy_training_rows(std::span<const std::uint8_t> train, std::uint64_t seed, std::int64_t step,
                        std::int64_t first_row, std::int64_t rows, int context, std::uint8_t* out) {
  const std::size_t sequence = static_cast<std::size_t>(context) + 1;
  for (std::int64_t row = 0; row < rows; ++row) {
    const std::uint64_t start = sequence_start(seed, step, first_row + row, train.size(), context);
    std::memcpy(out + static_cast<std::size_t>(row) * sequence, train.data() + start, sequence);
  }
}

std::int64_t validation_windows(std::uint64_t validation_tokens, int context,
                                std::int64_t eval_tokens) {
  if (validation_tokens < static_cast<std::uint64_t>(context) + 1)
    throw std::invalid_argument("the held-out split is shorter than one sequence");
  const auto available =
      static_cast<std::int64_t>((validation_tokens - 1) / static_cast<std::uint64_t>(context));
  return std::clamp<std::int64_t>(eval_tokens / context, 1, available);
}

void copy_validation_rows(std::span<const std::uint8_t> validation, std::int64_t first_window,
                          std::int64_t rows, int context, std::uint8_t* out) {
  const std::size_t sequence = static_cast<std::size_t>(context) + 1;
  for (std::int64_t row = 0; row < rows; ++row) {
    const std::size_t start =
        static_cast<std::size_t>(first_window + row) * static_cast<std::size_t>(context);
    std::memcpy(out + static_cast<std::size_t>(row) * sequence, validation.data() + start,
                sequence);
  }
}

}  // namespace moescope::training

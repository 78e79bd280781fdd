#pragma once

#include <cstdint>
#include <span>

namespace moescope::training {

// Training batches: sequence `row` of optimizer step `step` is context + 1 consecutive tokens
// (the inputs and their next-token targets) starting at a position drawn uniformly from the
// training split by a counter-based generator of (seed, step, row) alone. No sampler state
// exists, so a run resumed at step s draws exactly the batches an uninterrupted run draws.
std::uint64_t sequence_start(std::uint64_t seed, std::int64_t step, std::int64_t row,
                             std::uint64_t corpus_tokens, int context);

// Copies rows [first_row, first_row + rows) of step `step` into `out` (rows x (context + 1)).
void copy_training_rows(std::span<const std::uint8_t> train, std::uint64_t seed, std::int64_t step,
                        std::int64_t first_row, std::int64_t rows, int context, std::uint8_t* out);

// Validation: the held-out split read as consecutive windows of context + 1 tokens, window w
// starting at w * context (every held-out token is predicted once). The number of windows a
// validation pass reads for `eval_tokens` predicted tokens, at least 1 and at most the split's.
std::int64_t validation_windows(std::uint64_t validation_tokens, int context,
                                std::int64_t eval_tokens);

// Copies windows [first_window, first_window + rows) into `out` (rows x (context + 1)).
void copy_validation_rows(std::span<const std::uint8_t> validation, std::int64_t first_window,
                          std::int64_t rows, int context, std::uint8_t* out);

}  // namespace moescope::training

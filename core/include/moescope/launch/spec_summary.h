#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "moescope/architecture.h"
#include "moescope/run.h"

namespace moescope {

// moescope-train's byte-level tokenizer: the vocabulary of a spec that does not give one.
inline constexpr int kTrainerVocabulary = 256;

// What the queue reads of a moescope-train spec file (training/README.md): enough to show a job's
// progress and to record a failed run, without the trainer. Checking the spec is the trainer's
// business; keys it does not know, or gets wrong, are left out here.
struct SpecSummary {
  // When d_model, layers, heads, experts, active, granularity and context are all whole numbers;
  // vocab defaults to kTrainerVocabulary, embeddings are tied (moescope-train's).
  std::optional<Architecture> architecture;
  // "tokens", or "compute" over Eq. 9 FLOPs per token (how moescope-train converts).
  std::optional<double> tokens;
  // floor(tokens / (batch_size * context)), the steps moescope-train runs; 0 when unknown.
  std::int64_t steps = 0;
  HyperParameters hyper;  // lr, warmup_fraction and load_balance, where given
};

// Throws std::runtime_error naming the file when it cannot be read, nests deeper than
// kMaxJsonDepth (json_limits.h) or is not a JSON object.
SpecSummary read_spec_summary(const std::filesystem::path& spec_file);

}  // namespace moescope

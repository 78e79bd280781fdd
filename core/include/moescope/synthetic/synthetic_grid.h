#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moescope/model/sparsity_law.h"
#include "moescope/run/run.h"

namespace moescope {

// A grid of IsoFLOP runs whose losses come from a known law rather than from training: the
// embedded default data until MoEScope's own trained runs exist, and ground truth for the fitters.
//
// For every (budget C, sparsity S) it takes `sizes_per_curve` architectures spread over N_a around
// the law's optimum for that cell, trains each "for" D = C / (6 N_a) tokens, and records
//   loss = law(N, D, S) * exp(noise_sigma * z),   z ~ Normal(0, 1),
// i.e. log-normal noise with a relative standard deviation of about noise_sigma.
// The options' bounds (validate() refuses anything outside them): budgets of at least 1e15 FLOPs
// (the smallest models of the grid need that much), at most 1000 models per curve (the grid has
// 255 widths, so more only repeat them), a span up to 1e6 either side of the optimum and noise
// below 0.5.
inline constexpr double kMinSyntheticBudget = 1e15;
inline constexpr int kMaxSyntheticSizesPerCurve = 1000;
inline constexpr double kMaxSyntheticSizeSpan = 1e6;
inline constexpr double kMaxSyntheticNoise = 0.5;

struct SyntheticGridOptions {
  // Default: the paper's budgets (Appendix D) and sparsities (Table 1).
  std::vector<double> budgets = {3e19, 6e19, 1e20, 3e20, 1e21};
  std::vector<double> sparsities = {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98};
  // Models per IsoFLOP curve; default 7.
  int sizes_per_curve = 7;
  // The curve spans N_a* / size_span .. N_a* x size_span; default 8 (almost two decades).
  double size_span = 8.0;
  // Relative noise on the loss; default 0.005 (~0.013 nats at L = 2.6).
  double noise_sigma = 0.005;
  // Seed of the noise; the generator is deterministic for a given seed on every platform.
  std::uint64_t seed = 20250301;
  // Default: Table 3.
  SparsityLaw law = SparsityLaw::table3();

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// Throws std::invalid_argument with validate()'s messages for bad options.
std::vector<Run> generate_synthetic_grid(const SyntheticGridOptions& options);

}  // namespace moescope

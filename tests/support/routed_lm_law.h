#pragma once

// Routed-language-model data of the kind Clark et al., "Unified Scaling Laws for Routed Language
// Models" (ICML 2022) publish: total parameters N, sparsity S and the loss at one token count,
// with no architecture (so no N_a). Their per-run losses are not public; these are drawn from
// their fitted law, Eq. (1) with the saturating expert count of their Eq. (3):
//   log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d,
//   1/Ê = 1 / (E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max,
// N the dense base model's parameters and E the expert count, with the coefficients of their
// S-BASE fit as we recall them (a = -0.082, b = -0.108, c = 0.009, d = 1.104, E_start = 1.847,
// E_max = 314.478). The copies of the paper we could search did not show its coefficient table,
// so treat them as a plausible bilinear-in-logs law of that paper's shape, not as its exact
// numbers; -b / c puts the size where experts stop helping near 10^12 parameters, as the paper
// reports for S-BASE (~900B).
//
// Their models route every other layer (routing frequency 1/2) with top-1 routing: the routed
// feed-forward layers hold 2/3 of a routed layer's parameters, so about 1/3 of the model's, and
// each expert beyond the first adds N_base / 3 (embeddings ignored). S = (E - 1) / E.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace moescope::testing_support {

struct RoutedRun {
  double base_params = 0;   // the dense base model, Clark et al.'s N
  double experts = 1;       // E
  double total_params = 0;  // N = N_base (1 + (E - 1) / 3)
  double sparsity = 0;      // S = (E - 1) / E
  double loss = 0;
};

struct RoutedLaw {
  double a = -0.082, b = -0.108, c = 0.009, d = 1.104;
  double expert_start = 1.847, expert_max = 314.478;

  double saturated_experts(double experts) const {
    const double offset = 1.0 / (1.0 / expert_start - 1.0 / expert_max);
    return 1.0 / (1.0 / (experts - 1.0 + offset) + 1.0 / expert_max);
  }
  double loss(double base_params, double experts) const {
    const double n = std::log10(base_params);
    const double e = std::log10(saturated_experts(experts));
    return std::pow(10.0, a * n + b * e + c * n * e + d);
  }
};

// Their seven base sizes (15M .. 1.3B) times E = 1, 2, 4, .., 128: 56 runs, each loss times
// exp(noise_sigma x a standard normal draw). The normal draws use Box-Muller on mt19937_64 bits
// (std::normal_distribution differs between standard libraries), so the data are the same
// everywhere for a seed.
inline std::vector<RoutedRun> routed_runs(double noise_sigma, std::uint64_t seed) {
  std::mt19937_64 bits(seed);
  const auto uniform = [&bits] { return (static_cast<double>(bits() >> 11) + 0.5) * 0x1.0p-53; };
  const RoutedLaw law;
  std::vector<RoutedRun> runs;
  for (const double base : {15e6, 25e6, 55e6, 130e6, 370e6, 870e6, 1.3e9}) {
    for (double experts = 1; experts <= 128; experts *= 2) {
      // Two draws in a fixed order (the operands of * are evaluated in no fixed order).
      constexpr double kTwoPi = 6.283185307179586;
      const double radius = std::sqrt(-2.0 * std::log(uniform()));
      const double normal = radius * std::cos(kTwoPi * uniform());
      runs.push_back({base, experts, base * (1.0 + (experts - 1.0) / 3.0),
                      (experts - 1.0) / experts,
                      law.loss(base, experts) * std::exp(noise_sigma * normal)});
    }
  }
  return runs;
}

}  // namespace moescope::testing_support

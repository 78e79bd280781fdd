#pragma once

namespace moescope {

// Bounds of moescope-train's budget keys (training/README.md), here so that the planner, which
// writes specs, refuses what the trainer would: a spec's "tokens" lie in (0, 1e18], its "compute"
// in (0, 1e30]. 1e18 tokens are far beyond any run a trainer here makes, and keep every step
// count well inside a 64-bit integer.
inline constexpr double kMaxTrainingTokens = 1e18;
inline constexpr double kMaxTrainingCompute = 1e30;

}  // namespace moescope

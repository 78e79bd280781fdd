#pragma once

namespace moescope::kernels {

// The gate and up weights travel as one matrix [E, d, 2n] whose columns alternate blocks of
// kGateUpInterleave gate columns and the matching up columns, so that one output tile of
// x · W_gu holds both halves of each SwiGLU unit.
constexpr int kGateUpInterleave = 64;

}  // namespace moescope::kernels

#pragma once

namespace moescope::numerics {

// Clears the upper halves of the 256-bit vector registers (vzeroupper) where the CPU has AVX;
// does nothing elsewhere.
//
// Code that uses 256-bit registers and returns without clearing their upper halves (Qt 6.4's
// string hashing, behind every QHash<QString> lookup, is one) leaves the CPU in a state where every
// call from the project's SSE code into libm's AVX builds of exp, log and pow pays a register-state
// transition, until something clears them: on an Intel development machine the read-out's optimum
// search took 24 ms per step instead of 2.4 ms. A caller that runs such code (a GUI thread) calls
// this right before numeric work.
void clear_upper_vector_registers();

}  // namespace moescope::numerics

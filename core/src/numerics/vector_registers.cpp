#include "moescope/numerics/vector_registers.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace moescope::numerics {
namespace {

// Compiled for AVX on its own, so that the rest of the library runs on any x86-64.
__attribute__((target("avx"))) void zero_upper_halves() {
  _mm256_zeroupper();
}

}  // namespace

void clear_upper_vector_registers() {
  static const bool has_avx = __builtin_cpu_supports("avx");
  if (has_avx)
    zero_upper_halves();
}

}  // namespace moescope::numerics
#else
namespace moescope::numerics {

void clear_upper_vector_registers() {}

}  // namespace moescope::numerics
#endif

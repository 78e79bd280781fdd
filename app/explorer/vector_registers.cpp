#include "vector_registers.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace {

// Compiled for AVX on its own, so that the rest of the program runs on any x86-64.
__attribute__((target("avx"))) void zeroUpperHalves() {
  _mm256_zeroupper();
}

}  // namespace

void clearUpperVectorRegisters() {
  static const bool has_avx = __builtin_cpu_supports("avx");
  if (has_avx)
    zeroUpperHalves();
}
#else
void clearUpperVectorRegisters() {}
#endif

#pragma once

// exp and log on several doubles at a time, for the fitting objective's inner loop.
//
// Why not Eigen's array exp/log: the library is built for baseline x86-64 (SSE2), where Eigen's
// double exp and log cost ~4.5 ns per value on the development machine (AMD EPYC, Zen 5), against
// ~1.2 ns with AVX2 and ~0.65 ns with AVX-512, and the multi-start fit spends nearly all its time
// there. These are written once with GCC/Clang vector extensions for any width: a caller compiled
// for AVX-512 (see law_objective.cpp) instantiates them on 8 lanes, one for AVX2 on 4, baseline
// code on 2 (SSE2, or NEON elsewhere). The polynomials are Cephes' (as Eigen's are); measured
// error: 3e-16 relative for exp on [-707, 709], 2e-16 for log on [1e-304, 1e304].

#include <cstddef>
#include <cstdint>
#include <cstring>

// Always inlined, so that each instruction-set variant of a caller gets the code for its own
// instruction set.
#define MOESCOPE_VECTOR_INLINE inline __attribute__((always_inline))

// No vector crosses a call boundary (everything here is always inlined), so the warning that
// wide vectors are returned differently with AVX does not apply. GCC may report it at the end of
// the including file instead, so files that use these silence it for themselves too. Vectors are
// passed by reference, which avoids GCC's (unsilenceable) note on their parameter alignment.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace moescope::numerics::simd {

// Spelled out per width: GCC drops a vector_size attribute whose size depends on a template
// parameter.
template <int Lanes>
struct VectorOf;
template <>
struct VectorOf<2> {
  using type = double __attribute__((vector_size(16)));
};
template <>
struct VectorOf<4> {
  using type = double __attribute__((vector_size(32)));
};
template <>
struct VectorOf<8> {
  using type = double __attribute__((vector_size(64)));
};
template <int Lanes>
using Vec = typename VectorOf<Lanes>::type;

template <typename V>
inline constexpr int kLanesOf = static_cast<int>(sizeof(V) / sizeof(double));

// std::bit_cast, but always inlined: an unoptimised build would otherwise call a baseline
// std::bit_cast with AVX-512 vectors, whose return convention differs from the caller's.
template <typename To, typename From>
MOESCOPE_VECTOR_INLINE To bits_as(const From& from) {
  return __builtin_bit_cast(To, from);
}

template <typename V>
MOESCOPE_VECTOR_INLINE V broadcast(double value) {
  return V{} + value;
}

template <typename V>
MOESCOPE_VECTOR_INLINE V load(const double* values) {
  V vector;
  std::memcpy(&vector, values, sizeof vector);
  return vector;
}

// Conditions are written one `comparison ? a : b` at a time and never kept as mask values. GCC 12
// lowers some mask forms (a mask variable, nested conditionals, `>=` selecting a constant) one
// lane at a time inside these default-target helpers, before they are inlined into the AVX-512
// kernels; this form stays one compare-and-blend. Checked in the kernels' disassembly: their only
// scalar compares are the few after the loop (TermSumRange::safe in law_objective.cpp).

// NaN in `a` gives `b`, as maxpd does; callers rely on NaN reaching the result through their
// other terms.
template <typename V>
MOESCOPE_VECTOR_INLINE V max(const V& a, const V& b) {
  return a > b ? a : b;
}

template <typename V>
MOESCOPE_VECTOR_INLINE V abs(const V& x) {
  using M = decltype(x < x);
  return bits_as<V>(bits_as<M>(x) & INT64_MAX);
}

// A fixed order of additions, so that a result depends on nothing but the inputs and the width.
template <typename V>
MOESCOPE_VECTOR_INLINE double sum(const V& x) {
  double total = 0;
  for (int lane = 0; lane < kLanesOf<V>; ++lane)
    total += x[lane];
  return total;
}

// Adding then subtracting 1.5 * 2^52 rounds to the nearest integer and leaves that integer in
// the low bits of the sum: no float-to-int conversion, which AVX2 lacks for 64-bit integers.
inline constexpr double kRoundingMagic = 6755399441055744.0;
// The same with 2^52 turns a small non-negative integer's bits into its double.
inline constexpr double kTwoToThe52 = 4503599627370496.0;
inline constexpr std::int64_t kTwoToThe52Bits = 0x4330000000000000;

template <typename V>
MOESCOPE_VECTOR_INLINE V exp(const V& argument) {
  using M = decltype(argument < argument);
  // Clamped to where 2^k stays a normal number: exp(-708) ~ 3e-308 stands in for smaller values.
  V x = argument < -708.0 ? broadcast<V>(-708.0) : argument;
  x = x > 709.0 ? broadcast<V>(709.0) : x;
  const V shifted = x * 1.4426950408889634073599 + kRoundingMagic;
  const V k = shifted - kRoundingMagic;
  // Cody-Waite: ln 2 in two parts, so that r = x - k ln 2 is exact to double precision.
  const V r = x - k * 6.93145751953125e-1 - k * 1.42860682030941723212e-6;
  const V rr = r * r;
  const V p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr +
                   9.99999999999999999910e-1);
  const V q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr +
               2.27265548208155028766e-1) *
                  rr +
              2.00000000000000000009e0;
  const V exp_r = 1.0 + 2.0 * p / (q - p);
  const M two_to_k = (bits_as<M>(shifted) + 1023) << 52;
  return exp_r * bits_as<V>(two_to_k);
}

// Natural log of positive normal numbers, NaN for NaN or infinity; other inputs give garbage.
template <typename V>
MOESCOPE_VECTOR_INLINE V log(const V& x) {
  using M = decltype(x < x);
  const M bits = bits_as<M>(x);
  // x = m 2^e with m in [0.5, 1), as frexp gives.
  const M exponent_field = (bits >> 52) & 0x7ff;
  V e = (bits_as<V>(exponent_field | kTwoToThe52Bits) - kTwoToThe52) - 1022.0;
  const V m = bits_as<V>((bits & 0x000fffffffffffff) | 0x3fe0000000000000);
  // Cephes: fold m into [sqrt(1/2), sqrt(2)) and take log(1 + f) = f - f^2/2 + f^3 P(f)/Q(f).
  constexpr double kSqrtHalf = 0.70710678118654752440;
  e = m < kSqrtHalf ? e - 1.0 : e;
  const V f = (m < kSqrtHalf ? m + m : m) - 1.0;
  const V ff = f * f;
  const V p = ((((1.01875663804580931796e-4 * f + 4.97494994976747001425e-1) * f +
                 4.70579119878881725854e0) *
                    f +
                1.44989225341610930846e1) *
                   f +
               1.79368678507819816313e1) *
                  f +
              7.70838733755885391666e0;
  const V q = ((((f + 1.12873587189167450590e1) * f + 4.52279145837532221105e1) * f +
                8.29875266912776603211e1) *
                   f +
               7.11544750618563894466e1) *
                  f +
              2.31251620126765340583e1;
  const V y = f * (ff * p / q) - e * 2.121944400546905827679e-4 - 0.5 * ff;
  const V result = (f + y) + e * 0.693359375;
  // x - x is NaN exactly where x is NaN or infinite, 0 elsewhere.
  return result + (x - x);
}

}  // namespace moescope::numerics::simd

#pragma GCC diagnostic pop

#pragma once

// Comparisons the kernels' tests share (each folder's *_test.cpp and *_reference_test.cpp):
// relative errors against a float64 reference, bitwise equality of two runs, and the closeness of
// two float64 references. ATen only; tensors may live on the GPU.

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>

namespace moescope::kernels::test {

inline const at::TensorOptions kDouble = at::TensorOptions().dtype(at::kDouble);

// |actual - expected| / |expected| in float64; infinite where actual holds a non-finite element
// (an unwritten, poisoned, or overflowed one).
inline double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.detach().to(at::kCPU, at::kDouble);
  const at::Tensor b = expected.detach().to(at::kCPU, at::kDouble);
  if (!a.isfinite().all().item<bool>())
    return INFINITY;
  return (a - b).norm().item<double>() / b.norm().item<double>();
}

inline bool bitwise_equal(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor x = a.detach().cpu().contiguous();
  const at::Tensor y = b.detach().cpu().contiguous();
  return x.nbytes() == y.nbytes() && std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0;
}

// Two float64 results equal but for rounding.
inline bool close(const at::Tensor& actual, const at::Tensor& expected) {
  return at::allclose(actual, expected, 1e-10, 1e-12);
}

}  // namespace moescope::kernels::test

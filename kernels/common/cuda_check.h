#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace moescope::kernels {

// Kernels report failures as exceptions naming the call, so that a bad launch (too much shared
// memory, an invalid configuration) stops the caller at once instead of corrupting later results.
inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Checks the launch just made on this thread (configuration errors; execution errors surface at
// the next synchronising call).
inline void check_launch(const char* kernel) {
  check_cuda(cudaGetLastError(), kernel);
}

#ifdef __CUDACC__
#define MOESCOPE_HOST_DEVICE __host__ __device__
#else
#define MOESCOPE_HOST_DEVICE
#endif

template <class Integer>
MOESCOPE_HOST_DEVICE constexpr Integer ceil_div(Integer numerator, Integer denominator) {
  return (numerator + denominator - 1) / denominator;
}

}  // namespace moescope::kernels

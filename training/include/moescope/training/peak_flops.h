#pragma once

#include <torch/types.h>

namespace moescope::training {

// The bf16 matrix-product throughput a CUDA device reaches, in FLOP/s: the best of several timed
// rounds of 8192^3 products. The reference for MFU, measured rather than read off a data sheet
// (an H100 SXM's sheet says 989e12 dense; clocks and power limits decide what is reached).
double measure_peak_flops(const torch::Device& device);

// The same for the CPU with fp32 1024^3 products on the threads ATen uses: the reference for a
// CPU benchmark's MFU.
double measure_cpu_peak_flops();

}  // namespace moescope::training

// The grouped GEMMs' entries in the kernels' benchmark (benchmark/benchmark_main.cpp): the six
// products of the SwiGLU experts, forward and backward, on the bench's routing. The driver times
// them on the default path (wgmma on Hopper) and again on mma.sync alone.
#include "benchmark/benchmark.h"
#include "grouped_gemm/grouped_gemm.h"

namespace moescope::kernels::bench {

Stage gate_up_forward_stage(KernelBench& b) {
  return {"gate+up GEMM, SwiGLU fused", 4 * b.tk * b.fd * b.fn, b.tk * b.fd * 2 + b.tk * 6 * b.fn,
          [&b] {
            launch_gate_up_forward(bf16(b.x), b.source_token, b.row_weights, b.groups, b.di, b.ni,
                                   bf16(b.gate_up), bf16(b.pre), bf16(b.act), b.stream);
          }};
}

Stage down_forward_stage(KernelBench& b) {
  return {"down GEMM", 2 * b.tk * b.fd * b.fn, b.tk * (b.fn + b.fd) * 2, [&b] {
            launch_down_forward(bf16(b.act), b.groups, b.ni, b.di, bf16(b.down), bf16(b.expert_out),
                                b.stream);
          }};
}

Stage down_backward_data_stage(KernelBench& b) {
  return {"down dX GEMM, SwiGLU and routing-weight backward fused", 2 * b.tk * b.fd * b.fn,
          b.tk * (2 * b.fd + 8 * b.fn + 4), [&b] {
            launch_down_backward_data(bf16(b.grad_y_bf16), b.source_token, b.row_weights, b.groups,
                                      b.di, b.ni, bf16(b.down), bf16(b.pre), bf16(b.grad_pre),
                                      b.grad_weights.data_ptr<float>(),
                                      b.workspace.data_ptr<float>(), b.stream);
          }};
}

Stage down_weight_gradient_stage(KernelBench& b) {
  return {"down dW GEMM, output gradient gathered", 2 * b.tk * b.fd * b.fn,
          b.tk * (b.fn + b.fd) * 2, [&b] {
            launch_weight_gradient(bf16(b.act), nullptr, b.ni, bf16(b.grad_y_bf16), b.source_token,
                                   b.di, b.groups, bf16(b.grad_down), b.stream);
          }};
}

Stage gate_up_weight_gradient_stage(KernelBench& b) {
  return {"gate+up dW GEMM", 4 * b.tk * b.fd * b.fn, b.tk * (b.fd + 2 * b.fn) * 2, [&b] {
            launch_weight_gradient(bf16(b.x), b.source_token, b.di, bf16(b.grad_pre), nullptr,
                                   2 * b.ni, b.groups, bf16(b.grad_gate_up), b.stream);
          }};
}

Stage gate_up_backward_data_stage(KernelBench& b) {
  return {"gate+up dX GEMM", 4 * b.tk * b.fd * b.fn, b.tk * (2 * b.fn + b.fd) * 2, [&b] {
            launch_gate_up_backward_data(bf16(b.grad_pre), b.groups, b.ni, b.di, bf16(b.gate_up),
                                         bf16(b.grad_x_grouped), b.stream);
          }};
}

}  // namespace moescope::kernels::bench

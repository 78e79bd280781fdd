// The permutation's entries in the kernels' benchmark (benchmark/benchmark_main.cpp): the counting
// sort of the router's assignments, the combine back to token order, and the same sum for the
// gradient of the gather.
#include "benchmark/benchmark.h"
#include "permute/permute.h"

namespace moescope::kernels::bench {

Stage permute_stage(KernelBench& b) {
  return {"permute (counting sort)", 0, b.tk * 20, [&b] {
            launch_permute(b.routing.buffers, b.t, b.e, b.k, b.routing.permutation, b.stream);
          }};
}

Stage combine_stage(KernelBench& b) {
  return {"combine (unpermute)", 0, b.tk * b.fd * 2 + b.ft * b.fd * 4.0, [&b] {
            launch_combine(bf16(b.expert_out), b.routing.permutation.inverse, b.t, b.k, b.di,
                           b.y.data_ptr<float>(), b.stream);
          }};
}

Stage sum_grouped_rows_stage(KernelBench& b) {
  return {"sum grouped rows (dx)", 0, b.tk * b.fd * 2 + b.ft * b.fd * 2.0, [&b] {
            launch_sum_grouped_rows(bf16(b.grad_x_grouped), b.routing.permutation.inverse, b.t, b.k,
                                    b.di, bf16(b.grad_x), b.stream);
          }};
}

}  // namespace moescope::kernels::bench

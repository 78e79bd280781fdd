// The router's entries in the kernels' benchmark (benchmark/benchmark_main.cpp): the forward pass
// (softmax, top-K, statistics) and the backward pass to the logits, on the bench's routing.
#include "benchmark/benchmark.h"
#include "router/router.h"

namespace moescope::kernels::bench {

Stage router_forward_stage(KernelBench& b) {
  return {"router forward (softmax, top-K, statistics)", 0, b.ft * b.fe * 4.0 + b.tk * 12, [&b] {
            launch_router_forward(b.logits.data_ptr<float>(), b.t, b.e, b.k, b.routing.buffers,
                                  b.stream);
          }};
}

Stage router_backward_stage(KernelBench& b) {
  return {"router backward", 0, b.ft * b.fe * 8.0, [&b] {
            launch_router_backward(
                b.logits.data_ptr<float>(), b.t, b.e, b.k, b.routing.buffers,
                b.grad_weights.data_ptr<float>(), b.grad_losses.data_ptr<float>(),
                b.grad_losses.data_ptr<float>() + 1, b.grad_logits.data_ptr<float>(), b.stream);
          }};
}

}  // namespace moescope::kernels::bench

#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

namespace moescope::numerics {

// How the caller follows and stops the work; both members are optional. `progress` is called
// from the calling thread only, with the items done and in total.
struct WorkControl {
  std::function<void(std::size_t done, std::size_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
};

// Where a batch of items sits in the fit's progress: the caller sees offset + done of total.
struct ProgressSpan {
  std::size_t offset = 0;
  std::size_t total = 0;
};

// Runs task(worker, item, stop) once for every item in [0, items) on `threads` worker threads
// (fewer if there are fewer items), each claiming the next item from a shared counter. The
// calling thread only waits: every few milliseconds it checks control.cancel and, about every
// 20 ms and once at the end, calls control.progress. A task that runs long must poll `stop`.
//
// Returns false when control.cancel was set, true when every item ran; rethrows the first
// exception a task (or the progress callback) threw. Either way every worker has stopped before
// it returns.
[[nodiscard]] bool parallel_for(
    std::size_t items, int threads, const WorkControl& control, const ProgressSpan& progress,
    const std::function<void(int worker, std::size_t item, const std::atomic<bool>& stop)>& task);

}  // namespace moescope::numerics

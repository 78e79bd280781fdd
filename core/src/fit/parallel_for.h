#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

#include "moescope/fit/fit_control.h"

namespace moescope::law_fit_detail {

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
// Throws FitRefused(kCancelled) when control.cancel was set; rethrows the first exception a task
// (or the progress callback) threw. Either way every worker has stopped before it returns.
void parallel_for(
    std::size_t items, int threads, const FitControl& control, const ProgressSpan& progress,
    const std::function<void(int worker, std::size_t item, const std::atomic<bool>& stop)>& task);

}  // namespace moescope::law_fit_detail

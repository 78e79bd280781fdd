#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

namespace moescope {

// How a caller follows and stops a long fit (the explorer's progress bar and Cancel button).
// Both members are optional. The fit calls `progress` from the thread that called the fit, never
// from a worker, at most every few milliseconds, with the units of work done and in total. When
// `cancel` becomes true the fit stops within a few milliseconds and throws
// FitRefused(kCancelled).
struct FitControl {
  std::function<void(std::size_t done, std::size_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
};

}  // namespace moescope

#include "numerics/parallel_for.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace moescope::numerics {
namespace {

// How often the waiting thread looks at the cancel flag, and how often it reports progress.
constexpr auto kCancelPoll = std::chrono::milliseconds(5);
constexpr auto kProgressInterval = std::chrono::milliseconds(20);

}  // namespace

bool parallel_for(
    std::size_t items, int threads, const WorkControl& control, const ProgressSpan& progress,
    const std::function<void(int worker, std::size_t item, const std::atomic<bool>& stop)>& task) {
  if (control.cancelled())
    return false;
  std::atomic<std::size_t> next_item{0};
  std::atomic<std::size_t> items_done{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable finished;
  int workers_running = 0;
  std::exception_ptr failure;

  const auto work = [&](int worker) {
    try {
      for (;;) {
        const std::size_t item = next_item.fetch_add(1, std::memory_order_relaxed);
        if (item >= items || stop.load(std::memory_order_relaxed))
          break;
        task(worker, item, stop);
        items_done.fetch_add(1, std::memory_order_relaxed);
      }
    } catch (...) {
      const std::lock_guard lock(mutex);
      if (!failure)
        failure = std::current_exception();
      stop = true;
    }
    const std::lock_guard lock(mutex);
    --workers_running;
    finished.notify_one();
  };

  const auto worker_count = static_cast<int>(std::min<std::size_t>(
      static_cast<std::size_t>(std::max(threads, 1)), std::max<std::size_t>(items, 1)));
  std::vector<std::thread> workers;
  workers_running = worker_count;
  try {
    for (int worker = 0; worker < worker_count; ++worker)
      workers.emplace_back(work, worker);
  } catch (...) {
    // No thread to be had: stop those that started, then fail.
    stop = true;
    for (auto& worker : workers)
      worker.join();
    throw;
  }

  const auto report = [&](std::size_t done) {
    if (control.progress)
      control.progress(progress.offset + done, progress.total);
  };
  bool cancelled = false;
  try {
    auto last_report = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    while (!finished.wait_for(lock, kCancelPoll, [&] { return workers_running == 0; })) {
      if (control.cancelled()) {
        cancelled = true;
        stop = true;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report >= kProgressInterval) {
        last_report = now;
        lock.unlock();
        report(items_done.load(std::memory_order_relaxed));
        lock.lock();
      }
    }
  } catch (...) {
    const std::lock_guard lock(mutex);
    if (!failure)
      failure = std::current_exception();
    stop = true;
  }
  for (auto& worker : workers)
    worker.join();
  if (failure)
    std::rethrow_exception(failure);
  if (cancelled || control.cancelled())
    return false;
  report(items);
  return true;
}

}  // namespace moescope::numerics

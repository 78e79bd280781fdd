#include "fit_progress.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace moescope::cli {
namespace {

// A signal handler can only reach static storage.
std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted.store(true);
}

}  // namespace

FitProgress::FitProgress(std::string label)
    : label_(std::move(label)),
      to_terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {
  interrupted.store(false);
  previous_handler_ = std::signal(SIGINT, on_interrupt);
}

FitProgress::~FitProgress() {
  std::signal(SIGINT, previous_handler_);
  if (to_terminal_)
    std::fputs("\r\033[K", stderr);
}

FitControl FitProgress::control() {
  FitControl control;
  control.cancel = &interrupted;
  control.progress = [this](std::size_t done, std::size_t total) { show(done, total); };
  return control;
}

void FitProgress::show(std::size_t done, std::size_t total) {
  if (!to_terminal_ || total == 0)
    return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const double left = fraction > 0 ? seconds * (1.0 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "\r\033[K%s: %zu/%zu (%.0f%%), %.1f s, ~%.0f s left (Ctrl-C cancels)",
               label_.c_str(), done, total, 100.0 * fraction, seconds, left);
  std::fflush(stderr);
}

}  // namespace moescope::cli

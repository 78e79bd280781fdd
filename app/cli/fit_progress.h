#pragma once

#include <chrono>
#include <string>

#include "moescope/fit/fit_control.h"

namespace moescope::cli {

// Follows a long fit from the command line: a progress line on stderr when stderr is a terminal,
// and Ctrl-C turned into a clean cancel (the fit stops and says so) instead of a killed process.
// One at a time: it owns the SIGINT handler while it lives.
class FitProgress {
 public:
  explicit FitProgress(std::string label);
  ~FitProgress();
  FitProgress(const FitProgress&) = delete;
  FitProgress& operator=(const FitProgress&) = delete;

  // Valid while this object lives.
  FitControl control();

 private:
  void show(std::size_t done, std::size_t total);

  std::string label_;
  bool to_terminal_ = false;
  std::chrono::steady_clock::time_point start_;
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace moescope::cli

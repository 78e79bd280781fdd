#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "moescope/run.h"

namespace moescope {

// What a trainer's metrics.jsonl says so far. Each line is one JSON object with an integer "step"
// and a "tokens" count: a training line has "loss" (and "lr", "tokens_per_s"), a validation
// pass has "val_loss". Lines that are neither, and a last line torn by a kill, are skipped, so the
// file can be read while the trainer writes it.
struct MetricsLog {
  std::vector<LossPoint> training;          // (step, tokens, training loss), in file order
  std::vector<LossPoint> validation;        // (step, tokens, validation loss), in file order
  std::optional<double> learning_rate;      // the last training line's "lr"
  std::optional<double> tokens_per_second;  // the last training line's "tokens_per_s"
};

// An empty log when the file does not exist yet.
MetricsLog read_metrics_log(const std::filesystem::path& file);

// How far a job has got, for a progress bar.
struct JobProgress {
  std::int64_t step = 0;                  // the last step any line reports
  double tokens = 0;                      // tokens trained by then
  std::optional<double> loss;             // the last training loss
  std::optional<double> validation_loss;  // the last validation loss
  std::optional<double> tokens_per_second;
  // step / planned_steps, at most 1; nullopt when the plan is unknown (planned_steps <= 0).
  std::optional<double> fraction;
};

JobProgress job_progress(const MetricsLog& log, std::int64_t planned_steps);

}  // namespace moescope

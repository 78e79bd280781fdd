#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "moescope/run.h"
#include "moescope/training/train_spec.h"

namespace moescope::training {

// A line of metrics.jsonl about training: {"step", "tokens", "loss", "aux_loss", "lr",
// "tokens_per_s"}. `step` counts finished optimizer steps, `loss` is the mean language-model
// cross-entropy (nats per token) over the steps since the previous line, `aux_loss` the router
// losses added to it (already scaled by their coefficients).
struct TrainingPoint {
  std::int64_t step = 0;
  double tokens = 0;
  double loss = 0;
  double aux_loss = 0;
  double learning_rate = 0;
  double tokens_per_second = 0;
};

// A line of metrics.jsonl about a validation pass: {"step", "tokens", "val_loss"}.
struct ValidationPoint {
  std::int64_t step = 0;
  double tokens = 0;
  double loss = 0;
};

std::string metrics_line(const TrainingPoint& point);
std::string metrics_line(const ValidationPoint& point);

// Rewrites metrics.jsonl (atomically) without the lines of steps after `step`, and without a
// last line torn by a kill: what a run resumed from the checkpoint of `step` will write again.
void keep_metrics_through(const std::filesystem::path& metrics, std::int64_t step);

// The validation passes recorded in metrics.jsonl, in order.
std::vector<ValidationPoint> read_validation_curve(const std::filesystem::path& metrics);

// How a finished run went; with its spec, everything result.json and run.json hold.
struct TrainOutcome {
  double validation_loss = 0;
  double train_loss = 0;  // the last metrics line's
  double seconds = 0;     // wall-clock time in training steps, summed over restarts
  double tokens_per_second = 0;
  std::optional<double> peak_flops;  // measured bf16 matrix-product peak of a CUDA device
  std::string device;
  std::string precision;
  std::uint64_t corpus_train_tokens = 0;
  std::uint64_t corpus_validation_tokens = 0;
  std::int64_t eval_tokens = 0;  // held-out tokens each validation pass predicts
  std::vector<ValidationPoint> curve;
};

// Repetitions of the training split: trained tokens / tokens in the split.
double epochs(const TrainSpec& spec, std::uint64_t corpus_train_tokens);

// Model FLOP utilisation: 6 N_a tokens/s over the peak.
double model_flop_utilisation(const TrainSpec& spec, double tokens_per_second, double peak_flops);

// result.json: {"format": "moescope-train-result", "version": 1, "val_loss", "train_loss",
// "tokens", "steps", "N", "N_active", "S", "flops" (Eq. 9 x tokens), "flops_6NaD", "seconds",
// "tokens_per_s", "mfu" and "peak_flops" (CUDA only), "device", "precision", "epochs", "corpus":
// {"name", "train_tokens", "validation_tokens"}, "eval_tokens", "architecture": {...},
// "loss_curve": [[step, tokens, val_loss], ...], "spec": {...}}.
std::string result_json(const TrainSpec& spec, const TrainOutcome& outcome);

// The finished run as MoEScope's run model (provenance local, C by Eq. 9, the validation curve
// as its loss curve), named `name` and trained on host `origin`.
Run finished_run(const TrainSpec& spec, const TrainOutcome& outcome, const std::string& name,
                 const std::string& origin);

}  // namespace moescope::training

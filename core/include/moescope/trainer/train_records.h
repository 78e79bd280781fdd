#pragma once

// The records moescope-train leaves in its run directory (training/README.md): metrics.jsonl as
// the run goes and result.json once it has finished. The trainer writes them and the launch queue
// reads them back, through the one format here.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/model/architecture.h"
#include "moescope/run/run.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {

// Where the records lie in a run directory.
std::filesystem::path metrics_file(const std::filesystem::path& run_directory);
std::filesystem::path result_file(const std::filesystem::path& run_directory);

// metrics.jsonl holds one JSON object per line, each with an integer "step" (optimizer steps
// finished) and a "tokens" count.
//
// A line about training: {"step", "tokens", "loss", "aux_loss", "lr", "tokens_per_s"}. `loss` is
// the mean language-model cross-entropy (nats per token) over the steps since the previous line,
// `aux_loss` the router losses added to it (already scaled by their coefficients).
struct TrainingPoint {
  std::int64_t step = 0;
  double tokens = 0;
  double loss = 0;
  double aux_loss = 0;
  double learning_rate = 0;
  double tokens_per_second = 0;
};

// A line about a validation pass: {"step", "tokens", "val_loss"}, a point of the run's loss curve.
using ValidationPoint = LossPoint;

// A line about a downstream task at a validation pass (task_file.h):
// {"step", "tokens", "task", "items", "accuracy", "accuracy_norm", "chance"}. `accuracy` is the
// share of the items whose choice of highest log-likelihood (summed over its bytes; ties to the
// lowest index) is the answer, `accuracy_norm` the same with the log-likelihood per byte of the
// choice (the common "acc_norm"), `chance` the accuracy of guessing: the mean of 1 / choices.
struct TaskPoint {
  std::int64_t step = 0;
  double tokens = 0;
  std::string task;
  std::int64_t items = 0;
  double accuracy = 0;
  double accuracy_norm = 0;
  double chance = 0;
  bool operator==(const TaskPoint&) const = default;
};

std::string metrics_line(const TrainingPoint& point);
std::string metrics_line(const ValidationPoint& point);
std::string metrics_line(const TaskPoint& point);

// The downstream metrics of one validation pass as the run model keeps them: per task an
// accuracy named after the task, and the per-byte variant named "<task>/norm".
std::vector<TaskMetric> task_metrics(const std::vector<TaskPoint>& points);

// The step of a line; nullopt for a line that is none of the above (not a JSON object with an
// integer "step", or nested too deep to walk).
std::optional<std::int64_t> metrics_line_step(std::string_view line);

// What metrics.jsonl says so far. Lines of none of the three kinds, or lacking "tokens" (a task
// line also "items" or "accuracy"), and a last line torn by a kill are skipped, so the file can be
// read while the trainer writes it.
struct MetricsLog {
  std::vector<LossPoint> training;          // (step, tokens, training loss), in file order
  std::vector<ValidationPoint> validation;  // (step, tokens, validation loss), in file order
  std::vector<TaskPoint> downstream;        // downstream tasks at validation passes, in file order
  std::optional<double> learning_rate;      // the last training line's "lr"
  std::optional<double> tokens_per_second;  // the last training line's "tokens_per_s"
};

// An empty log when the file does not exist yet.
MetricsLog read_metrics_log(const std::filesystem::path& file);

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
  std::vector<TaskMetric> downstream;  // of the last validation pass (task_metrics)
};

// Repetitions of the training split: trained tokens / tokens in the split.
double epochs(const TrainSpec& spec, std::uint64_t corpus_train_tokens);

// Model FLOP utilisation: 6 N_a tokens/s over the peak.
double model_flop_utilisation(const TrainSpec& spec, double tokens_per_second, double peak_flops);

// result.json: {"format": "moescope-train-result", "version": 1, "val_loss", "train_loss",
// "tokens", "steps", "N", "N_active", "S", "flops" (Eq. 9 x tokens), "flops_6NaD", "seconds",
// "tokens_per_s", "mfu" and "peak_flops" (CUDA only), "device", "precision", "commit" (the
// trainer's source, version.h's kSourceCommit), "epochs", "corpus":
// {"name", "train_tokens", "validation_tokens"}, "eval_tokens", "architecture": {...},
// "loss_curve": [[step, tokens, val_loss], ...], "downstream": [{"task", "kind": "accuracy",
// "value"}, ...] (the last validation pass's, see task_metrics), "spec": {...}}.
std::string result_json(const TrainSpec& spec, const TrainOutcome& outcome);

// The finished run as MoEScope's run model (provenance local, C by Eq. 9, the validation curve
// as its loss curve, the last pass's downstream metrics), named `name` and trained on host
// `origin`: the trainer's run.json.
Run finished_run(const TrainSpec& spec, const TrainOutcome& outcome, const std::string& name,
                 const std::string& origin);

// What the launch queue reads back of result.json for the run it stores.
struct TrainResult {
  Architecture architecture;
  double total_params = 0;     // "N"
  double active_params = 0;    // "N_active"
  double sparsity = 0;         // "S"
  double tokens = 0;           // "tokens", those of the whole steps trained
  double compute = 0;          // "flops", Eq. 9 x tokens
  double validation_loss = 0;  // "val_loss"
  // lr, warmup_fraction and load_balance of "spec" (the canonical spec, defaults filled in), where
  // given; nullopt when result.json holds no spec object.
  std::optional<HyperParameters> hyper;
  // "downstream", empty when result.json has none (a trainer older than the key, or no tasks).
  std::vector<TaskMetric> downstream;
};

// Throws std::runtime_error naming the file and the key when the file is missing, is not JSON,
// nests deeper than kMaxJsonDepth (json_limits.h), or lacks a key or gives it a value of the wrong
// kind.
TrainResult read_train_result(const std::filesystem::path& file);

}  // namespace moescope

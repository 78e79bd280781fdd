#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "moescope/trainer/task_file.h"
#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"

namespace moescope::training {

class MoeTransformer;

// Downstream evaluation by log-likelihood (training/README.md, "Downstream evaluations"): every
// choice of an item is scored by log p(choice bytes | context bytes) under the model, the sum over
// the choice's bytes (a token is a byte), and the item is right when its highest-scoring choice is
// the answer.

// The tasks of a spec: the shipped ones (kShippedTasks, compiled into the trainer) and task files,
// each cut to its first spec.task_items items. Throws TaskFileError naming the file and line of a
// bad item, or two tasks of one name.
std::vector<Task> load_tasks(const TrainSpec& spec);

// The log-likelihoods of the choices of every item, [item][choice], in nats. Each sequence is the
// context followed by the choice, its left end cut to fit `window` inputs (the model's context):
// the context keeps its end; a choice longer than the window is scored on its first `window`
// bytes. Sequences are sorted by length and run `rows` at a time, padded on the right, which
// causal attention and per-token routing leave without effect on the scored positions.
std::vector<std::vector<double>> choice_log_likelihoods(MoeTransformer& model, const Task& task,
                                                        int window, std::int64_t rows,
                                                        const torch::Device& device);

// The bytes choice_log_likelihoods scores of a choice: min(its length, window).
std::int64_t scored_bytes(const std::string& choice, int window);

// The index of the highest score; ties go to the lowest index.
std::size_t best_choice(const std::vector<double>& scores);

// Accuracy, per-byte accuracy and chance of `task` from its choices' log-likelihoods.
TaskPoint score_task(const Task& task, const std::vector<std::vector<double>>& log_likelihoods,
                     int window);

// A run's tasks, read once at its start, scored at every validation pass.
class DownstreamEvaluator {
 public:
  DownstreamEvaluator(const TrainSpec& spec, const torch::Device& device);

  // One point per task, in the spec's order, at `step` after `tokens` training tokens.
  std::vector<TaskPoint> evaluate(MoeTransformer& model, std::int64_t step, double tokens) const;

 private:
  std::vector<Task> tasks_;
  int window_;
  std::int64_t rows_;
  torch::Device device_;
};

}  // namespace moescope::training

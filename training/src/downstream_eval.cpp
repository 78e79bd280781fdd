#include "moescope/training/downstream_eval.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "moescope/training/shipped_tasks.h"
#include "moescope/training/transformer.h"

namespace moescope::training {
namespace {

// One choice of one item as the model reads it: the tokens of the context's end and the choice,
// and how many of the last ones are the choice's.
struct ScoredSequence {
  std::string bytes;  // inputs are all but the last byte, targets all but the first
  std::int64_t scored = 0;
  std::size_t item = 0;
  std::size_t choice = 0;
};

ScoredSequence sequence_of(const TaskItem& item, std::size_t choice, int window) {
  const std::string& text = item.choices[choice];
  const auto scored = static_cast<std::size_t>(scored_bytes(text, window));
  // window + 1 bytes give window inputs; at least one of them is context.
  const std::size_t kept_context =
      std::min(item.context.size(), static_cast<std::size_t>(window) + 1 - scored);
  ScoredSequence sequence;
  sequence.bytes = item.context.substr(item.context.size() - kept_context) + text.substr(0, scored);
  sequence.scored = static_cast<std::int64_t>(scored);
  sequence.choice = choice;
  return sequence;
}

Task first_items(Task task, std::int64_t items) {
  if (static_cast<std::int64_t>(task.items.size()) > items)
    task.items.resize(static_cast<std::size_t>(items));
  return task;
}

}  // namespace

std::vector<Task> load_tasks(const TrainSpec& spec) {
  std::vector<Task> tasks;
  for (const std::string& entry : spec.tasks) {
    if (entry == kShippedTasks) {
      for (const ShippedTaskFile& file : shipped_task_files()) {
        tasks.push_back(
            parse_task_file(file.text, std::string(file.name),
                            std::string(kShippedTasks) + "/" + std::string(file.name) + ".jsonl"));
      }
      if (shipped_task_files().empty()) {
        throw TaskFileError(std::string(kShippedTasks) +
                            ": this moescope-train was built without them (datasets/tasks/)");
      }
    } else {
      tasks.push_back(read_task_file(entry));
    }
  }
  std::set<std::string> names;
  for (Task& task : tasks) {
    if (!names.insert(task.name).second) {
      throw TaskFileError("tasks: two tasks are named " + task.name +
                          " (a task is named by its file's stem; the shipped ones by theirs)");
    }
    task = first_items(std::move(task), spec.task_items);
  }
  return tasks;
}

std::int64_t scored_bytes(const std::string& choice, int window) {
  return std::min<std::int64_t>(static_cast<std::int64_t>(choice.size()), window);
}

std::vector<std::vector<double>> choice_log_likelihoods(MoeTransformer& model, const Task& task,
                                                        int window, std::int64_t rows,
                                                        const torch::Device& device) {
  std::vector<ScoredSequence> sequences;
  std::vector<std::vector<double>> scores(task.items.size());
  for (std::size_t item = 0; item < task.items.size(); ++item) {
    scores[item].resize(task.items[item].choices.size());
    for (std::size_t choice = 0; choice < task.items[item].choices.size(); ++choice) {
      sequences.push_back(sequence_of(task.items[item], choice, window));
      sequences.back().item = item;
    }
  }
  // Longest first, so that each batch pads little; stable, so the batches are always the same.
  std::stable_sort(sequences.begin(), sequences.end(),
                   [](const ScoredSequence& a, const ScoredSequence& b) {
                     return a.bytes.size() > b.bytes.size();
                   });
  const torch::NoGradGuard no_grad;
  const auto count = static_cast<std::int64_t>(sequences.size());
  for (std::int64_t first = 0; first < count; first += rows) {
    const std::int64_t batch = std::min(rows, count - first);
    const auto length = static_cast<std::int64_t>(sequences[first].bytes.size()) - 1;
    torch::Tensor inputs = torch::zeros({batch, length}, torch::kLong);
    torch::Tensor targets = torch::zeros({batch, length}, torch::kLong);
    torch::Tensor scored = torch::zeros({batch, length}, torch::kDouble);
    auto input_rows = inputs.accessor<std::int64_t, 2>();
    auto target_rows = targets.accessor<std::int64_t, 2>();
    auto scored_rows = scored.accessor<double, 2>();
    for (std::int64_t row = 0; row < batch; ++row) {
      const ScoredSequence& sequence = sequences[static_cast<std::size_t>(first + row)];
      const auto used = static_cast<std::int64_t>(sequence.bytes.size()) - 1;
      for (std::int64_t t = 0; t < used; ++t) {
        input_rows[row][t] = static_cast<unsigned char>(sequence.bytes[t]);
        target_rows[row][t] = static_cast<unsigned char>(sequence.bytes[t + 1]);
        scored_rows[row][t] = t >= used - sequence.scored ? 1.0 : 0.0;
      }
    }
    const torch::Tensor logits = model.forward(inputs.to(device)).logits;
    const torch::Tensor target_log_probs =
        torch::log_softmax(logits, -1).gather(2, targets.to(device).unsqueeze(2)).squeeze(2);
    const torch::Tensor sums =
        (target_log_probs.to(torch::kDouble) * scored.to(device)).sum(1).cpu();  // synchronises
    auto values = sums.accessor<double, 1>();
    for (std::int64_t row = 0; row < batch; ++row) {
      const ScoredSequence& sequence = sequences[static_cast<std::size_t>(first + row)];
      scores[sequence.item][sequence.choice] = values[row];
    }
  }
  return scores;
}

std::size_t best_choice(const std::vector<double>& scores) {
  // max_element keeps the first of equal maxima.
  return static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

TaskPoint score_task(const Task& task, const std::vector<std::vector<double>>& log_likelihoods,
                     int window) {
  TaskPoint point;
  point.task = task.name;
  point.items = static_cast<std::int64_t>(task.items.size());
  double right = 0, right_per_byte = 0, chance = 0;
  for (std::size_t index = 0; index < task.items.size(); ++index) {
    const TaskItem& item = task.items[index];
    const std::vector<double>& scores = log_likelihoods[index];
    std::vector<double> per_byte(scores.size());
    for (std::size_t choice = 0; choice < scores.size(); ++choice)
      per_byte[choice] =
          scores[choice] / static_cast<double>(scored_bytes(item.choices[choice], window));
    right += best_choice(scores) == static_cast<std::size_t>(item.answer);
    right_per_byte += best_choice(per_byte) == static_cast<std::size_t>(item.answer);
    chance += 1.0 / static_cast<double>(scores.size());
  }
  const auto items = static_cast<double>(task.items.size());
  point.accuracy = right / items;
  point.accuracy_norm = right_per_byte / items;
  point.chance = chance / items;
  return point;
}

DownstreamEvaluator::DownstreamEvaluator(const TrainSpec& spec, const torch::Device& device)
    : tasks_(load_tasks(spec)),
      window_(spec.architecture.context),
      rows_(spec.micro_batch_size),
      device_(device) {}

std::vector<TaskPoint> DownstreamEvaluator::evaluate(MoeTransformer& model, std::int64_t step,
                                                     double tokens) const {
  std::vector<TaskPoint> points;
  for (const Task& task : tasks_) {
    TaskPoint point =
        score_task(task, choice_log_likelihoods(model, task, window_, rows_, device_), window_);
    point.step = step;
    point.tokens = tokens;
    points.push_back(std::move(point));
  }
  return points;
}

}  // namespace moescope::training

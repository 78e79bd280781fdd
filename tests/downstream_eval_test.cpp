// Downstream evaluation (training/include/moescope/training/downstream_eval.h): log-likelihoods
// and accuracies against a computation by hand on the same model, the tasks a spec names, the
// shipped tasks and their builder, and a run that writes its downstream metrics.
#include "moescope/training/downstream_eval.h"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "moescope/io/run_table.h"
#include "moescope/training/shipped_tasks.h"
#include "moescope/training/task_builder.h"
#include "moescope/training/trainer.h"
#include "moescope/training/transformer.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope::training {
namespace {

namespace fs = std::filesystem;
using testing_support::TemporaryFolder;

constexpr int kWindow = 16;

Architecture tiny_architecture() {
  Architecture arch;
  arch.d_model = 32;
  arch.n_layers = 2;
  arch.n_heads = 2;
  arch.experts = 4;
  arch.active = 2;
  arch.vocab = kByteVocabulary;
  arch.context = kWindow;
  return arch;
}

// log p(choice | context) one sequence at a time, by the model's forward and log_softmax: the last
// kWindow + 1 bytes of context + choice, the choice's bytes summed (a choice longer than the
// window: its first kWindow bytes after the context's last byte).
double log_likelihood_by_hand(MoeTransformer& model, const std::string& context,
                              const std::string& choice) {
  const std::string scored = choice.substr(0, std::min<std::size_t>(choice.size(), kWindow));
  std::string text = context + scored;
  text = text.substr(text.size() - std::min(text.size(), std::size_t{kWindow} + 1));
  std::vector<std::int64_t> bytes(text.begin(), text.end());
  for (std::int64_t& byte : bytes)
    byte = static_cast<unsigned char>(byte);
  const torch::Tensor tokens = torch::tensor(bytes).unsqueeze(0);
  const auto inputs = tokens.size(1) - 1;
  const torch::NoGradGuard no_grad;
  const torch::Tensor log_probs =
      torch::log_softmax(model.forward(tokens.narrow(1, 0, inputs)).logits, -1)[0];
  double sum = 0;
  for (auto t = inputs - static_cast<std::int64_t>(scored.size()); t < inputs; ++t)
    sum += log_probs[t][tokens[0][t + 1].item<std::int64_t>()].item<double>();
  return sum;
}

std::size_t argmax(const std::vector<double>& values) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best])
      best = i;
  }
  return best;
}

TEST(DownstreamEvalTest, AccuracyIsTheOneComputedByHandFromTheSameLogLikelihoods) {
  torch::manual_seed(11);
  MoeTransformer model(tiny_architecture(), torch::kFloat);
  Task task{"hand", {}};
  const std::vector<std::string> contexts = {
      "The cat sat on the",
      "a",
      "In the beginning God created the heaven and the earth, and",  // longer than the window
      "Hydrogen is a",
      "To be or not to be",
      "Same as",
      "Of or pertaining to",
      "1 2 3 4"};
  const std::vector<std::vector<std::string>> choices = {
      {" mat", " moon", " hat"},
      {"b", "bb", "bbb", "c"},
      {" the earth was without form, and void", " it was good", " light"},  // first > window
      {" gas", " metal"},
      {" that", " this", " is", " the question"},
      {" {Hydrogen}.", " dog"},
      {" the sea", " the land", " air"},
      {" 5", " 6", " five"}};
  for (std::size_t i = 0; i < contexts.size(); ++i)
    task.items.push_back({contexts[i], choices[i], 0});

  // Rows of 3: batches of several lengths, padded.
  const std::vector<std::vector<double>> scores =
      choice_log_likelihoods(model, task, kWindow, 3, torch::Device(torch::kCPU));
  ASSERT_EQ(scores.size(), task.items.size());
  std::vector<std::vector<double>> by_hand(task.items.size());
  for (std::size_t i = 0; i < task.items.size(); ++i) {
    for (const std::string& choice : task.items[i].choices)
      by_hand[i].push_back(log_likelihood_by_hand(model, task.items[i].context, choice));
    ASSERT_EQ(scores[i].size(), by_hand[i].size());
    for (std::size_t c = 0; c < by_hand[i].size(); ++c)
      EXPECT_NEAR(scores[i][c], by_hand[i][c], 1e-4 * std::abs(by_hand[i][c])) << i << "," << c;
  }

  // Answers: the hand argmax for even items, another choice for odd ones, so that the accuracy is
  // one half exactly when the evaluator picks what the hand picks.
  double right_norm = 0;
  for (std::size_t i = 0; i < task.items.size(); ++i) {
    TaskItem& item = task.items[i];
    const std::size_t best = argmax(by_hand[i]);
    item.answer = static_cast<int>(i % 2 == 0 ? best : (best + 1) % item.choices.size());
    std::vector<double> per_byte;
    for (std::size_t c = 0; c < item.choices.size(); ++c) {
      const auto bytes = std::min<double>(static_cast<double>(item.choices[c].size()), kWindow);
      per_byte.push_back(by_hand[i][c] / bytes);
    }
    right_norm += argmax(per_byte) == static_cast<std::size_t>(item.answer);
  }
  const TaskPoint point = score_task(task, scores, kWindow);
  EXPECT_EQ(point.task, "hand");
  EXPECT_EQ(point.items, 8);
  EXPECT_EQ(point.accuracy, 0.5);
  EXPECT_EQ(point.accuracy_norm, right_norm / 8);
  const double chance =
      (1.0 / 3 + 1.0 / 4 + 1.0 / 3 + 1.0 / 2 + 1.0 / 4 + 1.0 / 2 + 1.0 / 3 + 1.0 / 3) / 8;
  EXPECT_DOUBLE_EQ(point.chance, chance);
}

TEST(DownstreamEvalTest, TiesGoToTheLowestIndex) {
  EXPECT_EQ(best_choice({-2.0, -1.0, -1.0}), 1u);
  EXPECT_EQ(best_choice({-1.0, -1.0}), 0u);
}

TEST(DownstreamEvalTest, ASpecsTasksAreReadAndCutToTaskItems) {
  const TemporaryFolder folder("downstream-tasks");
  std::ofstream file(folder.path() / "gcide-headword.jsonl");
  for (int i = 0; i < 5; ++i)
    file << task_file_line({"context " + std::to_string(i), {"a", "b"}, i % 2}) << '\n';
  file.close();
  TrainSpec spec =
      parse_train_spec(testing_support::valid_spec_text(
                           {{"tasks", R"(["gcide-headword.jsonl"])"}, {"task_items", "3"}}),
                       folder.path());
  const std::vector<Task> tasks = load_tasks(spec);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].name, "gcide-headword");
  ASSERT_EQ(tasks[0].items.size(), 3u);
  EXPECT_EQ(tasks[0].items[2].context, "context 2");
  // A file named like a shipped task cannot be evaluated beside them: metrics go by name.
  spec.tasks.push_back("debian-tasks");
  try {
    load_tasks(spec);
    FAIL() << "two tasks of one name were accepted";
  } catch (const TaskFileError& error) {
    EXPECT_NE(std::string(error.what()).find("two tasks are named gcide-headword"),
              std::string::npos)
        << error.what();
  }
}

TEST(ShippedTasksTest, AreBuiltInAndWellFormed) {
  std::set<std::string> names;
  for (const ShippedTaskFile& file : shipped_task_files()) {
    const Task task = parse_task_file(file.text, std::string(file.name), std::string(file.name));
    names.insert(task.name);
    EXPECT_GE(task.items.size(), 400u) << task.name;
    std::vector<int> answers(4);
    for (const TaskItem& item : task.items) {
      EXPECT_EQ(item.choices.size(), 4u) << task.name;
      ++answers[static_cast<std::size_t>(item.answer)];
    }
    // The answer's place is drawn: none of the four holds it much more often than a quarter.
    for (const int count : answers)
      EXPECT_LT(count, static_cast<int>(task.items.size()) * 0.3) << task.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"gcide-continuation", "gcide-headword"}));
}

// A held-out text of two blocks, each beginning and ending inside an entry as the split cuts
// them: only the entries wholly inside a block become items (Beacon, Dagger, Ember), though Alpha
// and Falcon look whole.
TEST(TaskBuilderTest, TakesWholeEntriesOnlyAndIsDeterministic) {
  auto entry = [](const std::string& word, const std::string& definition) {
    return word + " \\" + word + "\\, n. [Etym.]\n   " + definition;
  };
  const std::string first =
      entry("Alpha", "The first letter of the Greek alphabet, used as a sign.") + "\n\n" +
      entry("Beacon", "A signal fire to notify of the approach of an enemy.") + "\n\n" +
      entry("Cutoff", "A device that stops the flow of the liquid in a pipe");
  const std::string second =
      " when closed.\n\n" +
      entry("Dagger", "A short weapon used for stabbing, with a sharp point.") + "\n\n" +
      entry("Ember", "A lighted coal smoldering amid ashes of a dying fire.") + "\n\n" +
      entry("Falcon", "A bird of prey with long pointed wings, trained to hunt.");
  TaskBuildOptions options;
  options.block_bytes = first.size();
  const std::vector<Task> tasks = build_debian_tasks(first + second, options);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].name, "gcide-headword");
  EXPECT_EQ(tasks[1].name, "gcide-continuation");
  ASSERT_EQ(tasks[0].items.size(), 3u);
  std::set<std::string> answers;
  for (const TaskItem& item : tasks[0].items) {
    answers.insert(item.choices[static_cast<std::size_t>(item.answer)]);
    EXPECT_EQ(item.choices.size(), 3u);  // two distractors are all there are
    EXPECT_TRUE(item.context.ends_with(".\n\n   Syn: ")) << item.context;
  }
  EXPECT_EQ(answers, (std::set<std::string>{"beacon", "dagger", "ember"}));
  ASSERT_EQ(tasks[1].items.size(), 3u);
  for (const TaskItem& item : tasks[1].items) {
    const std::string whole = item.context + item.choices[static_cast<std::size_t>(item.answer)];
    EXPECT_TRUE(whole == "   A signal fire to notify of the approach of an enemy." ||
                whole == "   A short weapon used for stabbing, with a sharp point." ||
                whole == "   A lighted coal smoldering amid ashes of a dying fire.")
        << whole;
  }
  const std::vector<Task> again = build_debian_tasks(first + second, options);
  EXPECT_EQ(again[0].items, tasks[0].items);
  EXPECT_EQ(again[1].items, tasks[1].items);
}

// A run with a task file: a task line per validation pass in metrics.jsonl, and the last pass's
// accuracies in result.json and run.json.
TEST(DownstreamRunTest, EveryValidationPassScoresTheTasksAndTheResultKeepsTheLast) {
  const TemporaryFolder folder("downstream-run");
  std::ofstream file(folder.path() / "cloze.jsonl");
  for (int i = 0; i < 6; ++i) {
    file << task_file_line({"And God said, Let there be", {" light", " dark", " fish"}, i % 3})
         << '\n';
  }
  file.close();
  const TrainSpec spec = parse_train_spec(
      R"({"d_model": 32, "layers": 1, "heads": 2, "experts": 4, "active": 2, "granularity": 1,
          "context": 32, "batch_size": 8, "tokens": 1024, "lr": 0.003, "warmup_fraction": 0,
          "seed": 1, "eval_tokens": 1024, "eval_interval": 0, "tasks": ["cloze.jsonl"]})",
      folder.path());
  std::ostringstream log;
  TrainOptions options;
  options.out = folder.path() / "run";
  options.data_folder = fs::path(MOESCOPE_BINARY_DIR) / "training-data";
  options.log = &log;
  train(spec, options);

  const MetricsLog metrics = read_metrics_log(options.out / "metrics.jsonl");
  ASSERT_EQ(metrics.validation.size(), 2u) << log.str();  // steps 0 and 4
  ASSERT_EQ(metrics.downstream.size(), 2u) << log.str();
  for (std::size_t pass = 0; pass < 2; ++pass) {
    EXPECT_EQ(metrics.downstream[pass].step, metrics.validation[pass].step);
    EXPECT_EQ(metrics.downstream[pass].task, "cloze");
    EXPECT_EQ(metrics.downstream[pass].items, 6);
    EXPECT_DOUBLE_EQ(metrics.downstream[pass].chance, 1.0 / 3);
  }
  // Every item is the same question with answers spread evenly: whichever choice the model
  // prefers, a third of the answers are right.
  EXPECT_DOUBLE_EQ(metrics.downstream[1].accuracy, 1.0 / 3);
  const std::vector<TaskMetric> expected = task_metrics({metrics.downstream[1]});
  EXPECT_EQ(read_train_result(options.out / "result.json").downstream, expected);
  const ReadResult run = read_runs(options.out / "run.json");
  ASSERT_EQ(run.runs.size(), 1u);
  EXPECT_EQ(run.runs[0].downstream, expected);
}

}  // namespace
}  // namespace moescope::training

// Downstream task files (core/include/moescope/trainer/task_file.h), the spec's "tasks" and
// "task_items" keys, and the records that carry downstream metrics (metrics.jsonl, result.json,
// run.json) to the queue.
#include "moescope/trainer/task_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using testing_support::TemporaryFolder;
using testing_support::valid_spec_text;

// The message of a refused text, or "accepted".
std::string refusal(std::string_view text) {
  try {
    parse_task_file(text, "task", "t.jsonl");
  } catch (const TaskFileError& error) {
    return error.what();
  }
  return "accepted";
}

TEST(TaskFileTest, ReadsItemsSkippingBlankLinesAndOtherKeys) {
  const Task task = parse_task_file(
      "{\"context\": \"The cat sat on the\", \"choices\": [\" mat\", \" moon\"], \"answer\": 0}\n"
      "\n"
      "{\"id\": 7, \"answer\": 2, \"choices\": [\"a\", \"b\", \"ç\"], \"context\": \"x\"}\n",
      "cloze", "cloze.jsonl");
  EXPECT_EQ(task.name, "cloze");
  ASSERT_EQ(task.items.size(), 2u);
  EXPECT_EQ(task.items[0], (TaskItem{"The cat sat on the", {" mat", " moon"}, 0}));
  EXPECT_EQ(task.items[1], (TaskItem{"x", {"a", "b", "ç"}, 2}));
  // What the writer writes, the reader reads.
  EXPECT_EQ(parse_task_file(task_file_line(task.items[1]), "t", "t").items[0], task.items[1]);
}

TEST(TaskFileTest, RefusesBadItemsNamingTheLineAndKey) {
  const std::string good = R"({"context": "c", "choices": ["a", "b"], "answer": 1})";
  EXPECT_EQ(refusal(good + "\n{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"answer\": 2}"),
            "t.jsonl: line 2: key answer: must be the index of the right choice, an integer from "
            "0 to 1, got 2");
  EXPECT_EQ(refusal(R"({"context": "c", "choices": ["a", "b"], "answer": -1})"),
            "t.jsonl: line 1: key answer: must be the index of the right choice, an integer from "
            "0 to 1, got -1");
  EXPECT_EQ(refusal(R"({"context": "c", "choices": ["a", "b"], "answer": 1.0})"),
            "t.jsonl: line 1: key answer: must be the index of the right choice, an integer from "
            "0 to 1, got 1.0");
  EXPECT_EQ(refusal(R"({"context": "c", "choices": ["a"], "answer": 0})"),
            "t.jsonl: line 1: key choices: must hold from 2 to 64 choices, got 1");
  EXPECT_EQ(refusal(R"({"context": "c", "choices": ["a", 3], "answer": 0})"),
            "t.jsonl: line 1: key choices[1]: must be a string");
  EXPECT_EQ(refusal(R"({"context": "c", "choices": ["a", ""], "answer": 0})"),
            "t.jsonl: line 1: key choices[1]: must not be empty");
  EXPECT_EQ(refusal(R"({"context": "", "choices": ["a", "b"], "answer": 0})"),
            "t.jsonl: line 1: key context: must not be empty: the first byte of a choice is "
            "predicted from it");
  EXPECT_EQ(refusal(R"({"contexts": "c", "choices": ["a", "b"], "answer": 0})"),
            "t.jsonl: line 1: key context: missing (an item is {\"context\", \"choices\", "
            "\"answer\"})");
  EXPECT_EQ(refusal("[1, 2]"),
            "t.jsonl: line 1: must be a JSON object {\"context\", \"choices\", \"answer\"}");
  EXPECT_NE(refusal(good + "\n\n{\"context\": ").find("t.jsonl: line 3: not valid JSON: "),
            std::string::npos);
  EXPECT_EQ(refusal("\n  \n"), "t.jsonl: no items (a task file holds one JSON object per line)");
}

TEST(TaskFileTest, RefusesHostileTextBeforeParsingIt) {
  // Nested far past what the JSON library can walk without overflowing the stack.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(refusal("{\"context\": \"c\", \"choices\": " + deep + "}"),
            "t.jsonl: line 1: arrays and objects nested more than 512 deep (MoEScope's limit) at "
            "column 540, in choices[0][0][0]...");
  EXPECT_EQ(refusal(R"({"context": "c)" + std::string("\xC3\x28") + R"(", "choices": ["a", "b"]})"),
            "t.jsonl: line 1: not UTF-8 (byte 0xC3 at column 15)");
  EXPECT_EQ(refusal(std::string("{\"context\": \"c\0\"}", 17)),
            "t.jsonl: line 1: a NUL byte at column 15: JSON text holds none");
  const std::string huge = R"({"context": ")" + std::string(kMaxTaskLineBytes, 'a') + "\"}";
  EXPECT_EQ(refusal(huge), "t.jsonl: line 1: " + std::to_string(huge.size()) +
                               " bytes, more than the limit of 1048576 per item");
}

TEST(TaskFileTest, AFileIsNamedByItsStemAndMustBeARegularFile) {
  const TemporaryFolder folder("task-file");
  const fs::path file = folder.path() / "my.task.jsonl";
  std::ofstream(file) << R"({"context": "c", "choices": ["a", "b"], "answer": 1})" << '\n';
  const Task task = read_task_file(file);
  EXPECT_EQ(task.name, "my.task");
  EXPECT_EQ(task.items.size(), 1u);
  try {
    read_task_file(folder.path());
    FAIL() << "a folder was read as a task file";
  } catch (const TaskFileError& error) {
    EXPECT_EQ(std::string(error.what()), folder.path().string() + ": not a regular file");
  }
}

TEST(TaskSpecTest, TheShippedTasksGoWithTheDebianCorpusAndTaskFilesAreConfined) {
  const TemporaryFolder folder("task-spec");
  const TrainSpec debian = parse_train_spec(valid_spec_text(), folder.path());
  EXPECT_EQ(debian.tasks, std::vector<std::string>{"debian-tasks"});
  EXPECT_EQ(debian.task_items, 500);

  std::ofstream(folder.path() / "corpus.txt") << "In the beginning.\n";
  std::ofstream(folder.path() / "cloze.jsonl") << "\n";
  const TrainSpec text =
      parse_train_spec(valid_spec_text({{"corpus", "\"corpus.txt\""}}), folder.path());
  EXPECT_TRUE(text.tasks.empty());

  const TrainSpec both =
      parse_train_spec(valid_spec_text({{"corpus", "\"corpus.txt\""},
                                        {"tasks", "[\"cloze.jsonl\", \"debian-tasks\"]"},
                                        {"task_items", "20"}}),
                       folder.path());
  EXPECT_EQ(both.tasks,
            (std::vector<std::string>{fs::canonical(folder.path() / "cloze.jsonl").string(),
                                      "debian-tasks"}));
  EXPECT_EQ(both.task_items, 20);
  // Both writers keep the tasks, and the spec file leaves out what the reader fills in.
  EXPECT_EQ(parse_train_spec(to_json(both), folder.path()).tasks, both.tasks);
  EXPECT_EQ(parse_train_spec(to_spec_file(both), folder.path()).tasks, both.tasks);
  EXPECT_EQ(to_spec_file(debian).find("tasks"), std::string::npos);

  auto refused = [&](const std::string& tasks) {
    try {
      parse_train_spec(valid_spec_text({{"tasks", tasks}}), folder.path());
    } catch (const SpecError& error) {
      return describe(error);
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused("\"cloze.jsonl\""),
            "tasks: must be a list of task files (or \"debian-tasks\"), got \"cloze.jsonl\"");
  EXPECT_EQ(refused("[\"/etc/passwd\"]"),
            "tasks: \"/etc/passwd\" lies outside " + fs::canonical(folder.path()).string() +
                " (task files must be in the spec's folder; moescope-train --corpus-root DIR "
                "widens it)");
  EXPECT_EQ(refused("[\"cloze.jsonl\", \"./cloze.jsonl\"]"),
            "tasks: \"./cloze.jsonl\" is named twice, or shares its file name \"cloze\" with "
            "another task");
  EXPECT_EQ(refused("[]"), "accepted");  // no task at all
}

TEST(TaskRecordsTest, TaskLinesResultAndRunCarryTheDownstreamMetrics) {
  const TemporaryFolder folder("task-records");
  const TaskPoint point{40, 40960, "gcide-headword", 500, 0.375, 0.4, 0.25};
  {
    std::ofstream metrics(metrics_file(folder.path()));
    metrics << metrics_line(ValidationPoint{40, 40960, 2.5}) << '\n' << metrics_line(point) << '\n';
  }
  const MetricsLog log = read_metrics_log(metrics_file(folder.path()));
  EXPECT_EQ(log.downstream, std::vector<TaskPoint>{point});
  EXPECT_EQ(log.validation.size(), 1u);
  EXPECT_TRUE(log.training.empty());

  const TrainSpec spec = parse_train_spec(valid_spec_text(), folder.path());
  TrainOutcome outcome;
  outcome.validation_loss = 2.5;
  outcome.corpus_train_tokens = 1'000'000;
  outcome.downstream = task_metrics({point});
  const std::vector<TaskMetric> expected = {{"gcide-headword", MetricKind::kAccuracy, 0.375},
                                            {"gcide-headword/norm", MetricKind::kAccuracy, 0.4}};
  EXPECT_EQ(outcome.downstream, expected);
  std::ofstream(result_file(folder.path())) << result_json(spec, outcome);
  EXPECT_EQ(read_train_result(result_file(folder.path())).downstream, expected);
  EXPECT_EQ(finished_run(spec, outcome, "run", "host").downstream, expected);
}

}  // namespace
}  // namespace moescope

// moescope-train's spec (core/include/moescope/trainer/train_spec.h): the strict reader and its
// refusals, hostile specs (issue 13: nesting too deep to walk, seeds a JSON number cannot hold,
// corpora outside the spec's folder), the two writers, and the queue's lenient reader.
#include "moescope/trainer/train_spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "moescope/model/accounting.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using testing_support::TemporaryFolder;
using testing_support::valid_spec_text;

TrainSpec parse(const std::map<std::string, std::string>& changes = {}) {
  return parse_train_spec(valid_spec_text(changes), "/specs");
}

// The keys a refused spec names, or a failure when it is accepted.
std::set<std::string> refused_keys(const std::map<std::string, std::string>& changes) {
  try {
    parse(changes);
  } catch (const SpecError& error) {
    std::set<std::string> keys;
    for (const FieldProblem& problem : error.problems())
      keys.insert(problem.field);
    return keys;
  }
  ADD_FAILURE() << "accepted: " << valid_spec_text(changes);
  return {};
}

// The problems of a refused spec as "key: message" lines, or "accepted".
std::string refusal(const std::string& text, const fs::path& folder,
                    const fs::path& corpus_root = {}) {
  try {
    parse_train_spec(text, folder, corpus_root);
  } catch (const SpecError& error) {
    return describe(error);
  }
  return "accepted";
}

TEST(TrainSpecTest, ReadsTheKeysAndFillsTheDefaults) {
  const TrainSpec spec = parse();
  EXPECT_EQ(spec.architecture.d_model, 64);
  EXPECT_EQ(spec.architecture.n_layers, 2);
  EXPECT_EQ(spec.architecture.experts, 8);
  EXPECT_EQ(spec.architecture.active, 2);
  EXPECT_EQ(spec.architecture.vocab, 256);
  EXPECT_TRUE(spec.architecture.tied_embeddings);
  EXPECT_EQ(spec.steps, 976);  // floor(1e6 / (16 * 64))
  EXPECT_EQ(spec.trained_tokens(), 976.0 * 16 * 64);
  EXPECT_EQ(spec.micro_batch_size, 16);
  EXPECT_EQ(spec.load_balance, 0.01);
  EXPECT_EQ(spec.z_loss, 0.001);
  EXPECT_EQ(spec.weight_decay, 1e-5);
  EXPECT_EQ(spec.corpus, "debian");
  EXPECT_EQ(spec.eval_interval, 98);
  EXPECT_EQ(spec.checkpoint_interval, 49);
  EXPECT_EQ(spec.log_interval, 5);
  EXPECT_EQ(spec.threads, 1);
}

TEST(TrainSpecTest, ComputeBecomesTokensThroughEquationNine) {
  const TrainSpec spec = parse({{"tokens", ""}, {"compute", "1e13"}});
  const double tokens = 1e13 / flops_per_token_eq9(spec.architecture);
  EXPECT_EQ(spec.steps, static_cast<std::int64_t>(std::floor(tokens / (16 * 64))));
  EXPECT_FALSE(spec.tokens.has_value());
}

// (With a corpus file: SpecCorpusTest below, since the file must exist.)
TEST(TrainSpecTest, CanonicalJsonParsesBackToTheSameSpec) {
  const TrainSpec spec = parse({{"device", "\"cpu\""}, {"threads", "2"}});
  const std::string canonical = to_json(spec);
  EXPECT_EQ(to_json(parse_train_spec(canonical, "/elsewhere")), canonical);
  EXPECT_TRUE(spec_differences(canonical, canonical).empty());
}

// The planner writes its specs with to_spec_file: what a file leaves out, the reader fills in as
// it was.
TEST(TrainSpecTest, SpecFileParsesBackToTheSameSpec) {
  const TrainSpec plain = parse();
  EXPECT_EQ(nlohmann::json::parse(to_spec_file(plain)).size(), 14u);  // 8 of the architecture
  const TrainSpec changed = parse({{"tokens", ""},
                                   {"compute", "1e13"},
                                   {"micro_batch_size", "8"},
                                   {"z_loss", "0"},
                                   {"eval_interval", "7"},
                                   {"device", "\"cpu\""},
                                   {"threads", "2"},
                                   {"design", "\"next: S* at C=1e14\""}});
  EXPECT_EQ(changed.design, "next: S* at C=1e14");
  for (const TrainSpec& spec : {plain, changed}) {
    const std::string file = to_spec_file(spec);
    EXPECT_EQ(to_json(parse_train_spec(file, "/elsewhere")), to_json(spec)) << file;
  }
}

TEST(TrainSpecTest, RefusesEachKindOfBadSpecNamingTheKey) {
  using Keys = std::set<std::string>;
  EXPECT_EQ(refused_keys({{"experts_count", "8"}}), Keys{"experts_count"});  // unknown key
  EXPECT_EQ(refused_keys({{"lr", ""}}), Keys{"lr"});                         // missing
  EXPECT_EQ(refused_keys({{"d_model", "\"64\""}}), Keys{"d_model"});         // wrong type
  EXPECT_EQ(refused_keys({{"layers", "2.5"}}), Keys{"layers"});              // not whole
  EXPECT_EQ(refused_keys({{"active", "9"}}), Keys{"active"});                // K > E
  EXPECT_EQ(refused_keys({{"heads", "3"}}), Keys{"heads"});                  // 3 does not divide 64
  EXPECT_EQ(refused_keys({{"heads", "64"}}), Keys{"heads"});                 // odd head size
  EXPECT_EQ(refused_keys({{"granularity", "3"}}), Keys{"granularity"});  // 3 does not divide 256
  EXPECT_EQ(refused_keys({{"compute", "1e13"}}), Keys{"compute"});       // both budgets
  EXPECT_EQ(refused_keys({{"tokens", ""}}), Keys{"tokens"});             // no budget
  EXPECT_EQ(refused_keys({{"tokens", "1000"}}), Keys{"tokens"});         // under one step
  EXPECT_EQ(refused_keys({{"vocab", "50432"}}), Keys{"vocab"});          // not the tokenizer's
  EXPECT_EQ(refused_keys({{"micro_batch_size", "5"}}), Keys{"micro_batch_size"});
  EXPECT_EQ(refused_keys({{"warmup_fraction", "1"}}), Keys{"warmup_fraction"});
  EXPECT_EQ(refused_keys({{"lr", "-0.1"}}), Keys{"lr"});
  EXPECT_EQ(refused_keys({{"device", "\"tpu\""}}), Keys{"device"});
  EXPECT_EQ(refused_keys({{"precision", "\"fp8\""}}), Keys{"precision"});
  EXPECT_EQ(refused_keys({{"eval_tokens", "10"}}), Keys{"eval_tokens"});
  EXPECT_EQ(refused_keys({{"design", "\"two\\nlines\""}}), Keys{"design"});  // one line only
  EXPECT_EQ(refused_keys({{"design", "\"" + std::string(kMaxDesignLength + 1, 'x') + "\""}}),
            Keys{"design"});
  EXPECT_EQ(refused_keys({{"design", "3"}}), Keys{"design"});
  // Every problem at once, not only the first.
  EXPECT_EQ(refused_keys({{"active", "9"}, {"seed", "-1"}, {"typo", "1"}}),
            (Keys{"active", "seed", "typo"}));
}

TEST(TrainSpecTest, RefusesTextThatIsNotAJsonObject) {
  EXPECT_THROW(parse_train_spec("{\"d_model\": 64,", "/"), SpecError);
  EXPECT_THROW(parse_train_spec("[1, 2]", "/"), SpecError);
}

TEST(SpecInputTest, NestingTooDeepToWalkIsRefusedNotACrash) {
  // 100,000 levels overflowed the stack when the refusal dumped the value.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string message = refusal(valid_spec_text({{"seed", deep}}), "/");
  EXPECT_EQ(message.rfind("spec: arrays and objects nested more than 512 deep", 0), 0) << message;
  // The limit itself is accepted as far as nesting goes (and refused for its type).
  const std::string at_limit = std::string(511, '[') + std::string(511, ']');
  EXPECT_EQ(refusal(valid_spec_text({{"seed", at_limit}}), "/").rfind("seed: must be a number", 0),
            0);
  // Brackets inside strings are text, not nesting.
  const std::string in_string = std::string(1, '"').append(1000, '[').append(1, '"');
  EXPECT_EQ(
      refusal(valid_spec_text({{"seed", "1"}, {"device", in_string}}), "/").rfind("device:", 0), 0);
}

TEST(SpecInputTest, ASeedAJsonNumberCannotHoldExactlyIsRefused) {
  auto with_seed = [](const std::string& seed) { return valid_spec_text({{"seed", seed}}); };
  // 2^53 + 1 reads as the double 2^53: two seeds would train the same run.
  EXPECT_EQ(refusal(with_seed("9007199254740993"), "/"),
            "seed: must lie in [0, 9007199254740992], got 9007199254740993");
  EXPECT_EQ(refusal(with_seed("18446744073709551615"), "/"),
            "seed: must lie in [0, 9007199254740992], got 18446744073709551615");
  EXPECT_EQ(parse_train_spec(with_seed("9007199254740992"), "/").seed, std::uint64_t{1} << 53);
  // Written with an exponent or a fraction, 2^53 + 1 arrived as the double 2^53 and was accepted.
  const std::string rounded =
      "seed: must be written as digits (a whole number without fraction or exponent) from 2^53 "
      "on, where a double rounds it; got 9.007199254740992e+15";
  EXPECT_EQ(refusal(with_seed("9.007199254740993e15"), "/"), rounded);
  EXPECT_EQ(refusal(with_seed("9007199254740993.0"), "/"), rounded);
  // Below 2^53 an exponent is exact, and still accepted.
  EXPECT_EQ(parse_train_spec(with_seed("1e6"), "/").seed, 1'000'000u);
}

class SpecCorpusTest : public ::testing::Test {
 protected:
  SpecCorpusTest() {
    fs::create_directories(specs());
    std::ofstream(specs() / "english.txt") << "In the beginning was the word.\n";
    std::ofstream(folder_.path() / "secret.txt") << "root:x:0:0\n";
  }

  fs::path specs() const { return folder_.path() / "specs"; }

  std::string corpus_refusal(const std::string& corpus, const fs::path& corpus_root = {}) const {
    return refusal(valid_spec_text({{"seed", "1"}, {"corpus", "\"" + corpus + "\""}}), specs(),
                   corpus_root);
  }

  TemporaryFolder folder_{"train-spec-corpus"};
};

TEST_F(SpecCorpusTest, ACorpusOutsideTheSpecsFolderIsRefusedBeforeItIsRead) {
  const std::string outside = "corpus: \"../secret.txt\" lies outside " + specs().string() +
                              " (corpus files must be in the spec's folder; moescope-train "
                              "--corpus-root DIR widens it)";
  EXPECT_EQ(corpus_refusal("../secret.txt"), outside);
  EXPECT_EQ(corpus_refusal("/etc/passwd").rfind("corpus: \"/etc/passwd\" lies outside", 0), 0);
  // A link inside the folder is followed to where it points.
  fs::create_symlink(folder_.path() / "secret.txt", specs() / "innocent.txt");
  EXPECT_EQ(corpus_refusal("innocent.txt").rfind("corpus: \"innocent.txt\" lies outside", 0), 0);
  EXPECT_EQ(corpus_refusal("missing.txt"), "corpus: \"missing.txt\": No such file or directory (" +
                                               (specs() / "missing.txt").string() + ")");
  fs::create_directories(specs() / "folder");
  EXPECT_EQ(corpus_refusal("folder"), "corpus: \"folder\" is not a regular file");
  EXPECT_EQ(corpus_refusal("english.txt\\u0000/../../secret.txt"),
            "corpus: must not contain a NUL character");

  const TrainSpec inside =
      parse_train_spec(valid_spec_text({{"seed", "1"}, {"corpus", "\"./english.txt\""}}), specs());
  EXPECT_EQ(inside.corpus, fs::canonical(specs() / "english.txt").string());
  // The canonical spec (an absolute path) parses back to the same spec.
  EXPECT_EQ(to_json(parse_train_spec(to_json(inside), specs())), to_json(inside));
}

TEST_F(SpecCorpusTest, ACorpusRootWidensTheFolderAndNothingElse) {
  EXPECT_EQ(corpus_refusal("../secret.txt", folder_.path()), "accepted");
  EXPECT_EQ(corpus_refusal("/etc/passwd", folder_.path()).rfind("corpus: \"/etc/passwd\" lies", 0),
            0);
  // Devices are not corpora, even under a root that holds them.
  EXPECT_EQ(corpus_refusal("/dev/zero", "/"), "corpus: \"/dev/zero\" is not a regular file");
  EXPECT_EQ(corpus_refusal("english.txt", folder_.path() / "none"),
            "corpus: the corpus root " + (folder_.path() / "none").string() +
                ": No such file or directory");
}

TEST(SpecSummaryTest, ComputeBecomesTokensByEq9) {
  TemporaryFolder folder("moescope-spec");
  const fs::path file = folder.path() / "run.json";
  std::ofstream(file) << R"({"d_model": 64, "layers": 2, "heads": 1, "experts": 4, "active": 1,
    "granularity": 1, "context": 32, "batch_size": 8, "compute": 1e12, "lr": 0.003,
    "warmup_fraction": 0.1, "seed": 0})";
  const SpecSummary summary = read_spec_summary(file);
  // What the trainer reads of the same file.
  const TrainSpec spec = read_train_spec(file);
  ASSERT_TRUE(summary.architecture);
  EXPECT_EQ(*summary.architecture, spec.architecture);
  EXPECT_EQ(summary.architecture->n_heads, 1);
  EXPECT_EQ(summary.architecture->vocab, 256);
  ASSERT_TRUE(summary.tokens);
  EXPECT_DOUBLE_EQ(*summary.tokens, 1e12 / flops_per_token_eq9(spec.architecture));
  EXPECT_EQ(summary.steps, static_cast<std::int64_t>(*summary.tokens / (8 * 32)));
  EXPECT_EQ(summary.steps, spec.steps);
  EXPECT_EQ(summary.hyper.warmup_fraction, 0.1);
  EXPECT_FALSE(summary.hyper.load_balance);
}

}  // namespace
}  // namespace moescope

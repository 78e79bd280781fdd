// The trainer against hostile specs and corpora (issue 13): nesting too deep to walk, seeds a JSON
// number cannot hold, corpora outside the spec's folder, not UTF-8, with NUL bytes or too large,
// and a cache that others cannot read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "moescope/training/corpus.h"
#include "moescope/training/train_spec.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using namespace moescope::training;
using moescope::testing_support::TemporaryFolder;

constexpr const char* kSpecKeys = R"("d_model": 64, "layers": 2, "heads": 2, "experts": 8,
  "active": 2, "granularity": 1, "context": 64, "batch_size": 16, "tokens": 1e6, "lr": 0.003,
  "warmup_fraction": 0.05)";

std::string spec_with(const std::string& more) {
  return std::string("{") + kSpecKeys + ", " + more + "}";
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

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777u;
}

TEST(SpecInputTest, NestingTooDeepToWalkIsRefusedNotACrash) {
  // 100,000 levels overflowed the stack when the refusal dumped the value.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string message = refusal(spec_with("\"seed\": " + deep), "/");
  EXPECT_EQ(message.rfind("spec: arrays and objects nested more than 512 deep", 0), 0) << message;
  // The limit itself is accepted as far as nesting goes (and refused for its type).
  const std::string at_limit = std::string(511, '[') + std::string(511, ']');
  EXPECT_EQ(refusal(spec_with("\"seed\": " + at_limit), "/").rfind("seed: must be a number", 0), 0);
  // Brackets inside strings are text, not nesting.
  const std::string in_string = std::string(1, '"').append(1000, '[').append(1, '"');
  EXPECT_EQ(refusal(spec_with("\"seed\": 1, \"device\": " + in_string), "/").rfind("device:", 0),
            0);
}

TEST(SpecInputTest, ASeedAJsonNumberCannotHoldExactlyIsRefused) {
  // 2^53 + 1 reads as the double 2^53: two seeds would train the same run.
  EXPECT_EQ(refusal(spec_with("\"seed\": 9007199254740993"), "/"),
            "seed: must lie in [0, 9007199254740992], got 9007199254740993");
  EXPECT_EQ(refusal(spec_with("\"seed\": 18446744073709551615"), "/"),
            "seed: must lie in [0, 9007199254740992], got 18446744073709551615");
  EXPECT_EQ(parse_train_spec(spec_with("\"seed\": 9007199254740992"), "/").seed,
            std::uint64_t{1} << 53);
  // Written with an exponent or a fraction, 2^53 + 1 arrived as the double 2^53 and was accepted.
  const std::string rounded =
      "seed: must be written as digits (a whole number without fraction or exponent) from 2^53 "
      "on, where a double rounds it; got 9.007199254740992e+15";
  EXPECT_EQ(refusal(spec_with("\"seed\": 9.007199254740993e15"), "/"), rounded);
  EXPECT_EQ(refusal(spec_with("\"seed\": 9007199254740993.0"), "/"), rounded);
  // Below 2^53 an exponent is exact, and still accepted.
  EXPECT_EQ(parse_train_spec(spec_with("\"seed\": 1e6"), "/").seed, 1'000'000u);
}

class CorpusInputTest : public ::testing::Test {
 protected:
  CorpusInputTest() {
    fs::create_directories(specs());
    std::ofstream(specs() / "english.txt") << "In the beginning was the word.\n";
    std::ofstream(folder_.path() / "secret.txt") << "root:x:0:0\n";
  }

  fs::path specs() const { return folder_.path() / "specs"; }

  std::string corpus_refusal(const std::string& corpus, const fs::path& corpus_root = {}) const {
    return refusal(spec_with("\"seed\": 1, \"corpus\": \"" + corpus + "\""), specs(), corpus_root);
  }

  // prepare_corpus's message, or "accepted".
  std::string preparation_refusal(const fs::path& corpus) const {
    std::ostringstream log;
    try {
      prepare_corpus(corpus.string(), folder_.path() / "cache", log);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "accepted";
  }

  TemporaryFolder folder_{"training-input"};
};

TEST_F(CorpusInputTest, ACorpusOutsideTheSpecsFolderIsRefusedBeforeItIsRead) {
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
      parse_train_spec(spec_with("\"seed\": 1, \"corpus\": \"./english.txt\""), specs());
  EXPECT_EQ(inside.corpus, fs::canonical(specs() / "english.txt").string());
  // The canonical spec (an absolute path) parses back to the same spec.
  EXPECT_EQ(to_json(parse_train_spec(to_json(inside), specs())), to_json(inside));
}

TEST_F(CorpusInputTest, ACorpusRootWidensTheFolderAndNothingElse) {
  EXPECT_EQ(corpus_refusal("../secret.txt", folder_.path()), "accepted");
  EXPECT_EQ(corpus_refusal("/etc/passwd", folder_.path()).rfind("corpus: \"/etc/passwd\" lies", 0),
            0);
  // Devices are not corpora, even under a root that holds them.
  EXPECT_EQ(corpus_refusal("/dev/zero", "/"), "corpus: \"/dev/zero\" is not a regular file");
  EXPECT_EQ(corpus_refusal("english.txt", folder_.path() / "none"),
            "corpus: the corpus root " + (folder_.path() / "none").string() +
                ": No such file or directory");
}

TEST_F(CorpusInputTest, ACorpusThatIsNotUtf8TextIsRefused) {
  const fs::path latin1 = specs() / "latin1.txt";
  std::ofstream(latin1, std::ios::binary) << "caf\xe9 au lait\n";
  EXPECT_EQ(preparation_refusal(latin1),
            "corpus " + latin1.string() +
                ": not UTF-8 text (byte 0xE9 at byte 4); the trainer reads UTF-8 text files");
  const fs::path binary = specs() / "binary.txt";
  std::ofstream(binary, std::ios::binary) << std::string("text\0more", 9);
  EXPECT_EQ(preparation_refusal(binary),
            "corpus " + binary.string() +
                ": a NUL byte at byte 5, which text does not hold; the trainer reads UTF-8 text "
                "files");
  EXPECT_FALSE(fs::exists(folder_.path() / "cache" / "text-")) << "nothing cached";
}

TEST_F(CorpusInputTest, ACorpusOverTheSizeLimitIsRefusedWithoutReadingIt) {
  const fs::path huge = specs() / "huge.txt";
  std::ofstream(huge).close();
  fs::resize_file(huge, kMaxCorpusBytes + 1);  // sparse: no disk, no time
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(preparation_refusal(huge), "corpus " + huge.string() +
                                           ": 1073741825 bytes, more than the limit of 1073741824 "
                                           "(1 GiB)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(CorpusInputTest, TheCacheIsReadableByItsOwnerOnly) {
  const fs::path cache = folder_.path() / "cache";
  std::ostringstream log;
  const CorpusFiles files = prepare_corpus((specs() / "english.txt").string(), cache, log);
  EXPECT_EQ(mode_of(cache), 0700u);
  EXPECT_EQ(mode_of(files.train.parent_path()), 0700u);
  EXPECT_EQ(mode_of(files.train), 0600u);
  EXPECT_EQ(mode_of(files.validation), 0600u);
  EXPECT_EQ(mode_of(cache / ".lock"), 0600u);
}

}  // namespace

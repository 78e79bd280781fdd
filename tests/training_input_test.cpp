// The trainer against hostile corpora (issue 13): not UTF-8, with NUL bytes or too large, and a
// cache that others cannot read. (Hostile specs, corpora outside the spec's folder included:
// train_spec_test.cpp, since the spec is core's.)
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
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using namespace moescope::training;
using moescope::testing_support::TemporaryFolder;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777u;
}

class CorpusInputTest : public ::testing::Test {
 protected:
  CorpusInputTest() {
    fs::create_directories(specs());
    std::ofstream(specs() / "english.txt") << "In the beginning was the word.\n";
  }

  fs::path specs() const { return folder_.path() / "specs"; }

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

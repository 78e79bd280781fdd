// The built-in corpora (debian-v1, debian-v2) built from a small root of unpacked packages shaped
// like the real ones ($MOESCOPE_DEBIAN_ROOT): the text each package gives, the order, the held-out
// split, the manifest, and the refusal of a missing or different package.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "moescope/trainer/task_file.h"
#include "moescope/trainer/train_spec.h"
#include "moescope/training/corpus.h"
#include "moescope/training/debian_sources.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using namespace moescope::training;
using moescope::testing_support::TemporaryFolder;

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

void write_gzip(const fs::path& file, const std::string& text) {
  write(file, text);
  ASSERT_EQ(std::system(("gzip -n -f '" + file.string() + "'").c_str()), 0);
  fs::rename(file.string() + ".gz", file);
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777u;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

// The corpus text again from its splits: every kBlocksPerHeldOut-th block is the held-out one.
std::string rejoined(const CorpusFiles& files) {
  const std::string train = read_all(files.train);
  const std::string validation = read_all(files.validation);
  const std::size_t block = held_out_block_bytes(train.size() + validation.size());
  std::string text;
  std::size_t from_train = 0;
  std::size_t from_validation = 0;
  for (std::size_t index = 0; from_train < train.size() || from_validation < validation.size();
       ++index) {
    if (index % kBlocksPerHeldOut == kBlocksPerHeldOut - 1) {
      text += validation.substr(from_validation, block);
      from_validation += block;
    } else {
      text += train.substr(from_train, block);
      from_train += block;
    }
  }
  return text;
}

class DebianCorpusTest : public ::testing::Test {
 protected:
  DebianCorpusTest() {
    write(root() / "usr/lib/bible.data", "the program below stands in for the real data");
    write(root() / "usr/bin/bible",
          "#!/bin/sh\nprintf 'Genesis 1\\n\\n  1 In the beginning God created the heaven and the "
          "earth.\\n'\n");
    fs::permissions(root() / "usr/bin/bible", fs::perms::owner_all);
    write_gzip(root() / "usr/share/dictd/gcide.dict.dz",
               "Abandon\n   To give up wholly.\n   [1913 Webster]\n");
    for (const DebianTextSource& source : debian_v2_sources())
      add_package(source, source.version);
    ::setenv("MOESCOPE_DEBIAN_ROOT", root().c_str(), 1);
  }
  ~DebianCorpusTest() override { ::unsetenv("MOESCOPE_DEBIAN_ROOT"); }

  // A package's files as the real one lays them out: one file per source, in its format.
  void add_package(const DebianTextSource& source, const std::string& version) {
    const std::string package = source.package;
    write_gzip(root() / "usr/share/doc" / package / "changelog.Debian.gz",
               package + " (" + version + ") unstable; urgency=medium\n\n  * Fixture.\n");
    std::string name = source.patterns.front();
    if (const std::size_t star = name.find('*'); star != std::string::npos)
      name.replace(star, 1, "sample");
    fs::path folder = root() / source.folder;
    if (package == "openjdk-17-doc") {  // its api/ is a link into another package's folder
      const fs::path target = root() / "usr/share/doc/openjdk-17-jre-headless/api";
      fs::create_directories(target);
      fs::create_directories(folder.parent_path());
      if (!fs::is_symlink(folder))
        fs::create_directory_symlink(target, folder);
      folder = target;
    }
    switch (source.reading) {
      case SourceReading::kText:
        write(folder / name, "Prose of " + package + ".");  // no final line break
        break;
      case SourceReading::kGzipText:
        write_gzip(folder / name, "Prose of " + package + ".\n");
        break;
      case SourceReading::kHtml:
        write(folder / name,
              "<html><head><style>p { color: red }</style></head><body>\n"
              "<nav>Contents</nav>\n<p>Prose of " +
                  package + " &amp; its &#x2014; <b>docs</b>.</p>\n</body></html>\n");
        write(folder / ("zz-" + name), "<nav>Contents</nav>\n<p>More of " + package + ".</p>\n");
        break;
      case SourceReading::kWordNetGlosses:
        write(folder / name,
              "  1 This software and database is being provided\n"
              "00001740 03 n 01 entity 0 001 ~ 00001930 n 0000 | Prose of " +
                  package + "  \n");
        break;
    }
    const std::string not_taken = "Übersetzung, nicht Englisch.\n";
    for (const char* left_out : source.left_out) {
      if (source.reading == SourceReading::kGzipText)
        write_gzip(folder / left_out / name, not_taken);
      else
        write(folder / left_out / name, not_taken);
    }
  }

  CorpusFiles prepare(const std::string& corpus, const std::string& cache = "cache") {
    std::ostringstream log;
    return prepare_corpus(corpus, folder_.path() / cache, log);
  }

  fs::path root() const { return folder_.path() / "root"; }

  TemporaryFolder folder_{"debian-corpus"};
};

TEST_F(DebianCorpusTest, VersionTwoIsEveryPackagesProseInOrderTheSameOnEveryBuild) {
  const CorpusFiles files = prepare("debian-v2");
  EXPECT_EQ(files.train.parent_path().filename(), "debian-v2");
  const std::string text = rejoined(files);
  EXPECT_EQ(text.rfind("Genesis 1\n\n  1 In the beginning God created", 0), 0u) << text;
  EXPECT_NE(text.find("To give up wholly."), std::string::npos);
  EXPECT_EQ(text.find("[1913 Webster]"), std::string::npos);
  EXPECT_EQ(text.find("Übersetzung"), std::string::npos);  // translations and tables left out
  EXPECT_EQ(text.find("style"), std::string::npos);
  EXPECT_EQ(text.find("color"), std::string::npos);
  EXPECT_NE(text.find("Prose of perl-doc.\n\n"), std::string::npos);  // a line break added
  EXPECT_NE(text.find("\nProse of wordnet-base\n"), std::string::npos);
  // HTML: tags dropped, entities decoded, each package's repeated navigation kept once.
  EXPECT_NE(text.find("Contents\nProse of postgresql-doc-15 & its — docs.\n\n"
                      "More of postgresql-doc-15.\n"),
            std::string::npos)
      << text;
  const auto html_packages = std::count_if(
      debian_v2_sources().begin(), debian_v2_sources().end(),
      [](const DebianTextSource& source) { return source.reading == SourceReading::kHtml; });
  EXPECT_EQ(count(text, "Contents"), static_cast<std::size_t>(html_packages));
  std::size_t previous = 0;
  for (const DebianTextSource& source : debian_v2_sources()) {
    const std::size_t at = text.find(std::string("Prose of ") + source.package);
    ASSERT_NE(at, std::string::npos) << source.package;
    EXPECT_GT(at, previous) << source.package << " out of order";
    previous = at;
  }
  const std::string manifest = read_all(files.train.parent_path() / "sources.tsv");
  EXPECT_NE(manifest.find("\nperl-doc\t5.36.0-7+deb12u4\t1\t20\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\nlinux-doc-6.1\t6.1.192-3\t1\t"), std::string::npos) << manifest;
  EXPECT_EQ(mode_of(files.train.parent_path()), 0700u);
  EXPECT_EQ(mode_of(files.train), 0600u);
  EXPECT_EQ(mode_of(files.train.parent_path() / "sources.tsv"), 0600u);

  const CorpusFiles again = prepare("debian-v2", "another-cache");
  EXPECT_EQ(read_all(again.train), read_all(files.train));
  EXPECT_EQ(read_all(again.validation), read_all(files.validation));
  EXPECT_FALSE(read_all(files.validation).empty());
}

TEST_F(DebianCorpusTest, AMissingOrDifferentPackageIsRefusedNamingItAndTheAptCommand) {
  for (const DebianTextSource& source : debian_v2_sources()) {
    if (std::string(source.package) == "perl-doc")
      moescope::testing_support::remove_tree(root() / source.folder);
    if (std::string(source.package) == "vim-runtime")
      add_package(source, "2:9.0.0-1");
  }
  fs::remove(root() / "usr/share/dictd/gcide.dict.dz");  // debian-v1's part, named in the same list
  std::string message;
  try {
    prepare("debian-v2");
  } catch (const std::runtime_error& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("perl-doc is not installed under " + root().string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("apt install perl-doc=5.36.0-7+deb12u4"), std::string::npos) << message;
  EXPECT_NE(message.find("vim-runtime is at 2:9.0.0-1, but debian-v2 is defined on "
                         "2:9.0.1378-2+deb12u2: apt install vim-runtime=2:9.0.1378-2+deb12u2"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("dict-gcide is not installed under " + root().string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("MOESCOPE_DEBIAN_ROOT"), std::string::npos) << message;
  EXPECT_EQ(message.find("git-doc"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(folder_.path() / "cache/debian-v2"));
}

TEST_F(DebianCorpusTest, DebianStillNamesTheFirstVersion) {
  const CorpusFiles files = prepare("debian");
  EXPECT_EQ(files.train, prepare("debian-v1").train);
  EXPECT_EQ(files.train.parent_path().filename(), "debian-v1");
  const std::string text = rejoined(files);
  EXPECT_EQ(text,
            "Genesis 1\n\n  1 In the beginning God created the heaven and the earth.\n\n\n"
            "Abandon\n   To give up wholly.\n");
  EXPECT_FALSE(fs::exists(files.train.parent_path() / "sources.tsv"));
}

// A spec names a corpus version; "debian" goes on meaning debian-v1, and each built-in one gets the
// shipped tasks, built from debian-v1's held-out blocks, which debian-v2 holds out too.
TEST(DebianCorpusSpecTest, ASpecNamesAVersionAndAnUnknownOneIsRefused) {
  const TemporaryFolder folder{"debian-corpus-spec"};
  const auto spec_with = [](const std::string& corpus) {
    return R"({"d_model": 64, "layers": 2, "heads": 2, "experts": 8, "active": 2,
               "granularity": 1, "context": 64, "batch_size": 16, "tokens": 1000000,
               "lr": 0.003, "warmup_fraction": 0.05, "seed": 1, "corpus": ")" +
           corpus + "\"}";
  };
  for (const std::string corpus : {"debian", "debian-v1", "debian-v2"}) {
    const moescope::TrainSpec spec = moescope::parse_train_spec(spec_with(corpus), folder.path());
    EXPECT_EQ(spec.corpus, corpus);
    EXPECT_EQ(spec.tasks, std::vector<std::string>{std::string(moescope::kShippedTasks)});
  }
  std::string message;
  try {
    moescope::parse_train_spec(spec_with("debian-v3"), folder.path());
  } catch (const moescope::SpecError& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("corpus"), std::string::npos) << message;
  EXPECT_NE(message.find("debian-v3"), std::string::npos) << message;
}

}  // namespace

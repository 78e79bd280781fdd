#pragma once

// The texts of the built-in corpora, read from Debian packages (training/README.md, "Tokenizer
// and data"); prepare_corpus (corpus.h) caches them as token files.

#include <filesystem>
#include <string>
#include <vector>

namespace moescope::training {

// Where the packages' files are looked for: $MOESCOPE_DEBIAN_ROOT (a folder into which .deb files
// were unpacked with `dpkg -x`, for a machine where they cannot be installed), else "/".
std::filesystem::path debian_root();

// debian-v1: the King James Bible (bible-kjv, read through its `bible` program) followed by GCIDE
// (dict-gcide) without its source lines. Throws std::runtime_error naming a missing package.
std::string debian_v1_text(const std::filesystem::path& root);

// How a source's files become text.
enum class SourceReading {
  kText,            // as they are: light markup (reStructuredText, POD, Vim help, AsciiDoc)
  kGzipText,        // gzip-compressed text, dictd's .dict.dz included
  kHtml,            // tags dropped, entities decoded, lines already seen in the package dropped
  kWordNetGlosses,  // the gloss of each synset, one per line
};

// One package's part of debian-v2.
struct DebianTextSource {
  const char* package;
  const char* version;  // the corpus is defined on this version of the package
  const char* folder;   // under the root, searched recursively; files in byte order of their paths
  std::vector<const char*> patterns;  // fnmatch(3) patterns of the file names taken
  std::vector<const char*> left_out;  // names of subfolders not searched
  SourceReading reading;
};

// debian-v2's sources after debian-v1's text, in this order: Debian 12 main, DFSG-free.
const std::vector<DebianTextSource>& debian_v2_sources();

// debian-v2: debian-v1's text, then each source's files, each followed by a blank line. Files that
// are not UTF-8 or hold a NUL byte are left out. `manifest` receives a tab-separated table: one
// line per package (package, version, files, bytes). Throws std::runtime_error listing every
// package that is missing or at another version, with the apt command that installs it.
std::string debian_v2_text(const std::filesystem::path& root, std::string& manifest);

}  // namespace moescope::training

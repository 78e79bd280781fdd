#include "moescope/trainer/corpus_catalog.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace moescope {

const std::vector<BuiltInCorpus>& built_in_corpora() {
  // debian-v1: the King James Bible and GCIDE without its source lines, 39.8 MB. "debian" is its
  // first name, which every spec and result written before debian-v2 uses: it keeps meaning v1.
  // debian-v2: debian-v1's text, then English prose from 17 more Debian packages, 169.2 MB.
  static const std::vector<BuiltInCorpus> corpora = {
      {"debian", "debian-v1", 39406839, 393216},
      {"debian-v1", "debian-v1", 39406839, 393216},
      {"debian-v2", "debian-v2", 167514471, 1638400},
  };
  return corpora;
}

std::optional<BuiltInCorpus> find_built_in_corpus(std::string_view name) {
  for (const BuiltInCorpus& corpus : built_in_corpora()) {
    if (corpus.name == name)
      return corpus;
  }
  return std::nullopt;
}

std::string built_in_corpus_names() {
  std::string names;
  for (const BuiltInCorpus& known : built_in_corpora())
    names += (names.empty() ? "" : ", ") + std::string(known.name);
  return names;
}

CorpusSize corpus_size(const std::string& corpus) {
  if (const std::optional<BuiltInCorpus> built_in = find_built_in_corpus(corpus)) {
    return {std::string(built_in->folder), static_cast<double>(built_in->train_tokens),
            static_cast<double>(built_in->validation_tokens)};
  }
  std::error_code error;
  const std::filesystem::path path(corpus);
  if (!std::filesystem::is_regular_file(path, error)) {
    throw std::runtime_error("corpus '" + corpus + "': neither a built-in corpus (" +
                             built_in_corpus_names() + ") nor a regular file");
  }
  const double bytes = static_cast<double>(std::filesystem::file_size(path, error));
  if (error)
    throw std::runtime_error("corpus '" + corpus + "': " + error.message());
  // Every 100th block is held out (split_held_out of training/corpus.h).
  return {path.string(), bytes * 0.99, bytes * 0.01};
}

}  // namespace moescope

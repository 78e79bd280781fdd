#pragma once

// The corpora moescope-train builds in, with their sizes, so that a plan can count epochs without
// the trainer or its cache: `moescope train plan`, the explorer's training panel.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// Past this many repetitions of the training data, more epochs stop helping (Muennighoff et al.,
// 2023, "Scaling Data-Constrained Language Models"): the trainer warns past it, the planner
// refuses runs past it unless repeats are allowed.
inline constexpr double kMaxUsefulEpochs = 4.0;

// A corpus the trainer builds from Debian packages (training/README.md). Tokens are bytes.
struct BuiltInCorpus {
  std::string_view name;    // the spec's "corpus" key
  std::string_view folder;  // the folder of its token files in the cache; what a plan reports
  std::int64_t train_tokens = 0;
  std::int64_t validation_tokens = 0;
};

// Each built-in corpus, with its sizes as measured from the token files the trainer writes. A text
// that changes gets a new name (debian-v2 beside debian-v1), so that the runs recorded under a
// name keep their meaning.
const std::vector<BuiltInCorpus>& built_in_corpora();
std::optional<BuiltInCorpus> find_built_in_corpus(std::string_view name);
// Their names for messages: "debian, debian-v1, debian-v2".
std::string built_in_corpus_names();

// What a plan needs of a spec's corpus.
struct CorpusSize {
  std::string name;         // "debian-v1", or the file's path
  double train_tokens = 0;  // the training split the epochs count
  double validation_tokens = 0;
};

// A built-in corpus by name, else a UTF-8 text file by path: its size on disk, since a byte is a
// token. The trainer holds out about 1 % of a file (every 100th block) for validation, so a file's
// epochs are counted against 99 % of its bytes. Throws std::runtime_error naming the corpus when it
// is neither a built-in name nor a regular file.
CorpusSize corpus_size(const std::string& corpus);

}  // namespace moescope

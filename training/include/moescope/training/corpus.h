#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

namespace moescope::training {

// A corpus as token files: one byte per token (the byte-level tokenizer), a training split and a
// fixed held-out split for the validation loss.
struct CorpusFiles {
  std::filesystem::path train;
  std::filesystem::path validation;
};

// Where token files are cached: $MOESCOPE_DATA_DIR, else $XDG_CACHE_HOME/moescope, else
// ~/.cache/moescope.
std::filesystem::path default_data_folder();

// The largest text-file corpus: 1 GiB, 25 times the "debian" corpus. The text is held in memory
// twice while its token files are built.
inline constexpr std::uint64_t kMaxCorpusBytes = std::uint64_t{1} << 30;

// The token files of `corpus` (a built-in corpus of corpus_catalog.h: "debian" = "debian-v1",
// "debian-v2"; or the path of a UTF-8 text file) in `data_folder`, built on first use (progress
// to `log`) and reused afterwards. Safe when several trainers start at once: one builds under a
// lock, and a build killed half-way leaves nothing that is used.
// Folders it creates are for their owner only (0700), and so are its files (0600).
// The built-in corpora are read from Debian packages under debian_root() (debian_sources.h);
// throws std::runtime_error naming a package that is missing or at another version. A text file is
// refused, naming it, unless it is a regular file of at most kMaxCorpusBytes of UTF-8 text without
// NUL bytes (the spec reader has confined its path).
CorpusFiles prepare_corpus(const std::string& corpus, const std::filesystem::path& data_folder,
                           std::ostream& log);

struct SplitText {
  std::string train;
  std::string validation;
};

// The held-out split: the text is cut into blocks of 64 KiB (smaller for a text under 6.4 MB, so
// that there are at least 100) and every 100th block is held out, so the validation text samples
// the whole corpus (the dictionary is alphabetical) rather than its end.
SplitText split_held_out(std::string_view text);

// Every kBlocksPerHeldOut-th block is held out; blocks are held_out_block_bytes of the whole text
// (the last one may be shorter). The held-out split is its blocks end to end, so a reader of it
// (the downstream task builder) knows where one block's text stops joining the next.
inline constexpr std::size_t kBlocksPerHeldOut = 100;
std::size_t held_out_block_bytes(std::size_t text_bytes);

}  // namespace moescope::training

#include "moescope/training/corpus.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "moescope/io/atomic_file.h"
#include "moescope/io/utf8.h"
#include "moescope/trainer/corpus_catalog.h"
#include "moescope/training/debian_sources.h"

namespace moescope::training {
namespace {

namespace fs = std::filesystem;

// The cache may hold a copy of a private text: only its owner may read what this code creates.
constexpr mode_t kPrivateFolder = 0700;
constexpr mode_t kPrivateFile = 0600;

[[noreturn]] void refuse(const fs::path& path, const std::string& why) {
  throw std::runtime_error("corpus " + path.string() + ": " + why);
}

// Closes a descriptor on every path out.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The text of a corpus file, refused unless it is a regular file of at most kMaxCorpusBytes of
// UTF-8 without NUL bytes. It is opened without following a last link (the spec resolved them)
// and without blocking (a FIFO is no text), and never read past the limit, should it grow.
std::string file_text(const fs::path& path) {
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (file.get() < 0)
    refuse(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode))
    refuse(path, "not a regular file");
  const std::string limit = "the limit of " + std::to_string(kMaxCorpusBytes) + " (" +
                            std::to_string(kMaxCorpusBytes >> 30) + " GiB)";
  if (static_cast<std::uint64_t>(info.st_size) > kMaxCorpusBytes)
    refuse(path, std::to_string(info.st_size) + " bytes, more than " + limit);
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      refuse(path, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0)
      break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxCorpusBytes)
      refuse(path, "grew past " + limit + " while read");
  }
  constexpr const char* kText = "; the trainer reads UTF-8 text files";
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos)
    refuse(path,
           "a NUL byte at byte " + std::to_string(nul + 1) + ", which text does not hold" + kText);
  if (const std::size_t bad = invalid_utf8_at(text); bad != std::string::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    refuse(path, std::string("not UTF-8 text (byte ") + byte + " at byte " +
                     std::to_string(bad + 1) + ")" + kText);
  }
  return text;
}

// Creates `folder` and its missing parents for their owner only; folders that exist keep theirs.
void create_private_folders(const fs::path& folder) {
  fs::path partial;
  for (const fs::path& part : folder) {
    partial /= part;
    if (::mkdir(partial.c_str(), kPrivateFolder) != 0 && errno != EEXIST) {
      throw std::runtime_error("corpus: cannot create " + partial.string() + ": " +
                               std::strerror(errno));
    }
  }
}

// FNV-1a: names the cache of a text-file corpus by its content, so an edited file is rebuilt.
std::uint64_t content_hash(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// An exclusive lock on a file, held while this object lives (and dropped by the kernel when the
// process dies, so a killed build never blocks the next one).
class FolderLock {
 public:
  explicit FolderLock(const fs::path& file)
      : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kPrivateFile)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
      throw std::runtime_error("corpus: cannot lock " + file.string());
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_;
};

// The token files of `text` in `folder`, and `manifest` (the sources' versions and sizes) as
// sources.tsv beside them when there is one.
void write_split(const fs::path& folder, const std::string& text, const std::string& manifest,
                 std::ostream& log) {
  const SplitText split = split_held_out(text);
  const fs::path pending = folder.string() + ".pending";
  fs::remove_all(pending);  // left by a build that was killed
  create_private_folders(pending);
  write_file_atomically(pending / "train.u8", split.train, kPrivateFile);
  write_file_atomically(pending / "validation.u8", split.validation, kPrivateFile);
  if (!manifest.empty())
    write_file_atomically(pending / "sources.tsv", manifest, kPrivateFile);
  fs::rename(pending, folder);  // the folder appears complete or not at all
  log << "moescope-train: corpus cached in " << folder.string() << ": " << split.train.size()
      << " training and " << split.validation.size() << " held-out tokens\n";
}

}  // namespace

fs::path default_data_folder() {
  if (const char* data = std::getenv("MOESCOPE_DATA_DIR"); data != nullptr && *data != '\0')
    return data;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache == '/')
    return fs::path(cache) / "moescope";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return fs::path(home) / ".cache" / "moescope";
  return fs::temp_directory_path() / "moescope";
}

std::size_t held_out_block_bytes(std::size_t text_bytes) {
  return std::clamp<std::size_t>(text_bytes / kBlocksPerHeldOut, 1, std::size_t{64} * 1024);
}

SplitText split_held_out(std::string_view text) {
  const std::size_t block = held_out_block_bytes(text.size());
  SplitText split;
  split.train.reserve(text.size());
  for (std::size_t begin = 0, index = 0; begin < text.size(); begin += block, ++index) {
    const std::string_view piece = text.substr(begin, block);
    (index % kBlocksPerHeldOut == kBlocksPerHeldOut - 1 ? split.validation : split.train)
        .append(piece);
  }
  return split;
}

CorpusFiles prepare_corpus(const std::string& corpus, const fs::path& data_folder,
                           std::ostream& log) {
  create_private_folders(data_folder);
  std::string text;
  fs::path folder;
  const std::optional<BuiltInCorpus> built_in = find_built_in_corpus(corpus);
  if (built_in) {
    folder = data_folder / built_in->folder;
  } else {
    text = file_text(corpus);
    char name[32];
    std::snprintf(name, sizeof name, "text-%016llx",
                  static_cast<unsigned long long>(content_hash(text)));
    folder = data_folder / name;
  }
  const CorpusFiles files{folder / "train.u8", folder / "validation.u8"};
  const FolderLock lock(data_folder / ".lock");
  if (fs::exists(folder))
    return files;
  log << "moescope-train: building the token files of corpus " << corpus << " (once)\n";
  std::string manifest;
  if (built_in) {
    const fs::path root = debian_root();
    text = built_in->folder == "debian-v2" ? debian_v2_text(root, manifest) : debian_v1_text(root);
  }
  write_split(folder, text, manifest, log);
  return files;
}

}  // namespace moescope::training

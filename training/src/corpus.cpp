#include "moescope/training/corpus.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "moescope/io/utf8.h"
#include "moescope/io/atomic_file.h"

namespace moescope::training {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDictionary = "/usr/share/dictd/gcide.dict.dz";
constexpr const char* kBibleData = "/usr/lib/bible.data";
// Bumped whenever the text of a cached corpus would change, so old caches are not reused.
constexpr const char* kDebianCorpusFolder = "debian-v1";
// The cache may hold a copy of a private text: only its owner may read what this code creates.
constexpr mode_t kPrivateFolder = 0700;
constexpr mode_t kPrivateFile = 0600;

// Output of a command that reads a Debian package's data (a fixed command line, no user input).
std::string command_output(const std::string& command, const std::string& package) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    throw std::runtime_error("corpus: cannot run " + command);
  std::string output;
  char buffer[1 << 16];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    output.append(buffer, read);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || output.empty()) {
    throw std::runtime_error("corpus: '" + command + "' failed (Debian: apt install " + package +
                             ")");
  }
  return output;
}

// GCIDE ends almost every paragraph with a line naming its source ("[1913 Webster]", "[PJC]"):
// a tenth of the text, the same few strings. They are dropped so the model learns English.
bool is_source_note(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  const auto last = line.find_last_not_of(" \t\r");
  if (first == std::string_view::npos)
    return false;
  const std::string_view trimmed = line.substr(first, last - first + 1);
  return trimmed.size() >= 2 && trimmed.front() == '[' && trimmed.back() == ']' &&
         trimmed.find('[', 1) == std::string_view::npos;
}

std::string without_source_notes(std::string_view text) {
  std::string kept;
  kept.reserve(text.size());
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string_view line = text.substr(begin, end - begin);
    if (!is_source_note(line)) {
      kept.append(line);
      kept.push_back('\n');
    }
    begin = end + 1;
  }
  return kept;
}

std::string debian_text() {
  if (!fs::exists(kBibleData))
    throw std::runtime_error(std::string("corpus: ") + kBibleData +
                             " not found (Debian: apt install bible-kjv)");
  if (!fs::exists(kDictionary))
    throw std::runtime_error(std::string("corpus: ") + kDictionary +
                             " not found (Debian: apt install dict-gcide)");
  // One verse per line: a line width no verse reaches, rather than the terminal's.
  std::string text = command_output("bible -l2000 Genesis1:1-Revelation22:21", "bible-kjv");
  text += "\n\n";
  text += without_source_notes(command_output(std::string("gzip -dc ") + kDictionary, "gzip"));
  return text;
}

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

void write_split(const fs::path& folder, const std::string& text, std::ostream& log) {
  const SplitText split = split_held_out(text);
  const fs::path pending = folder.string() + ".pending";
  fs::remove_all(pending);  // left by a build that was killed
  create_private_folders(pending);
  write_file_atomically(pending / "train.u8", split.train, kPrivateFile);
  write_file_atomically(pending / "validation.u8", split.validation, kPrivateFile);
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

SplitText split_held_out(std::string_view text) {
  constexpr std::size_t kBlocksPerHeldOut = 100;
  const std::size_t block =
      std::clamp<std::size_t>(text.size() / kBlocksPerHeldOut, 1, std::size_t{64} * 1024);
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
  if (corpus == "debian") {
    folder = data_folder / kDebianCorpusFolder;
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
  write_split(folder, corpus == "debian" ? debian_text() : text, log);
  return files;
}

}  // namespace moescope::training

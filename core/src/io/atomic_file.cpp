#include "moescope/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace moescope {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void flush_to_disk(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    fail("cannot open", path);
  const int status = ::fsync(fd);
  ::close(fd);
  if (status != 0)
    fail("cannot flush", path);
}

}  // namespace

std::filesystem::path pending_path(const std::filesystem::path& target) {
  return target.string() + ".pending";
}

void commit_file(const std::filesystem::path& written, const std::filesystem::path& target) {
  flush_to_disk(written, O_RDONLY);
  if (std::rename(written.c_str(), target.c_str()) != 0)
    fail("cannot rename " + written.string() + " to", target);
  const std::filesystem::path folder =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  flush_to_disk(folder, O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           unsigned mode) {
  const std::filesystem::path pending = pending_path(target);
  ::unlink(pending.c_str());  // a killed writer's, whose mode a truncation would keep
  const int fd =
      ::open(pending.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0)
    fail("cannot create", pending);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      const int why = errno;
      ::close(fd);
      ::unlink(pending.c_str());  // a full disk keeps the old file and leaves nothing behind
      errno = why;
      fail("cannot write", pending);
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  try {
    commit_file(pending, target);
  } catch (...) {
    ::unlink(pending.c_str());
    throw;
  }
}

}  // namespace moescope

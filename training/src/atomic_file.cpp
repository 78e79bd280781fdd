#include "moescope/training/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace moescope::training {
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

void write_file_atomically(const std::filesystem::path& target, std::string_view content) {
  const std::filesystem::path pending = pending_path(target);
  {
    std::ofstream out(pending, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out)
      fail("cannot write", pending);
  }
  commit_file(pending, target);
}

}  // namespace moescope::training

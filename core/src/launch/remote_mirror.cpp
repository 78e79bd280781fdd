#include "launch/remote_mirror.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace moescope {
namespace {

namespace fs = std::filesystem;

fs::path inode_file(const fs::path& out_dir) {
  return out_dir / ".remote-files";
}

// NAME -> the host's inode of the file last copied under that name.
std::map<std::string, std::string> read_inodes(const fs::path& out_dir) {
  std::map<std::string, std::string> inodes;
  std::ifstream in(inode_file(out_dir));
  std::string name;
  std::string inode;
  while (in >> name >> inode)
    inodes[name] = inode;
  return inodes;
}

void write_inodes(const fs::path& out_dir, const std::map<std::string, std::string>& inodes) {
  const fs::path file = inode_file(out_dir);
  const fs::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const auto& [name, inode] : inodes)
      out << name << ' ' << inode << '\n';
    if (!out)
      throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, file);
}

void write_whole(const fs::path& file, std::string_view bytes) {
  const fs::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
      throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, file);
}

// Writes `bytes` at `offset`, dropping whatever the local copy had from there on.
void write_part(const fs::path& file, std::int64_t offset, std::string_view bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::ftruncate(fd, offset) == 0;
  std::size_t written = 0;
  while (ok && written < bytes.size()) {
    const ssize_t sent = ::pwrite(fd, bytes.data() + written, bytes.size() - written,
                                  offset + static_cast<off_t>(written));
    if (sent < 0 && errno == EINTR)
      continue;
    ok = sent > 0;
    if (ok)
      written += static_cast<std::size_t>(sent);
  }
  const std::string why = ok ? std::string() : std::strerror(errno);
  if (fd >= 0)
    ::close(fd);
  if (!ok)
    throw std::runtime_error("cannot write " + file.string() + ": " + why);
}

// The names kPoll may send: the fixed names SshExecutor asks for, never a path.
bool plain_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

RemoteMirror::RemoteMirror(fs::path out_dir) : out_dir_(std::move(out_dir)) {}

std::vector<std::string> RemoteMirror::poll_arguments(const std::vector<std::string>& names) const {
  const std::map<std::string, std::string> inodes = read_inodes(out_dir_);
  std::vector<std::string> arguments;
  for (const std::string& name : names) {
    const auto known = inodes.find(name);
    std::error_code error;
    const std::uintmax_t size = fs::file_size(out_dir_ / name, error);
    const bool continued = known != inodes.end() && !error;
    arguments.insert(arguments.end(), {name, continued ? known->second : "0",
                                       continued ? std::to_string(size) : "0"});
  }
  return arguments;
}

RemoteJobReport RemoteMirror::apply(const std::string& answer) {
  const auto fault = [](const std::string& what) {
    return std::runtime_error("the host's answer is cut short or garbled: " + what);
  };
  RemoteJobReport report;
  std::size_t at = 0;
  const auto next_line = [&]() -> std::optional<std::string> {
    const std::size_t end = answer.find('\n', at);
    if (end == std::string::npos)
      return std::nullopt;
    std::string line = answer.substr(at, end - at);
    at = end + 1;
    return line;
  };

  const std::optional<std::string> state_line = next_line();
  if (!state_line)
    throw fault("no state");
  std::istringstream state_words(*state_line);
  std::string word;
  std::string state;
  state_words >> word >> state;
  if (word != "state")
    throw fault("'" + *state_line + "'");
  if (state == "running") {
    report.state = RemoteJobReport::State::kRunning;
  } else if (state == "exited") {
    int code = 0;
    // An unreadable status file is an exit nobody recorded.
    report.state =
        state_words >> code ? RemoteJobReport::State::kExited : RemoteJobReport::State::kGone;
    if (report.state == RemoteJobReport::State::kExited)
      report.exit_code = code;
  } else if (state == "gone") {
    report.state = RemoteJobReport::State::kGone;
  } else if (state == "missing") {
    report.state = RemoteJobReport::State::kMissing;
    return report;
  } else {
    throw fault("state '" + state + "'");
  }
  if (const std::optional<std::string> free_line = next_line()) {
    std::istringstream free_words(*free_line);
    std::int64_t kib = 0;
    if (free_words >> word >> kib && word == "free")
      report.free_kib = kib;
  }

  std::map<std::string, std::string> inodes = read_inodes(out_dir_);
  while (at < answer.size()) {
    const std::optional<std::string> header = next_line();
    if (!header)
      throw fault("a file header without its end");
    std::istringstream fields(*header);
    std::string name;
    std::string inode;
    std::int64_t size = 0;
    std::int64_t offset = 0;
    std::int64_t length = 0;
    if (!(fields >> word >> name >> inode >> size >> offset >> length) || word != "file" ||
        !plain_name(name) || offset < 0 || length < 0 || offset + length > size)
      throw fault("'" + *header + "'");
    const std::string terminator = "\nend " + name + "\n";
    const std::size_t length_bytes = static_cast<std::size_t>(length);
    if (answer.size() - at < length_bytes + terminator.size() ||
        answer.compare(at + length_bytes, terminator.size(), terminator) != 0)
      throw fault("the bytes of " + name);
    const std::string_view bytes(answer.data() + at, length_bytes);
    at += length_bytes + terminator.size();
    const fs::path local = out_dir_ / name;
    if (offset == 0 && length == size)
      write_whole(local, bytes);
    else
      write_part(local, offset, bytes);
    inodes[name] = inode;
    write_inodes(out_dir_, inodes);
    if (offset + length < size)
      report.caught_up = false;
  }
  return report;
}

}  // namespace moescope

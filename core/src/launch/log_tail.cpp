#include "launch/log_tail.h"

#include <fstream>
#include <vector>

namespace moescope {

std::string read_log_tail(const std::filesystem::path& file, int max_lines) {
  constexpr std::streamoff kMaxBytes = 8192;
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in)
    return {};
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > kMaxBytes ? size - kMaxBytes : 0;
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos)
      end = text.size();
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  // A line cut by the 8 KiB window is not shown in part.
  if (start > 0 && !lines.empty())
    lines.erase(lines.begin());
  const std::size_t first =
      lines.size() > static_cast<std::size_t>(max_lines) ? lines.size() - max_lines : 0;
  std::string tail;
  for (std::size_t i = first; i < lines.size(); ++i)
    tail += (tail.empty() ? "  " : "\n  ") + lines[i];
  return tail;
}

}  // namespace moescope

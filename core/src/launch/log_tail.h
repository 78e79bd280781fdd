#pragma once

#include <filesystem>
#include <string>

namespace moescope {

// The last `max_lines` lines of a log file (at most its last 8 KiB), each indented by two spaces;
// empty when the file is missing or empty. For error messages that show how a trainer ended.
std::string read_log_tail(const std::filesystem::path& file, int max_lines = 12);

}  // namespace moescope

#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace moescope::testing_support {

// What a program run by a test printed and how it ended.
struct Outcome {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `program args...` through the shell with `environment` added, its output captured in
// files in `scratch` (a pipe could fill up and stall a chatty program).
inline Outcome run_program(
    const std::filesystem::path& program, const std::vector<std::string>& args,
    const std::filesystem::path& scratch,
    const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on " " + std::string.
  std::string command;
  for (const auto& [name, value] : environment) {
    command += name;
    command += '=';
    command += shell_quote(value);
    command += ' ';
  }
  command += shell_quote(program.string());
  for (const std::string& arg : args) {
    command += ' ';
    command += shell_quote(arg);
  }
  command += " >";
  command += shell_quote((scratch / "out").string());
  command += " 2>";
  command += shell_quote((scratch / "err").string());
  const int status = std::system(command.c_str());
  Outcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.out = read_file(scratch / "out");
  outcome.err = read_file(scratch / "err");
  return outcome;
}

}  // namespace moescope::testing_support

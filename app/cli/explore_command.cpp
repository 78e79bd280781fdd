// moescope explore: opens the desktop explorer, which is its own binary (it needs Qt and VTK,
// the command line does not); every option is passed on to it.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "commands.h"

namespace moescope::cli {
namespace {

std::filesystem::path explorer_beside(const char* self) {
  std::error_code ignored;
  std::filesystem::path here = std::filesystem::canonical("/proc/self/exe", ignored);
  if (here.empty())
    here = std::filesystem::absolute(self);
  return here.parent_path() / "moescope-explorer";
}

}  // namespace

void add_explore_command(CLI::App& app, const char* argv0) {
  CLI::App* command =
      app.add_subcommand("explore",
                         "Open the explorer (3-D IsoFLOP surfaces, the paper's figures, sliders); "
                         "`moescope explore --help` lists its options");
  command->prefix_command();  // everything after `explore` belongs to the explorer
  command->set_help_flag();   // ... --help included
  command->callback([command, argv0] {
    const std::filesystem::path explorer = explorer_beside(argv0);
    std::vector<std::string> words{explorer.string()};
    for (const std::string& word : command->remaining())
      words.push_back(word);
    std::vector<char*> arguments;
    for (std::string& word : words)
      arguments.push_back(word.data());
    arguments.push_back(nullptr);
    ::execv(explorer.c_str(), arguments.data());
    throw std::runtime_error("cannot start " + explorer.string() + ": " + std::strerror(errno) +
                             " (the explorer is built where Qt 6 and VTK 9 are installed: "
                             "./packaging/setup.sh)");
  });
}

}  // namespace moescope::cli

// moescope-build-tasks: writes the shipped downstream tasks (task_builder.h) from the held-out
// split of the "debian" corpus, one JSON Lines file per task. datasets/tasks/README.md gives the
// command that made the committed files. Exit status 0 when written, 1 when it failed, 2 for bad
// usage.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "moescope/io/atomic_file.h"
#include "moescope/training/corpus.h"
#include "moescope/training/task_builder.h"

namespace {

namespace fs = std::filesystem;
using namespace moescope;
using namespace moescope::training;

constexpr const char* kUsage =
    "usage: moescope-build-tasks --out DIR [--data DIR] [--items N] [--seed S]\n"
    "\n"
    "  --out DIR    where to write gcide-headword.jsonl and gcide-continuation.jsonl\n"
    "  --data DIR   corpus token cache, as moescope-train's (default $MOESCOPE_DATA_DIR, else\n"
    "               $XDG_CACHE_HOME/moescope, else ~/.cache/moescope)\n"
    "  --items N    items per task at most (default 1000)\n"
    "  --seed S     the generator's seed (default 1)\n";

std::string file_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A whole number from `text`, or nullopt.
std::optional<std::uint64_t> whole(const std::string& text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text.front() == '-')
    return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path out, data = default_data_folder();
  TaskBuildOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << kUsage;
      return 2;
    }
    const std::string value = argv[++i];
    const std::optional<std::uint64_t> number = whole(value);
    if (flag == "--out") {
      out = value;
    } else if (flag == "--data") {
      data = value;
    } else if (flag == "--items" && number && *number > 0) {
      options.max_items = static_cast<std::size_t>(*number);
    } else if (flag == "--seed" && number) {
      options.seed = *number;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (out.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    // debian-v1, whose text every built-in corpus begins with (so its held-out blocks are held
    // out of them all).
    const CorpusFiles corpus = prepare_corpus("debian-v1", data, std::cerr);
    const std::string held_out = file_text(corpus.validation);
    options.block_bytes =
        held_out_block_bytes(fs::file_size(corpus.train) + fs::file_size(corpus.validation));
    fs::create_directories(out);
    for (const Task& task : build_debian_tasks(held_out, options)) {
      std::string text;
      for (const TaskItem& item : task.items)
        text += task_file_line(item) + "\n";
      const fs::path file = out / (task.name + ".jsonl");
      write_file_atomically(file, text);
      std::cout << file.string() << ": " << task.items.size() << " items, " << text.size()
                << " bytes\n";
    }
  } catch (const std::exception& error) {
    std::cerr << "moescope-build-tasks: " << error.what() << '\n';
    return 1;
  }
  return 0;
}

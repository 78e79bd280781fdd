// Fuzz target of the downstream task file reader (core/include/moescope/trainer/task_file.h):
// parse_task_file() of the JSON Lines that `tasks` in a trainer spec names. LibTorch-free.
//
// Refusal is TaskFileError; a text holding a NUL byte must be refused. A file that parses must
// survive its writer: every item, written by task_file_line() and read again, is the same item.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "moescope/trainer/task_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  moescope::Task task;
  try {
    task = moescope::parse_task_file(text, "fuzz", "fuzz.jsonl");
  } catch (const moescope::TaskFileError& error) {
    (void)error.what();
    return 0;
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "parse_task_file");
    return 0;
  }
  moescope::fuzz::accepted_nul(text, "parse_task_file");
  for (const moescope::TaskItem& item : task.items) {
    try {
      const std::string line = moescope::task_file_line(item);
      const moescope::Task again = moescope::parse_task_file(line, "fuzz", "written");
      if (again.items.size() != 1 || !(again.items[0] == item))
        moescope::fuzz::finding("an item changes when written and read again:\n" + line);
    } catch (const std::exception& error) {
      moescope::fuzz::undocumented(error, "the task item's round trip");
    }
  }
  return 0;
}

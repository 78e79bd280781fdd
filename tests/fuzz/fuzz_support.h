// What every MoEScope fuzz target shares (tests/fuzz/README.md, docs/reliability.md).
//
// A target feeds its input to one of MoEScope's readers. The reader may refuse it with the
// exception its header documents (InputError, SpecError, QueueError); anything else that escapes
// is a finding, as are a sanitizer report, a hang (-timeout) and a broken round trip: the target
// prints what happened and aborts, so libFuzzer keeps the input. A campaign that should look past
// findings already reported sets MOESCOPE_FUZZ_KNOWN to parts of their messages, separated by
// '|' (e.g. "number overflow parsing|holding a NUL byte"): a finding whose message contains one
// of them is let through quietly. Sanitizer reports and hangs are never let through.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>

namespace moescope::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "moescope fuzz: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// Whether MOESCOPE_FUZZ_KNOWN names a part of `what`.
inline bool known(std::string_view what) {
  const char* list = std::getenv("MOESCOPE_FUZZ_KNOWN");
  std::string_view rest = list != nullptr ? list : "";
  while (!rest.empty()) {
    const std::size_t bar = rest.find('|');
    const std::string_view part = rest.substr(0, bar);
    if (!part.empty() && what.find(part) != std::string_view::npos)
      return true;
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  return false;
}

// A finding: aborts, unless it is known().
inline void finding(std::string_view what) {
  if (!known(what))
    fail(what);
}

// An exception that the reader does not document.
inline void undocumented(const std::exception& error, std::string_view reader) {
  finding(std::string(reader) + " let an undocumented exception escape: " + typeid(error).name() +
          ": " + error.what());
}

// A JSON reader that accepted a text holding a NUL byte: JSON allows none, not even inside a
// string, and the JSON library takes the first NUL for the end of the text, so whatever follows
// it was never read (`[{"N": 1e8, ...}]\0{"N": 2e8, ...}` reads as one run). A finding.
inline void accepted_nul(std::string_view text, std::string_view reader) {
  if (text.find('\0') == std::string_view::npos)
    return;
  finding(std::string(reader) + " accepted a text holding a NUL byte (offset " +
          std::to_string(text.find('\0')) + " of " + std::to_string(text.size()) +
          "); JSON has no NUL, and what follows it was never read");
}

// Splits "#!key value" lines off the front of an input: the options of a reader travel in the
// input itself, so that libFuzzer mutates them with the text. Returns false when no such line is
// left; `rest` is then the text proper.
inline bool next_directive(std::string_view& rest, std::string_view& key, std::string_view& value) {
  if (rest.substr(0, 2) != "#!")
    return false;
  const std::size_t end = rest.find('\n');
  std::string_view line = rest.substr(2, end == std::string_view::npos ? rest.size() : end - 2);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  const std::size_t space = line.find(' ');
  key = line.substr(0, space);
  value = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  return true;
}

// A private folder for the readers that take a path, made once per process and removed at exit.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/moescope-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      fail("cannot make a scratch folder under $TMPDIR");
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_folder(), ignored);
    });
    return std::filesystem::path(pattern);
  }();
  return folder;
}

inline void write_file(const std::filesystem::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    fail("cannot write " + file.string());
}

}  // namespace moescope::fuzz

// Fuzz target of the trainer's spec readers (core/include/moescope/trainer/train_spec.h): the
// strict parse_train_spec() of `moescope-train --spec`/`--check`, and the launch queue's lenient
// read_spec_summary() of `moescope train launch`/`status`. LibTorch-free.
//
// The input is the spec's JSON text; the spec's folder is a scratch folder holding a small corpus
// file, corpus.txt, and a folder, sub/. Refusal is SpecError (read_spec_summary: a
// std::runtime_error); a text holding a NUL byte must be refused by the strict reader. A spec
// that parses must survive its canonical form: to_json() parses back to a spec whose to_json()
// is the same text, spec_differences() between the two finds nothing, and the spec file the
// planner would write (to_spec_file()) parses back to the same spec.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_support.h"

#include "moescope/trainer/train_spec.h"

namespace {

const std::filesystem::path& spec_folder() {
  static const std::filesystem::path folder = [] {
    const std::filesystem::path path = moescope::fuzz::scratch_folder() / "spec";
    std::filesystem::create_directories(path / "sub");
    moescope::fuzz::write_file(path / "corpus.txt", "In the beginning was the word.\n");
    return path;
  }();
  return folder;
}

// The canonical text of a spec read back from `text`, which must parse.
std::string reparsed(const std::string& text, std::string_view what) {
  try {
    return moescope::to_json(moescope::parse_train_spec(text, spec_folder()));
  } catch (const moescope::SpecError& error) {
    moescope::fuzz::finding("a spec that parsed is refused in its " + std::string(what) + ": " +
                            moescope::describe(error) + "\n" + text);
  }
  return {};
}

void round_trip(const moescope::TrainSpec& spec) {
  const std::string canonical = moescope::to_json(spec);
  const std::string again = reparsed(canonical, "canonical form");
  if (again != canonical) {
    moescope::fuzz::finding("a spec's canonical form changes when parsed again:\n" + canonical +
                            "\nbecame\n" + again);
  }
  if (!moescope::spec_differences(canonical, again).empty())
    moescope::fuzz::finding("spec_differences finds differences between equal specs");
  const std::string file = moescope::to_spec_file(spec);
  if (reparsed(file, "spec-file form (to_spec_file)") != canonical) {
    moescope::fuzz::finding("the spec file to_spec_file writes parses to another spec:\n" + file +
                            "\ncanonical form:\n" + canonical);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The queue's reader, on the same bytes as a file.
  static const std::filesystem::path file = spec_folder() / "run.json";
  moescope::fuzz::write_file(file, text);
  try {
    (void)moescope::read_spec_summary(file);
  } catch (const std::runtime_error&) {
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "read_spec_summary");
  }

  moescope::TrainSpec spec;
  try {
    spec = moescope::parse_train_spec(text, spec_folder());
  } catch (const moescope::SpecError& error) {
    (void)moescope::describe(error);
    return 0;
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "parse_train_spec");
    return 0;
  }
  moescope::fuzz::accepted_nul(text, "parse_train_spec");
  (void)spec.tokens_per_step();
  (void)spec.trained_tokens();
  try {
    round_trip(spec);
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "the spec's round trip");
  }
  return 0;
}

// Fuzz target of the run readers, read_runs() of run_table.h: built twice, as csv_runs_fuzzer
// (MOESCOPE_FUZZ_FORMAT_JSON=0) and json_runs_fuzzer (=1).
//
// The input is a run file as `moescope import` reads it, optionally preceded by lines of the
// reader's options, as the command line gives them:
//   #!map N=Model Size,C=Training FLOP
//   #!where S >= 0.5 && label == "x"
//   #!best-of lr,seed
//   #!ignore-unknown
// Refusal is InputError; a JSON text holding a NUL byte must be refused. A file that is read must
// round-trip exactly through format_runs() in
// both formats (run_table.h: "read_runs(write_runs(runs)) gives back equal runs").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/run_table.h"
#include "moescope/run/run_filter.h"

#ifndef MOESCOPE_FUZZ_FORMAT_JSON
#error "define MOESCOPE_FUZZ_FORMAT_JSON to 0 (CSV) or 1 (JSON)"
#endif

namespace {

using moescope::ReadOptions;
using moescope::ReadResult;
using moescope::TableFormat;

constexpr TableFormat kFormat = MOESCOPE_FUZZ_FORMAT_JSON ? TableFormat::kJson : TableFormat::kCsv;
const std::string kName = MOESCOPE_FUZZ_FORMAT_JSON ? "fuzz.json" : "fuzz.csv";

// Options from the directive lines; false when one of them is refused (that parser has its own
// target) or unknown.
bool read_options(std::string_view& text, ReadOptions& options) {
  std::string_view key;
  std::string_view value;
  while (moescope::fuzz::next_directive(text, key, value)) {
    try {
      if (key == "map") {
        options.mapping = moescope::ColumnMapping::parse(value);
      } else if (key == "where") {
        options.where =
            moescope::RunFilter::parse(value, moescope::RunFilter::Scope::kFileColumns, "--where");
      } else if (key == "best-of") {
        options.best_of.clear();
        std::size_t start = 0;
        while (start <= value.size()) {
          const std::size_t comma = std::min(value.find(',', start), value.size());
          options.best_of.emplace_back(value.substr(start, comma - start));
          start = comma + 1;
        }
      } else if (key == "ignore-unknown") {
        options.ignore_unknown_columns = true;
      } else {
        return false;
      }
    } catch (const moescope::InputError&) {
      return false;
    }
  }
  return true;
}

void round_trip(const ReadResult& read, TableFormat format) {
  const std::string written = moescope::format_runs(read.runs, format);
  ReadResult again;
  try {
    again = moescope::read_runs(written, format, kName);
  } catch (const moescope::InputError& error) {
    moescope::fuzz::finding(std::string("runs read from the input cannot be read back once "
                                        "written (") +
                            (format == TableFormat::kJson ? "JSON" : "CSV") + "): " + error.what() +
                            "\nwritten:\n" + written);
  }
  if (again.runs != read.runs) {
    moescope::fuzz::finding(std::string("runs read from the input differ once written and read "
                                        "back (") +
                            (format == TableFormat::kJson ? "JSON" : "CSV") + "); written:\n" +
                            written);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ReadOptions options;
  if (!read_options(text, options))
    return -1;  // not added to the corpus
  ReadResult read;
  try {
    read = moescope::read_runs(text, kFormat, kName, options);
  } catch (const moescope::InputError&) {
    return 0;
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "read_runs");
    return 0;
  }
  if (kFormat == TableFormat::kJson)
    moescope::fuzz::accepted_nul(text, "read_runs (JSON)");
  try {
    round_trip(read, TableFormat::kCsv);
    round_trip(read, TableFormat::kJson);
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "format_runs/read_runs round trip");
  }
  return 0;
}

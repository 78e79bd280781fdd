#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "moescope/io/run_table.h"

namespace moescope::app {

// A data set built into the binaries (app/CMakeLists.txt lists them), so that `moescope report`
// and the explorer work from anywhere, with no file at hand.
struct EmbeddedData {
  std::string_view key;      // what `--data KEY` names it by: "study", "synthetic"
  std::string_view name;     // "datasets/moe-study/runs.json (embedded)": in messages, the origin
  std::string_view summary;  // one line on what it holds, for help texts and menus
  std::string_view text;     // the file as it was when the binary was built
  TableFormat format;
};

// Every embedded set, the default first.
std::span<const EmbeddedData> embedded_data();

// What a command reads without --data or --store: MoEScope's own study,
// datasets/moe-study/runs.json.
inline const EmbeddedData& default_data() {
  return embedded_data().front();
}

// The set `key` names, or nullptr. Only the bare key names a set: `--data synthetic` reads the
// embedded grid even where a file of that name exists, and `--data ./synthetic` reads the file.
inline const EmbeddedData* embedded_data(std::string_view key) {
  for (const EmbeddedData& data : embedded_data()) {
    if (data.key == key)
      return &data;
  }
  return nullptr;
}

// "study (MoEScope's own MoE study, ...) or synthetic (...)": the sets, for help texts.
inline std::string describe_embedded_data() {
  std::string text;
  const std::span<const EmbeddedData> sets = embedded_data();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    text += std::string(i == 0                 ? ""
                        : i + 1 == sets.size() ? " or "
                                               : ", ") +
            std::string(sets[i].key) + " (" + std::string(sets[i].summary) + ")";
  }
  return text;
}

// The set's runs, read as a file of its format is.
inline ReadResult read_embedded(const EmbeddedData& data, const ReadOptions& options = {}) {
  return read_runs(data.text, data.format, std::string(data.name), options);
}

}  // namespace moescope::app

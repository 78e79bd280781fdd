// store_writer STORE_PATH WRITER_INDEX COUNT
//
// Appends COUNT runs with ids "w<WRITER_INDEX>-<k>" to the store, one insert() (one transaction)
// per run, so that several of these processes interleave their writes on one file. Used by
// concurrent_writers_test; exits 0 when every run was stored, else prints why and exits 1.

#include <charconv>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "moescope/store/run_store.h"

namespace {

bool parse_non_negative(std::string_view text, int& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value >= 0;
}

// Full enough to write every table: architecture, scalars, curve and downstream rows.
moescope::Run make_run(int writer, int k) {
  moescope::Run run;
  run.id = "w" + std::to_string(writer) + "-" + std::to_string(k);
  run.name = "writer " + std::to_string(writer) + " run " + std::to_string(k);
  run.provenance = moescope::Provenance::kTrainedLocally;
  run.origin = "store_writer";
  // A width of its own per run, and a valid one: the store checks runs on the way out.
  run.architecture = moescope::Architecture{.d_model = 256 + 4 * k, .n_layers = 4, .n_heads = 4};
  run.tokens = 1e9 + k;
  run.loss = 3.0 + 0.001 * k;
  for (int step = 0; step < 3; ++step) {
    run.loss_curve.push_back({.step = step * 100, .tokens = 1e6 * step, .loss = 4.0 - step});
  }
  run.downstream.push_back(
      {.task = "hellaswag", .kind = moescope::MetricKind::kAccuracy, .value = 0.25 + 0.0001 * k});
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  int writer = 0;
  int count = 0;
  if (argc != 4 || !parse_non_negative(argv[2], writer) || !parse_non_negative(argv[3], count)) {
    std::cerr << "usage: store_writer STORE_PATH WRITER_INDEX COUNT\n";
    return 1;
  }
  try {
    moescope::RunStore store = moescope::RunStore::open(argv[1]);
    for (int k = 0; k < count; ++k) {
      const moescope::InsertSummary summary = store.insert({make_run(writer, k)});
      if (summary.inserted != 1) {
        std::cerr << "store_writer " << writer << ": run " << k << " was not inserted\n";
        return 1;
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "store_writer " << writer << ": " << error.what() << "\n";
    return 1;
  }
  return 0;
}

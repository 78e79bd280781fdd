// Fuzz target of the run queue's file reader, read_queue_state() of core/src/launch/queue_file.h
// (every `moescope train ...` command reads jobs.json under the queue's lock).
//
// The input is jobs.json's bytes, written into a scratch queue folder and read from there.
// Refusal is QueueError; a file holding a NUL byte must be refused. A state that is read must
// round-trip: write_queue_state() into a second folder and read_queue_state() from there give back
// an equal state, for a driver rewrites the file it read after every change.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "launch/queue_file.h"
#include "moescope/launch/run_queue.h"

namespace {

// A queue folder in the scratch folder, made on first use.
std::filesystem::path queue_folder(const char* name) {
  const std::filesystem::path path = moescope::fuzz::scratch_folder() / name;
  std::filesystem::create_directories(path);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path queue = queue_folder("read");
  static const std::filesystem::path copy = queue_folder("written");
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  moescope::fuzz::write_file(queue / "jobs.json", bytes);
  moescope::QueueState state;
  try {
    state = moescope::read_queue_state(queue);
  } catch (const moescope::QueueError&) {
    return 0;
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "read_queue_state");
    return 0;
  }
  moescope::fuzz::accepted_nul(bytes, "read_queue_state");
  try {
    moescope::write_queue_state(copy, state);
    const moescope::QueueState again = moescope::read_queue_state(copy);
    if (again.concurrency_limit != state.concurrency_limit || again.next_id != state.next_id ||
        again.jobs != state.jobs) {
      moescope::fuzz::finding(
          "a queue state read from jobs.json differs once written and read back");
    }
  } catch (const moescope::QueueError& error) {
    moescope::fuzz::finding(
        std::string("a queue state read from jobs.json is refused once written: ") + error.what());
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "write_queue_state/read_queue_state round trip");
  }
  return 0;
}

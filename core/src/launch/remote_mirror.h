#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moescope {

// What the host said of a job in answer to ssh_scripts::kPoll.
struct RemoteJobReport {
  enum class State { kRunning, kExited, kGone, kMissing };
  State state = State::kRunning;
  std::optional<int> exit_code;          // for kExited
  std::optional<std::int64_t> free_kib;  // free space of the run directory's filesystem
  bool caught_up = true;  // every file named has been copied whole (none had more than a chunk)
};

// The local copy of files of a run directory on a host, brought up to date by kPoll's answers:
// new bytes are appended, and a file replaced on the host (another inode, or shorter) is copied
// again from its start. A file copied whole in one answer is replaced atomically; one copied in
// parts grows in place, as the trainer's own files do. OUT/.remote-files records each file's
// inode on the host, so that any process can continue the copy.
class RemoteMirror {
 public:
  explicit RemoteMirror(std::filesystem::path out_dir);

  // kPoll's arguments after the run directory and chunk: NAME INODE OFFSET per file, OFFSET being
  // the size of the local copy of the same file (0 when there is none or it is of another inode).
  std::vector<std::string> poll_arguments(const std::vector<std::string>& names) const;

  // Applies kPoll's answer. Throws std::runtime_error when it is not one (a cut connection's
  // half answer); what was applied before the fault stays.
  RemoteJobReport apply(const std::string& answer);

 private:
  std::filesystem::path out_dir_;
};

}  // namespace moescope

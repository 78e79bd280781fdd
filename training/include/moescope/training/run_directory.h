#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "moescope/trainer/train_records.h"

namespace moescope::training {

// The output folder of one run (--out DIR):
//   spec.json      the canonical spec; a restart with another spec is refused
//   checkpoint.pt  the latest checkpoint, replaced atomically
//   metrics.jsonl  one JSON object per line: training progress and validation passes
//   result.json    written once, when the run has finished
//   run.json       the finished run in MoEScope's run format, for `moescope import`
// metrics.jsonl and result.json are the records of moescope/trainer/train_records.h, which the
// launch queue reads.
// Only one process may work in a folder: it holds an exclusive lock on DIR/.lock, which the
// kernel drops when the process ends in any way (SIGKILL included).
class RunDirectory {
 public:
  // Creates the folder if needed and takes its lock; throws std::runtime_error when another
  // process holds it. `take_lock` false: the caller's launcher holds it for this process (the
  // ranks of a run started by moescope-train itself, rank_launcher.h).
  explicit RunDirectory(std::filesystem::path folder, bool take_lock = true);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // Records the run's canonical spec (to_json) on first use. Throws SpecError naming every key
  // whose value differs from the recorded spec's.
  void claim(const std::string& canonical_spec) const;

  bool finished() const;
  // True when `folder` holds a finished run (result.json, written last) of this spec, found
  // without creating or locking anything, so that a finished run returns at once even on a
  // read-only filesystem. Throws SpecError, as claim() does, when the recorded spec differs.
  static bool finished_run(const std::filesystem::path& folder, const std::string& canonical_spec);

  // Rewrites metrics.jsonl (atomically) without the lines of steps after `step`, and without a
  // last line torn by a kill: what a run resumed from the checkpoint of `step` will write again.
  void keep_metrics_through(std::int64_t step) const;

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path spec_file() const { return spec_file_in(folder_); }
  std::filesystem::path checkpoint_file() const { return checkpoint_file_in(folder_); }
  static std::filesystem::path checkpoint_file_in(const std::filesystem::path& folder) {
    return folder / "checkpoint.pt";
  }
  std::filesystem::path metrics_file() const { return moescope::metrics_file(folder_); }
  std::filesystem::path result_file() const { return result_file_in(folder_); }
  static std::filesystem::path spec_file_in(const std::filesystem::path& folder) {
    return folder / "spec.json";
  }
  static std::filesystem::path result_file_in(const std::filesystem::path& folder) {
    return moescope::result_file(folder);
  }
  std::filesystem::path run_file() const { return folder_ / "run.json"; }

 private:
  std::filesystem::path folder_;
  int lock_fd_ = -1;
};

}  // namespace moescope::training

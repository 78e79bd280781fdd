#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/trainer/train_records.h"

namespace moescope {

// Where a training job stands. A job is finished once done, failed or cancelled.
enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };

std::string_view to_string(JobState state);  // "queued", "running", "done", "failed", "cancelled"
std::optional<JobState> parse_job_state(std::string_view text);
bool is_finished(JobState state);

// One trainer run: the executor runs `trainer... --spec spec_file --out out_dir`, the contract of
// moescope-train (training/README.md). Paths are absolute, so that any process can follow the job.
struct JobRequest {
  std::filesystem::path spec_file;
  std::filesystem::path out_dir;     // the trainer's run directory; restarting there resumes
  std::vector<std::string> trainer;  // the program, then any arguments before --spec
  bool operator==(const JobRequest&) const = default;
};

// Beside the trainer's records (metrics_file, result_file of train_records.h), a run directory
// holds trainer.log, the trainer's standard output and error, which the executor keeps.
std::filesystem::path trainer_log_file(const std::filesystem::path& out_dir);

// How far a job has got, for a progress bar.
struct JobProgress {
  std::int64_t step = 0;                  // the last step any line reports
  double tokens = 0;                      // tokens trained by then
  std::optional<double> loss;             // the last training loss
  std::optional<double> validation_loss;  // the last validation loss
  std::optional<double> tokens_per_second;
  // step / planned_steps, at most 1; nullopt when the plan is unknown (planned_steps <= 0).
  std::optional<double> fraction;
};

JobProgress job_progress(const MetricsLog& log, std::int64_t planned_steps);

// A job of a RunQueue, as the queue's file records it.
struct Job {
  int id = 0;        // 1, 2, ... in the order jobs were added to the queue
  std::string name;  // the spec file's name without .json; the stored run's name
  JobRequest request;
  std::filesystem::path store;  // the run store that receives the finished run
  JobState state = JobState::kQueued;
  std::string executor;              // Executor::kind() of the executor that runs it
  std::string handle;                // the executor's handle, once submitted
  std::int64_t planned_steps = 0;    // from the spec; 0 where the spec does not tell
  double queued_at = 0;              // seconds since the Unix epoch
  std::optional<double> started_at;  // when submitted to the executor
  std::optional<double> finished_at;
  std::optional<int> exit_code;
  // Why it failed (the exit status and the end of trainer.log), or who cancelled it, where the
  // executor can tell.
  std::string message;
  std::string run_id;  // the run it added to the store (failed runs are stored too)
  bool operator==(const Job&) const = default;
};

}  // namespace moescope

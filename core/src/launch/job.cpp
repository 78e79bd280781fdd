#include "moescope/launch/job.h"

#include <array>
#include <utility>

namespace moescope {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 5> kStateNames = {{
    {JobState::kQueued, "queued"},
    {JobState::kRunning, "running"},
    {JobState::kDone, "done"},
    {JobState::kFailed, "failed"},
    {JobState::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(JobState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state)
      return name;
  }
  return "unknown";
}

std::optional<JobState> parse_job_state(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (name == text)
      return value;
  }
  return std::nullopt;
}

bool is_finished(JobState state) {
  return state == JobState::kDone || state == JobState::kFailed || state == JobState::kCancelled;
}

std::filesystem::path metrics_file(const std::filesystem::path& out_dir) {
  return out_dir / "metrics.jsonl";
}

std::filesystem::path result_file(const std::filesystem::path& out_dir) {
  return out_dir / "result.json";
}

std::filesystem::path trainer_log_file(const std::filesystem::path& out_dir) {
  return out_dir / "trainer.log";
}

}  // namespace moescope

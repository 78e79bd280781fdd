#include "moescope/launch/job.h"

#include <algorithm>
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

std::filesystem::path trainer_log_file(const std::filesystem::path& out_dir) {
  return out_dir / "trainer.log";
}

JobProgress job_progress(const MetricsLog& log, std::int64_t planned_steps) {
  JobProgress progress;
  for (const std::vector<LossPoint>* curve : {&log.training, &log.validation}) {
    if (!curve->empty() && curve->back().step >= progress.step) {
      progress.step = curve->back().step;
      progress.tokens = curve->back().tokens;
    }
  }
  if (!log.training.empty())
    progress.loss = log.training.back().loss;
  if (!log.validation.empty())
    progress.validation_loss = log.validation.back().loss;
  progress.tokens_per_second = log.tokens_per_second;
  if (planned_steps > 0) {
    progress.fraction =
        std::min(1.0, static_cast<double>(progress.step) / static_cast<double>(planned_steps));
  }
  return progress;
}

}  // namespace moescope

#include "moescope/launch/metrics_log.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moescope/json_limits.h"

namespace moescope {
namespace {

std::optional<double> number(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number())
    return std::nullopt;
  return found->get<double>();
}

}  // namespace

MetricsLog read_metrics_log(const std::filesystem::path& file) {
  MetricsLog log;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  // A last line without its newline may still be being written.
  while (std::getline(in, line) && !in.eof()) {
    if (json_too_deep_at(line))
      continue;  // not a metrics line, and unsafe to walk
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
    if (!object.is_object() || !object.contains("step") || !object["step"].is_number_integer())
      continue;
    const std::optional<double> tokens = number(object, "tokens");
    if (!tokens)
      continue;
    const auto step = object["step"].get<std::int64_t>();
    if (const std::optional<double> loss = number(object, "loss")) {
      log.training.push_back({step, *tokens, *loss});
      log.learning_rate = number(object, "lr");
      log.tokens_per_second = number(object, "tokens_per_s");
    } else if (const std::optional<double> validation = number(object, "val_loss")) {
      log.validation.push_back({step, *tokens, *validation});
    }
  }
  return log;
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

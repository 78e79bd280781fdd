#include "moescope/training/train_records.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "moescope/accounting.h"
#include "moescope/json_limits.h"
#include "moescope/training/atomic_file.h"

namespace moescope::training {
namespace {

using nlohmann::json;

std::optional<json> parse_line(const std::string& line) {
  if (json_too_deep_at(line))
    return std::nullopt;  // not a line this trainer wrote, and unsafe to walk (json_limits.h)
  try {
    json object = json::parse(line);
    if (object.is_object() && object.contains("step") && object.at("step").is_number_integer())
      return object;
  } catch (const json::parse_error&) {
  }
  return std::nullopt;
}

}  // namespace

std::string metrics_line(const TrainingPoint& point) {
  return json{{"step", point.step},        {"tokens", point.tokens},
              {"loss", point.loss},        {"aux_loss", point.aux_loss},
              {"lr", point.learning_rate}, {"tokens_per_s", point.tokens_per_second}}
      .dump();
}

std::string metrics_line(const ValidationPoint& point) {
  return json{{"step", point.step}, {"tokens", point.tokens}, {"val_loss", point.loss}}.dump();
}

void keep_metrics_through(const std::filesystem::path& metrics, std::int64_t step) {
  std::ifstream in(metrics, std::ios::binary);
  if (!in)
    return;
  std::string kept;
  std::string line;
  // A line without its newline was being written when the process died.
  while (std::getline(in, line) && !in.eof()) {
    const std::optional<json> object = parse_line(line);
    if (object && object->at("step").get<std::int64_t>() <= step)
      kept += line + '\n';
  }
  in.close();
  write_file_atomically(metrics, kept);
}

std::vector<ValidationPoint> read_validation_curve(const std::filesystem::path& metrics) {
  std::ifstream in(metrics, std::ios::binary);
  std::vector<ValidationPoint> curve;
  std::string line;
  while (std::getline(in, line)) {
    const std::optional<json> object = parse_line(line);
    if (object && object->contains("val_loss")) {
      curve.push_back({object->at("step").get<std::int64_t>(), object->at("tokens").get<double>(),
                       object->at("val_loss").get<double>()});
    }
  }
  return curve;
}

double epochs(const TrainSpec& spec, std::uint64_t corpus_train_tokens) {
  return spec.trained_tokens() / static_cast<double>(corpus_train_tokens);
}

double model_flop_utilisation(const TrainSpec& spec, double tokens_per_second, double peak_flops) {
  return flops_per_token_6na(spec.architecture) * tokens_per_second / peak_flops;
}

std::string result_json(const TrainSpec& spec, const TrainOutcome& outcome) {
  const Architecture& arch = spec.architecture;
  const ParameterCount count = count_parameters(arch);
  const double tokens = spec.trained_tokens();
  json curve = json::array();
  for (const ValidationPoint& point : outcome.curve)
    curve.push_back({point.step, point.tokens, point.loss});
  json result = {
      {"format", "moescope-train-result"},
      {"version", 1},
      {"val_loss", outcome.validation_loss},
      {"train_loss", outcome.train_loss},
      {"tokens", tokens},
      {"steps", spec.steps},
      {"N", count.total},
      {"N_active", count.active},
      {"S", sparsity(arch)},
      {"flops", flops_per_token_eq9(arch) * tokens},
      {"flops_6NaD", training_flops_6nad(count.active, tokens)},
      {"seconds", outcome.seconds},
      {"tokens_per_s", outcome.tokens_per_second},
      {"device", outcome.device},
      {"precision", outcome.precision},
      {"epochs", epochs(spec, outcome.corpus_train_tokens)},
      {"corpus",
       {{"name", spec.corpus},
        {"train_tokens", outcome.corpus_train_tokens},
        {"validation_tokens", outcome.corpus_validation_tokens}}},
      {"eval_tokens", outcome.eval_tokens},
      {"architecture",
       {{"d_model", arch.d_model},
        {"layers", arch.n_layers},
        {"heads", arch.n_heads},
        {"vocab", arch.vocab},
        {"context", arch.context},
        {"experts", arch.experts},
        {"active", arch.active},
        {"granularity", arch.granularity},
        {"tied_embeddings", arch.tied_embeddings}}},
      {"loss_curve", curve},
      {"spec", json::parse(to_json(spec))},
  };
  if (outcome.peak_flops) {
    result["peak_flops"] = *outcome.peak_flops;
    result["mfu"] = model_flop_utilisation(spec, outcome.tokens_per_second, *outcome.peak_flops);
  }
  return result.dump(2) + "\n";
}

Run finished_run(const TrainSpec& spec, const TrainOutcome& outcome, const std::string& name,
                 const std::string& origin) {
  const ParameterCount count = count_parameters(spec.architecture);
  Run run;
  run.name = name;
  run.provenance = Provenance::kTrainedLocally;
  run.origin = origin;
  run.status = RunStatus::kDone;
  run.architecture = spec.architecture;
  run.total_params = count.total;
  run.active_params = count.active;
  run.sparsity = sparsity(spec.architecture);
  run.tokens = spec.trained_tokens();
  run.compute = flops_per_token_eq9(spec.architecture) * spec.trained_tokens();
  run.loss = outcome.validation_loss;
  run.hyper.learning_rate = spec.learning_rate;
  run.hyper.warmup_fraction = spec.warmup_fraction;
  run.hyper.load_balance = spec.load_balance;
  for (const ValidationPoint& point : outcome.curve)
    run.loss_curve.push_back({point.step, point.tokens, point.loss});
  return run;
}

}  // namespace moescope::training

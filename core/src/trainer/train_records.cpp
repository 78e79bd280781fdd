#include "moescope/trainer/train_records.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "moescope/io/json_limits.h"
#include "moescope/model/accounting.h"
#include "moescope/version.h"

namespace moescope {
namespace {

using nlohmann::json;

// A line of metrics.jsonl as JSON: an object with an integer "step"; nullopt for any other line.
std::optional<json> parse_metrics_line(std::string_view line) {
  if (json_too_deep_at(line))
    return std::nullopt;  // not a line the trainer wrote, and unsafe to walk (json_limits.h)
  json object = json::parse(line, nullptr, false);
  if (!object.is_object() || !object.contains("step") || !object["step"].is_number_integer())
    return std::nullopt;
  return object;
}

std::optional<double> number(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number())
    return std::nullopt;
  return found->get<double>();
}

// Reads keys of result.json, naming the file and the key in every complaint.
class ResultReader {
 public:
  explicit ResultReader(const std::filesystem::path& file) : file_(file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw std::runtime_error(file.string() + ": cannot read the trainer's result");
    std::ostringstream text;
    text << in.rdbuf();
    if (const std::optional<std::string> problem = json_depth_problem(text.str()))
      throw std::runtime_error(file.string() + ": " + *problem);
    if (const std::optional<std::string> problem = json_nul_problem(text.str()))
      throw std::runtime_error(file.string() + ": " + *problem);
    result_ = json::parse(text.str(), nullptr, false);
    if (!result_.is_object())
      throw std::runtime_error(file.string() + ": not a JSON object");
  }

  const json& root() const { return result_; }

  double number(const json& object, const std::string& key) const {
    const json& value = present(object, key);
    if (!value.is_number())
      fail(key, "not a number: " + value.dump());
    return value.get<double>();
  }

  int whole(const json& object, const std::string& key) const {
    const json& value = present(object, key);
    if (!value.is_number_integer())
      fail(key, "not a whole number: " + value.dump());
    return value.get<int>();
  }

  const json& object(const std::string& key) const {
    const json& value = present(result_, key);
    if (!value.is_object())
      fail(key, "not a JSON object");
    return value;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw std::runtime_error(file_.string() + ": key " + key + ": " + why);
  }

 private:
  const json& present(const json& object, const std::string& key) const {
    const auto found = object.find(key);
    if (found == object.end())
      fail(key, "missing");
    return *found;
  }

  std::filesystem::path file_;
  json result_;
};

json architecture_json(const Architecture& arch) {
  return {{"d_model", arch.d_model},
          {"layers", arch.n_layers},
          {"heads", arch.n_heads},
          {"vocab", arch.vocab},
          {"context", arch.context},
          {"experts", arch.experts},
          {"active", arch.active},
          {"granularity", arch.granularity},
          {"tied_embeddings", arch.tied_embeddings}};
}

Architecture read_architecture(const ResultReader& reader) {
  const json& object = reader.object("architecture");
  Architecture arch;
  arch.d_model = reader.whole(object, "d_model");
  arch.n_layers = reader.whole(object, "layers");
  arch.n_heads = reader.whole(object, "heads");
  arch.vocab = reader.whole(object, "vocab");
  arch.context = reader.whole(object, "context");
  arch.experts = reader.whole(object, "experts");
  arch.active = reader.whole(object, "active");
  arch.granularity = reader.whole(object, "granularity");
  const auto tied = object.find("tied_embeddings");
  arch.tied_embeddings = tied == object.end() || !tied->is_boolean() || tied->get<bool>();
  return arch;
}

// "downstream": [{"task", "kind", "value"}, ...] where present.
std::vector<TaskMetric> read_downstream(const ResultReader& reader) {
  const auto found = reader.root().find("downstream");
  if (found == reader.root().end())
    return {};
  if (!found->is_array())
    reader.fail("downstream", "not a list of {\"task\", \"kind\", \"value\"}");
  std::vector<TaskMetric> metrics;
  for (const json& entry : *found) {
    if (!entry.is_object())
      reader.fail("downstream", "not a list of {\"task\", \"kind\", \"value\"}");
    const auto task = entry.find("task");
    const auto kind = entry.find("kind");
    if (task == entry.end() || !task->is_string())
      reader.fail("downstream", "an entry without a \"task\" string");
    const std::optional<MetricKind> parsed = kind != entry.end() && kind->is_string()
                                                 ? parse_metric_kind(kind->get<std::string>())
                                                 : std::nullopt;
    if (!parsed)
      reader.fail("downstream", "task " + task->get<std::string>() + ": no known \"kind\"");
    metrics.push_back({task->get<std::string>(), *parsed, reader.number(entry, "value")});
  }
  return metrics;
}

std::optional<HyperParameters> read_hyper(const json& result) {
  const auto spec = result.find("spec");
  if (spec == result.end() || !spec->is_object())
    return std::nullopt;
  HyperParameters hyper;
  hyper.learning_rate = number(*spec, "lr");
  hyper.warmup_fraction = number(*spec, "warmup_fraction");
  hyper.load_balance = number(*spec, "load_balance");
  return hyper;
}

}  // namespace

std::filesystem::path metrics_file(const std::filesystem::path& run_directory) {
  return run_directory / "metrics.jsonl";
}

std::filesystem::path result_file(const std::filesystem::path& run_directory) {
  return run_directory / "result.json";
}

std::string metrics_line(const TrainingPoint& point) {
  return json{{"step", point.step},        {"tokens", point.tokens},
              {"loss", point.loss},        {"aux_loss", point.aux_loss},
              {"lr", point.learning_rate}, {"tokens_per_s", point.tokens_per_second}}
      .dump();
}

std::string metrics_line(const ValidationPoint& point) {
  return json{{"step", point.step}, {"tokens", point.tokens}, {"val_loss", point.loss}}.dump();
}

std::string metrics_line(const TaskPoint& point) {
  return json{{"step", point.step},         {"tokens", point.tokens},
              {"task", point.task},         {"items", point.items},
              {"accuracy", point.accuracy}, {"accuracy_norm", point.accuracy_norm},
              {"chance", point.chance}}
      .dump();
}

std::vector<TaskMetric> task_metrics(const std::vector<TaskPoint>& points) {
  std::vector<TaskMetric> metrics;
  for (const TaskPoint& point : points) {
    metrics.push_back({point.task, MetricKind::kAccuracy, point.accuracy});
    metrics.push_back({point.task + "/norm", MetricKind::kAccuracy, point.accuracy_norm});
  }
  return metrics;
}

std::optional<std::int64_t> metrics_line_step(std::string_view line) {
  const std::optional<json> object = parse_metrics_line(line);
  if (!object)
    return std::nullopt;
  return object->at("step").get<std::int64_t>();
}

MetricsLog read_metrics_log(const std::filesystem::path& file) {
  MetricsLog log;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  // A last line without its newline may still be being written.
  while (std::getline(in, line) && !in.eof()) {
    const std::optional<json> object = parse_metrics_line(line);
    if (!object)
      continue;
    const std::optional<double> tokens = number(*object, "tokens");
    if (!tokens)
      continue;
    const auto step = object->at("step").get<std::int64_t>();
    if (const std::optional<double> loss = number(*object, "loss")) {
      log.training.push_back({step, *tokens, *loss});
      log.learning_rate = number(*object, "lr");
      log.tokens_per_second = number(*object, "tokens_per_s");
    } else if (const std::optional<double> validation = number(*object, "val_loss")) {
      log.validation.push_back({step, *tokens, *validation});
    } else if (const auto task = object->find("task"); task != object->end() && task->is_string()) {
      const std::optional<double> items = number(*object, "items");
      const std::optional<double> accuracy = number(*object, "accuracy");
      if (items && accuracy) {
        log.downstream.push_back({step, *tokens, task->get<std::string>(),
                                  static_cast<std::int64_t>(*items), *accuracy,
                                  number(*object, "accuracy_norm").value_or(*accuracy),
                                  number(*object, "chance").value_or(0)});
      }
    }
  }
  return log;
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
  json downstream = json::array();
  for (const TaskMetric& metric : outcome.downstream)
    downstream.push_back(
        {{"task", metric.task}, {"kind", to_string(metric.kind)}, {"value", metric.value}});
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
      {"commit", kSourceCommit},
      {"epochs", epochs(spec, outcome.corpus_train_tokens)},
      {"corpus",
       {{"name", spec.corpus},
        {"train_tokens", outcome.corpus_train_tokens},
        {"validation_tokens", outcome.corpus_validation_tokens}}},
      {"eval_tokens", outcome.eval_tokens},
      {"architecture", architecture_json(arch)},
      {"loss_curve", curve},
      {"downstream", downstream},
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
  run.loss_unit = kTrainerLossUnit;
  run.tokenizer = kTrainerTokenizer;
  run.hyper.learning_rate = spec.learning_rate;
  run.hyper.warmup_fraction = spec.warmup_fraction;
  run.hyper.load_balance = spec.load_balance;
  run.loss_curve = outcome.curve;
  run.downstream = outcome.downstream;
  return run;
}

TrainResult read_train_result(const std::filesystem::path& file) {
  const ResultReader reader(file);
  const json& root = reader.root();
  TrainResult result;
  result.architecture = read_architecture(reader);
  result.total_params = reader.number(root, "N");
  result.active_params = reader.number(root, "N_active");
  result.sparsity = reader.number(root, "S");
  result.tokens = reader.number(root, "tokens");
  result.compute = reader.number(root, "flops");
  result.validation_loss = reader.number(root, "val_loss");
  result.hyper = read_hyper(root);
  result.downstream = read_downstream(reader);
  return result;
}

}  // namespace moescope

#include "moescope/launch/trained_run.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "moescope/accounting.h"
#include "moescope/json_limits.h"
#include "moescope/run_identity.h"

namespace moescope {
namespace {

using nlohmann::json;

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
    result_ = json::parse(text.str(), nullptr, false);
    if (!result_.is_object())
      throw std::runtime_error(file.string() + ": not a JSON object");
  }

  const json& root() const { return result_; }

  double number(const json& object, const std::string& key) const {
    const auto found = object.find(key);
    if (found == object.end())
      fail(key, "missing");
    if (!found->is_number())
      fail(key, "not a number: " + found->dump());
    return found->get<double>();
  }

  int whole(const json& object, const std::string& key) const {
    const auto found = object.find(key);
    if (found == object.end())
      fail(key, "missing");
    if (!found->is_number_integer())
      fail(key, "not a whole number: " + found->dump());
    return found->get<int>();
  }

  const json& object(const std::string& key) const {
    const auto found = result_.find(key);
    if (found == result_.end())
      fail(key, "missing");
    if (!found->is_object())
      fail(key, "not a JSON object");
    return *found;
  }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw std::runtime_error(file_.string() + ": key " + key + ": " + why);
  }

  std::filesystem::path file_;
  json result_;
};

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

HyperParameters read_hyper(const json& result, const HyperParameters& from_spec) {
  const auto spec = result.find("spec");
  if (spec == result.end() || !spec->is_object())
    return from_spec;
  auto value = [&](const char* key) -> std::optional<double> {
    const auto found = spec->find(key);
    if (found == spec->end() || !found->is_number())
      return std::nullopt;
    return found->get<double>();
  };
  HyperParameters hyper;
  hyper.learning_rate = value("lr");
  hyper.warmup_fraction = value("warmup_fraction");
  hyper.load_balance = value("load_balance");
  return hyper;
}

std::vector<LossPoint> loss_curve(const MetricsLog& metrics) {
  return metrics.validation.empty() ? metrics.training : metrics.validation;
}

Run started_run(const RunSource& source, RunStatus status) {
  Run run;
  run.name = source.name;
  run.provenance = source.provenance;
  run.origin = source.host;
  run.status = status;
  return run;
}

}  // namespace

Run run_from_result(const std::filesystem::path& result_file, const SpecSummary& spec,
                    const MetricsLog& metrics, const RunSource& source) {
  const ResultReader reader(result_file);
  const json& result = reader.root();
  Run run = started_run(source, RunStatus::kDone);
  run.architecture = read_architecture(reader);
  run.total_params = reader.number(result, "N");
  run.active_params = reader.number(result, "N_active");
  run.sparsity = reader.number(result, "S");
  run.tokens = reader.number(result, "tokens");
  run.compute = reader.number(result, "flops");
  run.loss = reader.number(result, "val_loss");
  run.hyper = read_hyper(result, spec.hyper);
  run.loss_curve = loss_curve(metrics);
  run.id = content_identity(run);
  return run;
}

Run run_from_failed_job(const SpecSummary& spec, const MetricsLog& metrics,
                        const RunSource& source) {
  Run run = started_run(source, RunStatus::kFailed);
  run.architecture = spec.architecture;
  if (spec.architecture) {
    const ParameterCount count = count_parameters(*spec.architecture);
    run.total_params = count.total;
    run.active_params = count.active;
    run.sparsity = sparsity(*spec.architecture);
    if (spec.tokens) {
      run.tokens = spec.tokens;
      run.compute = flops_per_token_eq9(*spec.architecture) * *spec.tokens;
    }
  }
  run.hyper = spec.hyper;
  run.loss_curve = loss_curve(metrics);
  run.id = content_identity(run);
  return run;
}

}  // namespace moescope

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "moescope/io/json_limits.h"
#include "moescope/model/accounting.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {
namespace {

using nlohmann::json;

std::optional<double> number(const json& spec, const char* key) {
  const auto found = spec.find(key);
  if (found == spec.end() || !found->is_number())
    return std::nullopt;
  return found->get<double>();
}

std::optional<int> whole(const json& spec, const char* key) {
  const std::optional<double> value = number(spec, key);
  if (!value || *value != std::floor(*value) || *value < 1 || *value > 1e9)
    return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<Architecture> architecture(const json& spec) {
  Architecture arch;
  arch.vocab = kByteVocabulary;
  arch.tied_embeddings = true;
  const std::pair<const char*, int*> fields[] = {
      {"d_model", &arch.d_model}, {"layers", &arch.n_layers}, {"heads", &arch.n_heads},
      {"experts", &arch.experts}, {"active", &arch.active},   {"granularity", &arch.granularity},
      {"context", &arch.context}};
  for (const auto& [key, field] : fields) {
    const std::optional<int> value = whole(spec, key);
    if (!value)
      return std::nullopt;
    *field = *value;
  }
  if (const std::optional<int> vocab = whole(spec, "vocab"))
    arch.vocab = *vocab;
  if (!validate(arch).empty())
    return std::nullopt;
  return arch;
}

}  // namespace

SpecSummary read_spec_summary(const std::filesystem::path& spec_file) {
  std::ifstream in(spec_file, std::ios::binary);
  if (!in)
    throw std::runtime_error(spec_file.string() + ": cannot read the spec");
  std::ostringstream text;
  text << in.rdbuf();
  if (const std::optional<std::string> problem = json_depth_problem(text.str()))
    throw std::runtime_error(spec_file.string() + ": " + *problem);
  if (const std::optional<std::string> problem = json_nul_problem(text.str()))
    throw std::runtime_error(spec_file.string() + ": " + *problem);
  const json spec = json::parse(text.str(), nullptr, false);
  if (!spec.is_object())
    throw std::runtime_error(spec_file.string() + ": not a JSON object of spec keys");

  SpecSummary summary;
  summary.architecture = architecture(spec);
  summary.tokens = number(spec, "tokens");
  const std::optional<double> compute = number(spec, "compute");
  if (!summary.tokens && compute && summary.architecture)
    summary.tokens = *compute / flops_per_token_eq9(*summary.architecture);
  const std::optional<int> batch_size = whole(spec, "batch_size");
  if (summary.tokens && *summary.tokens > 0 && batch_size && summary.architecture)
    summary.steps = whole_steps(*summary.tokens, *batch_size, summary.architecture->context);
  summary.hyper.learning_rate = number(spec, "lr");
  summary.hyper.warmup_fraction = number(spec, "warmup_fraction");
  summary.hyper.load_balance = number(spec, "load_balance");
  summary.nodes = whole(spec, "nodes").value_or(1);
  summary.gpus_per_node = whole(spec, "gpus").value_or(0);
  summary.ranks_per_node =
      summary.gpus_per_node > 0 ? summary.gpus_per_node : whole(spec, "ranks").value_or(1);
  return summary;
}

}  // namespace moescope

// A spec written out: as JSON of every field (what a run records) and as a spec file that reads
// back to the same spec, giving only what the reader would not fill in.
#include <nlohmann/json.hpp>

#include "moescope/trainer/train_spec.h"

namespace moescope {

using nlohmann::json;

std::string to_json(const TrainSpec& spec) {
  const Architecture& arch = spec.architecture;
  json object = {
      {"d_model", arch.d_model},
      {"layers", arch.n_layers},
      {"heads", arch.n_heads},
      {"experts", arch.experts},
      {"active", arch.active},
      {"granularity", arch.granularity},
      {"context", arch.context},
      {"vocab", arch.vocab},
      {"batch_size", spec.batch_size},
      {"micro_batch_size", spec.micro_batch_size},
      {"lr", spec.learning_rate},
      {"warmup_fraction", spec.warmup_fraction},
      {"final_lr_fraction", spec.final_lr_fraction},
      {"weight_decay", spec.weight_decay},
      {"grad_clip", spec.grad_clip},
      {"load_balance", spec.load_balance},
      {"z_loss", spec.z_loss},
      {"seed", spec.seed},
      {"corpus", spec.corpus},
      {"eval_interval", spec.eval_interval},
      {"eval_tokens", spec.eval_tokens},
      {"log_interval", spec.log_interval},
      {"checkpoint_interval", spec.checkpoint_interval},
      {"device", spec.device},
      {"precision", spec.precision},
      {"threads", spec.threads},
      {"tasks", spec.tasks},
      {"task_items", spec.task_items},
      {"design", spec.design},
      {"nodes", spec.nodes},
      {"ranks", spec.ranks},
      {"gpus", spec.gpus},
      {"expert_parallel", spec.expert_parallel},
      {"backend", spec.backend},
  };
  if (spec.tokens)
    object["tokens"] = *spec.tokens;
  if (spec.compute)
    object["compute"] = *spec.compute;
  return object.dump(2);
}

std::string to_spec_file(const TrainSpec& spec) {
  const Architecture& arch = spec.architecture;
  nlohmann::ordered_json object = {
      {"d_model", arch.d_model}, {"layers", arch.n_layers}, {"heads", arch.n_heads},
      {"experts", arch.experts}, {"active", arch.active},   {"granularity", arch.granularity},
      {"context", arch.context}, {"vocab", arch.vocab},     {"batch_size", spec.batch_size},
  };
  if (spec.tokens)
    object["tokens"] = *spec.tokens;
  if (spec.compute)
    object["compute"] = *spec.compute;
  object["lr"] = spec.learning_rate;
  object["warmup_fraction"] = spec.warmup_fraction;
  object["seed"] = spec.seed;
  object["eval_tokens"] = spec.eval_tokens;
  // The rest only where the reader would fill in another value, so that the file parses back to
  // this spec.
  const TrainSpec defaults;
  auto unless = [&object](const char* key, const auto& value, const auto& filled_in) {
    if (value != filled_in)
      object[key] = value;
  };
  unless("micro_batch_size", spec.micro_batch_size, spec.batch_size / spec.world_size());
  unless("final_lr_fraction", spec.final_lr_fraction, defaults.final_lr_fraction);
  unless("weight_decay", spec.weight_decay, defaults.weight_decay);
  unless("grad_clip", spec.grad_clip, defaults.grad_clip);
  unless("load_balance", spec.load_balance, defaults.load_balance);
  unless("z_loss", spec.z_loss, defaults.z_loss);
  unless("corpus", spec.corpus, defaults.corpus);
  TrainSpec derived = spec;  // the intervals the reader derives from the budget
  derive_schedule(derived);
  unless("eval_interval", spec.eval_interval, derived.eval_interval);
  unless("log_interval", spec.log_interval, derived.log_interval);
  unless("checkpoint_interval", spec.checkpoint_interval, derived.checkpoint_interval);
  unless("device", spec.device, defaults.device);
  unless("precision", spec.precision, defaults.precision);
  unless("threads", spec.threads, defaults.threads);
  unless("tasks", spec.tasks, default_tasks(spec.corpus));
  unless("task_items", spec.task_items, defaults.task_items);
  unless("design", spec.design, defaults.design);
  unless("nodes", spec.nodes, defaults.nodes);
  unless("ranks", spec.ranks, defaults.ranks);
  unless("gpus", spec.gpus, defaults.gpus);
  unless("expert_parallel", spec.expert_parallel, defaults.expert_parallel);
  unless("backend", spec.backend, defaults.backend);
  return object.dump(2) + "\n";
}

}  // namespace moescope

#include "moescope/trainer/train_spec.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "moescope/io/json_limits.h"
#include "moescope/model/accounting.h"
#include "moescope/trainer/corpus_catalog.h"
#include "moescope/trainer/task_file.h"

namespace moescope {
namespace {

using nlohmann::json;

// 2^53: from here on, doubles are no longer every whole number.
constexpr double kExactDoubleLimit = 9007199254740992.0;

// Every key a spec may hold; anything else is refused, since a misspelt optional key would
// otherwise silently train with its default.
const std::set<std::string>& known_keys() {
  static const std::set<std::string> keys = {
      // The architecture
      "d_model", "layers", "heads", "experts", "active", "granularity", "context", "vocab",
      // Budget and optimisation
      "tokens", "compute", "batch_size", "micro_batch_size", "lr", "warmup_fraction",
      "final_lr_fraction", "weight_decay", "grad_clip", "load_balance", "z_loss", "seed",
      // Data, bookkeeping and placement
      "corpus", "eval_interval", "eval_tokens", "log_interval", "checkpoint_interval", "device",
      "precision", "threads", "tasks", "task_items",
      // Several ranks
      "nodes", "ranks", "gpus", "expert_parallel", "backend",
      // Provenance
      "design"};
  return keys;
}

// Reads the keys of one spec object, recording a problem per bad key instead of stopping at the
// first, so that one refusal lists everything that needs fixing.
class SpecReader {
 public:
  explicit SpecReader(const json& object) : object_(object) {}

  std::vector<FieldProblem>& problems() { return problems_; }
  bool has(const char* key) const { return object_.contains(key); }

  std::optional<double> number(const char* key, bool required) {
    if (!object_.contains(key)) {
      if (required)
        problem(key, "missing (required)");
      return std::nullopt;
    }
    const json& value = object_.at(key);
    if (!value.is_number()) {
      problem(key, "must be a number, got " + value.dump());
      return std::nullopt;
    }
    const double number = value.get<double>();
    if (!std::isfinite(number)) {
      problem(key, "must be finite");
      return std::nullopt;
    }
    return number;
  }

  // A whole number; 1e6 is accepted as 1000000 (JSON writers often print counts in exponent form).
  // One written as an integer is compared exactly: as a double, 2^53 + 1 would pass for 2^53.
  std::optional<std::int64_t> integer(const char* key, bool required, std::int64_t minimum,
                                      std::int64_t maximum = std::numeric_limits<int>::max()) {
    const std::optional<double> value = number(key, required);
    if (!value)
      return std::nullopt;
    const json& raw = object_.at(key);
    if (!raw.is_number_integer() && *value != std::floor(*value)) {
      problem(key, "must be a whole number, got " + raw.dump());
      return std::nullopt;
    }
    // Written with a fraction or an exponent, a number is read as a double, exact only below
    // 2^53: 9.007199254740993e15 (2^53 + 1) arrives as 2^53. Above that, only digits are exact.
    if (!raw.is_number_integer() && std::abs(*value) >= kExactDoubleLimit) {
      problem(key,
              "must be written as digits (a whole number without fraction or exponent) from "
              "2^53 on, where a double rounds it; got " +
                  raw.dump());
      return std::nullopt;
    }
    bool inside = false;
    if (raw.is_number_unsigned()) {
      const auto whole = raw.get<std::uint64_t>();  // may exceed every int64
      inside = whole <= static_cast<std::uint64_t>(maximum) &&
               (minimum <= 0 || whole >= static_cast<std::uint64_t>(minimum));
    } else if (raw.is_number_integer()) {
      const auto whole = raw.get<std::int64_t>();
      inside = whole >= minimum && whole <= maximum;
    } else {
      inside = *value >= static_cast<double>(minimum) && *value <= static_cast<double>(maximum);
    }
    if (!inside) {
      problem(key, "must lie in [" + std::to_string(minimum) + ", " + std::to_string(maximum) +
                       "], got " + raw.dump());
      return std::nullopt;
    }
    return raw.is_number_integer() ? raw.get<std::int64_t>() : static_cast<std::int64_t>(*value);
  }

  // A number in [low, high] (or [low, high) with `high_open`), or above `low` with `low_open`.
  std::optional<double> ranged(const char* key, bool required, double low, double high,
                               bool low_open, bool high_open) {
    const std::optional<double> value = number(key, required);
    if (!value)
      return std::nullopt;
    const bool below = low_open ? *value <= low : *value < low;
    const bool above = high_open ? *value >= high : *value > high;
    if (below || above) {
      std::ostringstream range;
      range << (low_open ? "(" : "[") << low << ", " << high << (high_open ? ")" : "]");
      problem(key, "must lie in " + range.str() + ", got " + object_.at(key).dump());
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> text(const char* key) {
    if (!object_.contains(key))
      return std::nullopt;
    const json& value = object_.at(key);
    if (!value.is_string()) {
      problem(key, "must be a string, got " + value.dump());
      return std::nullopt;
    }
    return value.get<std::string>();
  }

  std::optional<bool> flag(const char* key) {
    if (!object_.contains(key))
      return std::nullopt;
    const json& value = object_.at(key);
    if (!value.is_boolean()) {
      problem(key, "must be true or false, got " + value.dump());
      return std::nullopt;
    }
    return value.get<bool>();
  }

  void problem(const std::string& key, const std::string& message) {
    problems_.push_back({key, message});
  }

 private:
  const json& object_;
  std::vector<FieldProblem> problems_;
};

// The default of an interval: `per_run` of them over the run's steps, rounded up.
std::int64_t default_interval(std::int64_t steps, std::int64_t per_run) {
  const std::int64_t at_least_one = std::max<std::int64_t>(steps, 1);
  return (at_least_one + per_run - 1) / per_run;
}

// The tokens a budget asks for: given, or the compute over Eq. 9 FLOPs per token.
double budget_tokens(const TrainSpec& spec) {
  return spec.tokens ? *spec.tokens : *spec.compute / flops_per_token_eq9(spec.architecture);
}

bool valid_device(const std::string& device) {
  if (device == "auto" || device == "cpu" || device == "cuda")
    return true;
  const std::string prefix = "cuda:";
  return device.starts_with(prefix) && device.size() > prefix.size() &&
         device.size() <= prefix.size() + 3 &&
         std::all_of(device.begin() + static_cast<std::ptrdiff_t>(prefix.size()), device.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

void read_architecture(SpecReader& reader, TrainSpec& spec) {
  Architecture& arch = spec.architecture;
  arch.vocab = kByteVocabulary;
  arch.tied_embeddings = true;
  auto set = [&](const char* key, int& field) {
    if (const auto value = reader.integer(key, true, 1))
      field = static_cast<int>(*value);
  };
  set("d_model", arch.d_model);
  set("layers", arch.n_layers);
  set("heads", arch.n_heads);
  set("experts", arch.experts);
  set("active", arch.active);
  set("granularity", arch.granularity);
  set("context", arch.context);
  if (reader.has("vocab")) {
    const auto vocab = reader.integer("vocab", false, 1);
    if (vocab && *vocab != kByteVocabulary) {
      reader.problem("vocab", "the byte-level tokenizer has " + std::to_string(kByteVocabulary) +
                                  " tokens, got " + std::to_string(*vocab) + " (leave vocab out)");
    }
  }
}

void read_budget(SpecReader& reader, TrainSpec& spec) {
  const bool has_tokens = reader.has("tokens");
  const bool has_compute = reader.has("compute");
  if (has_tokens == has_compute) {
    reader.problem(has_tokens ? "compute" : "tokens",
                   has_tokens ? "give either tokens or compute, not both"
                              : "missing (required, or give compute in FLOPs instead)");
    return;
  }
  if (has_tokens)
    spec.tokens = reader.ranged("tokens", true, 0, kMaxTrainingTokens, true, false);
  else
    spec.compute = reader.ranged("compute", true, 0, kMaxTrainingCompute, true, false);
}

void read_optimisation(SpecReader& reader, TrainSpec& spec) {
  if (const auto value = reader.integer("batch_size", true, 1))
    spec.batch_size = static_cast<int>(*value);
  spec.micro_batch_size = spec.batch_size;
  if (const auto value = reader.integer("micro_batch_size", false, 1))
    spec.micro_batch_size = static_cast<int>(*value);
  if (spec.batch_size > 0 && spec.micro_batch_size > 0 &&
      spec.batch_size % spec.micro_batch_size != 0) {
    reader.problem("micro_batch_size",
                   "micro_batch_size=" + std::to_string(spec.micro_batch_size) +
                       " does not divide batch_size=" + std::to_string(spec.batch_size));
  }
  if (const auto value = reader.ranged("lr", true, 0, 1, true, false))
    spec.learning_rate = *value;
  if (const auto value = reader.ranged("warmup_fraction", true, 0, 1, false, true))
    spec.warmup_fraction = *value;
  if (const auto value = reader.ranged("final_lr_fraction", false, 0, 1, false, false))
    spec.final_lr_fraction = *value;
  if (const auto value = reader.ranged("weight_decay", false, 0, 1, false, true))
    spec.weight_decay = *value;
  if (const auto value = reader.ranged("grad_clip", false, 0, 1e9, false, false))
    spec.grad_clip = *value;
  if (const auto value = reader.ranged("load_balance", false, 0, 1e3, false, false))
    spec.load_balance = *value;
  if (const auto value = reader.ranged("z_loss", false, 0, 1e3, false, false))
    spec.z_loss = *value;
  // Up to 2^53, the integers a JSON number holds exactly in every reader.
  if (const auto value = reader.integer("seed", true, 0, std::int64_t{1} << 53))
    spec.seed = static_cast<std::uint64_t>(*value);
}

// Turns the budget into whole steps and the intervals' defaults.
void derive_steps(SpecReader& reader, TrainSpec& spec) {
  if (!reader.problems().empty())
    return;  // the architecture or batch is not usable, so neither is a step count
  derive_schedule(spec);
  if (spec.steps < 1) {
    const char* key = spec.tokens ? "tokens" : "compute";
    std::ostringstream message;
    message << "the budget gives " << budget_tokens(spec)
            << " tokens, fewer than one step of batch_size * context = " << spec.tokens_per_step()
            << " tokens";
    reader.problem(key, message.str());
  }
}

// The intervals a file gives replace the derived defaults.
void read_schedule_of_work(SpecReader& reader, TrainSpec& spec) {
  const std::int64_t no_limit = std::numeric_limits<std::int64_t>::max() / 2;
  spec.eval_interval =
      reader.integer("eval_interval", false, 0, no_limit).value_or(spec.eval_interval);
  spec.log_interval =
      reader.integer("log_interval", false, 1, no_limit).value_or(spec.log_interval);
  spec.checkpoint_interval =
      reader.integer("checkpoint_interval", false, 1, no_limit).value_or(spec.checkpoint_interval);
  if (const auto value = reader.integer("eval_tokens", false, 1, no_limit))
    spec.eval_tokens = *value;
  if (spec.architecture.context > 0 && spec.eval_tokens < spec.architecture.context) {
    reader.problem("eval_tokens", "eval_tokens=" + std::to_string(spec.eval_tokens) +
                                      " is less than one sequence of context=" +
                                      std::to_string(spec.architecture.context) + " tokens");
  }
  if (const auto value = reader.integer("threads", false, 1, 1024))
    spec.threads = static_cast<int>(*value);
}

// True when `path` lies strictly inside `folder`; both canonical.
bool lies_inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  const auto [in_folder, in_path] =
      std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return in_folder == folder.end() && in_path != path.end();
}

// The file a spec names under `key` (its corpus or a task file), as the system will open it
// (links followed), when it is a regular file inside `root`; else a problem of that key. Nothing is
// read: a spec must not make the trainer copy whatever its author points it at (/etc/shadow) into
// its cache.
std::optional<std::string> resolve_input_file(SpecReader& reader, const std::string& key,
                                              const std::string& given,
                                              const std::filesystem::path& folder,
                                              const std::filesystem::path& corpus_root) {
  namespace fs = std::filesystem;
  const std::string quoted = "\"" + given + "\"";
  if (given.find('\0') != std::string::npos) {
    reader.problem(key, "must not contain a NUL character");
    return std::nullopt;
  }
  std::error_code error;
  const fs::path root = fs::canonical(corpus_root.empty() ? folder : corpus_root, error);
  if (error) {
    reader.problem(key, (corpus_root.empty() ? "the spec's folder " + folder.string()
                                             : "the corpus root " + corpus_root.string()) +
                            ": " + error.message());
    return std::nullopt;
  }
  const fs::path named = fs::path(given).is_absolute() ? fs::path(given) : folder / given;
  const fs::path path = fs::canonical(named, error);
  if (error) {
    reader.problem(
        key, quoted + ": " + error.message() + " (" + named.lexically_normal().string() + ")");
    return std::nullopt;
  }
  if (!lies_inside(path, root)) {
    const std::string files = key == "corpus" ? "corpus files" : "task files";
    reader.problem(key, quoted + " lies outside " + root.string() +
                            (corpus_root.empty() ? " (" + files +
                                                       " must be in the spec's folder; "
                                                       "moescope-train --corpus-root DIR widens it)"
                                                 : ", the corpus root"));
    return std::nullopt;
  }
  if (!fs::is_regular_file(path, error)) {
    reader.problem(key, quoted + " is not a regular file");
    return std::nullopt;
  }
  return path.string();
}

void read_placement(SpecReader& reader, TrainSpec& spec, const std::filesystem::path& folder,
                    const std::filesystem::path& corpus_root) {
  if (const auto device = reader.text("device")) {
    if (valid_device(*device))
      spec.device = *device;
    else
      reader.problem("device", "must be auto, cpu, cuda or cuda:N, got \"" + *device + "\"");
  }
  if (const auto precision = reader.text("precision")) {
    if (*precision == "auto" || *precision == "fp32" || *precision == "bf16")
      spec.precision = *precision;
    else
      reader.problem("precision", "must be auto, fp32 or bf16, got \"" + *precision + "\"");
  }
  if (const auto design = reader.text("design")) {
    if (design->size() > kMaxDesignLength)
      reader.problem("design", "must be at most " + std::to_string(kMaxDesignLength) +
                                   " characters, got " + std::to_string(design->size()));
    else if (std::any_of(design->begin(), design->end(),
                         [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      reader.problem("design", "must be one line of text without control characters");
    else
      spec.design = *design;
  }
  if (const auto corpus = reader.text("corpus")) {
    if (corpus->empty()) {
      reader.problem("corpus", "must be a built-in corpus (" + built_in_corpus_names() +
                                   ") or the path of a text file, got \"\"");
    } else if (find_built_in_corpus(*corpus)) {
      spec.corpus = *corpus;
    } else if (const std::optional<std::string> path =
                   resolve_input_file(reader, "corpus", *corpus, folder, corpus_root)) {
      spec.corpus = *path;
    }
  }
}

// The downstream tasks: the shipped ones by name, task files as the corpus file is found. Without
// the key, the shipped tasks go with the built-in corpora, which all begin with the debian-v1 text
// they were built from and so keep its held-out blocks held out; no task goes with a text file.
void read_tasks(SpecReader& reader, TrainSpec& spec, const std::filesystem::path& folder,
                const std::filesystem::path& corpus_root, const json& object) {
  if (const auto items = reader.integer("task_items", false, 1, std::int64_t{1} << 30))
    spec.task_items = *items;
  if (!object.contains("tasks")) {
    spec.tasks = default_tasks(spec.corpus);
    return;
  }
  const json& list = object.at("tasks");
  if (!list.is_array() ||
      !std::all_of(list.begin(), list.end(), [](const json& entry) { return entry.is_string(); })) {
    reader.problem("tasks", "must be a list of task files (or \"" + std::string(kShippedTasks) +
                                "\"), got " + list.dump());
    return;
  }
  std::set<std::string> names;
  for (const json& entry : list) {
    const std::string given = entry.get<std::string>();
    std::optional<std::string> task = given;
    if (given != kShippedTasks)
      task = resolve_input_file(reader, "tasks", given, folder, corpus_root);
    if (!task)
      continue;
    // Metrics are keyed by the task's name, so two files must not share one.
    if (!names.insert(given == kShippedTasks ? given : task_name(*task)).second) {
      reader.problem("tasks", "\"" + given + "\" is named twice, or shares its file name \"" +
                                  task_name(*task) + "\" with another task");
      continue;
    }
    spec.tasks.push_back(*task);
  }
}

// The rank layout: nodes x (ranks or gpus) processes, each with its share of the global batch
// (the same global batch as one rank trains on, split into the same micro-batches, so that the
// loss curve does not depend on the rank count). Without micro_batch_size, a rank's share is one
// micro-batch.
void read_ranks(SpecReader& reader, TrainSpec& spec) {
  constexpr std::int64_t kMaxProcesses = 1024;
  if (const auto value = reader.integer("nodes", false, 1, kMaxProcesses))
    spec.nodes = static_cast<int>(*value);
  if (const auto value = reader.integer("ranks", false, 1, kMaxProcesses))
    spec.ranks = static_cast<int>(*value);
  // 0: none asked for, as the canonical spec writes it.
  if (const auto value = reader.integer("gpus", false, 0, kMaxProcesses))
    spec.gpus = static_cast<int>(*value);
  if (spec.ranks > 1 && spec.gpus > 0) {
    reader.problem("gpus",
                   "give either ranks (CPU processes per node) or gpus (CUDA processes "
                   "per node), not both");
    return;
  }
  if (spec.ranks > 1 && spec.device != "cpu") {
    reader.problem("ranks", "ranks=" + std::to_string(spec.ranks) +
                                " starts CPU processes: set \"device\": \"cpu\", or ask for "
                                "CUDA processes with gpus");
  }
  if (spec.gpus > 0 && spec.device != "auto" && spec.device != "cuda") {
    reader.problem("gpus", "gpus=" + std::to_string(spec.gpus) +
                               " puts one rank on each GPU of a node: device must be auto or "
                               "cuda, got \"" +
                               spec.device + "\"");
  }
  if (const auto backend = reader.text("backend")) {
    if (*backend == "auto" || *backend == "gloo" || *backend == "nccl")
      spec.backend = *backend;
    else
      reader.problem("backend", "must be auto, gloo or nccl, got \"" + *backend + "\"");
  }
  if (spec.backend == "nccl" && spec.device == "cpu")
    reader.problem("backend", "nccl reduces CUDA tensors: a cpu run needs gloo (or auto)");
  if (const auto expert_parallel = reader.flag("expert_parallel"))
    spec.expert_parallel = *expert_parallel;
  const int world = spec.world_size();
  // Each rank holds experts / world of every layer's experts (training/README.md, "Expert
  // parallelism"); one rank holds them all, as without the key.
  const std::int64_t experts = spec.architecture.experts;
  if (spec.expert_parallel && world > 1 && experts > 0 && experts % world != 0) {
    reader.problem("expert_parallel",
                   "experts=" + std::to_string(experts) + " do not divide among the " +
                       std::to_string(world) +
                       " ranks (nodes x ranks or gpus): each rank holds experts / ranks of "
                       "every layer's experts");
  }
  if (world == 1 || spec.batch_size < 1)
    return;
  if (spec.batch_size % world != 0) {
    reader.problem("batch_size", "batch_size=" + std::to_string(spec.batch_size) +
                                     " does not divide among the " + std::to_string(world) +
                                     " ranks (nodes x ranks or gpus)");
    return;
  }
  const int share = spec.batch_size / world;
  if (!reader.has("micro_batch_size"))
    spec.micro_batch_size = share;
  else if (spec.micro_batch_size > 0 && share % spec.micro_batch_size != 0) {
    reader.problem("micro_batch_size",
                   "micro_batch_size=" + std::to_string(spec.micro_batch_size) +
                       " does not divide a rank's share of the batch, batch_size / " +
                       std::to_string(world) + " ranks = " + std::to_string(share));
  }
}

void check_architecture(SpecReader& reader, const TrainSpec& spec) {
  const Architecture& arch = spec.architecture;
  bool complete = arch.d_model > 0 && arch.n_layers > 0 && arch.n_heads > 0 && arch.experts > 0 &&
                  arch.active > 0 && arch.granularity > 0 && arch.context > 0;
  if (!complete)
    return;  // the missing or bad keys are already reported
  for (FieldProblem& problem : validate(arch))
    reader.problems().push_back(std::move(problem));
  if (arch.d_model % arch.n_heads == 0 && (arch.d_model / arch.n_heads) % 2 != 0) {
    reader.problem("heads",
                   "head size d_model/heads=" + std::to_string(arch.d_model / arch.n_heads) +
                       " must be even for rotary position embeddings");
  }
}

}  // namespace

std::vector<std::string> default_tasks(std::string_view corpus) {
  if (find_built_in_corpus(corpus))
    return {std::string(kShippedTasks)};
  return {};
}

std::int64_t whole_steps(double tokens, int batch_size, int context) {
  const double steps = std::floor(tokens / (static_cast<double>(batch_size) * context));
  // Saturated, not cast out of range (undefined): a lenient reader may meet any token count; the
  // strict reader refuses tokens above kMaxTrainingTokens before it gets here.
  constexpr double kMaxSteps = 9.2e18;  // below 2^63, exactly representable as a double
  if (!(steps > 0))                     // NaN included
    return 0;
  return static_cast<std::int64_t>(std::min(steps, kMaxSteps));
}

SpecError::SpecError(std::vector<FieldProblem> problems)
    : std::runtime_error(
          problems.empty() ? "bad spec" : problems.front().field + ": " + problems.front().message),
      problems_(std::move(problems)) {}

double TrainSpec::tokens_per_step() const {
  return static_cast<double>(batch_size) * architecture.context;
}

double TrainSpec::trained_tokens() const {
  return static_cast<double>(steps) * tokens_per_step();
}

void derive_schedule(TrainSpec& spec) {
  spec.steps = whole_steps(budget_tokens(spec), spec.batch_size, spec.architecture.context);
  spec.eval_interval = default_interval(spec.steps, 10);
  spec.log_interval = default_interval(spec.steps, 200);
  spec.checkpoint_interval = default_interval(spec.steps, 20);
}

TrainSpec parse_train_spec(std::string_view json_text, const std::filesystem::path& spec_folder,
                           const std::filesystem::path& corpus_root) {
  // Before the parser builds a value that a refusal's dump() would walk recursively.
  if (const std::optional<std::string> problem = json_depth_problem(json_text))
    throw SpecError({{"spec", *problem}});
  if (const std::optional<std::string> problem = json_nul_problem(json_text))
    throw SpecError({{"spec", *problem}});
  json object;
  try {
    object = json::parse(json_text);
  } catch (const json::exception& error) {  // a syntax error, or a number like 1e999
    throw SpecError({{"spec", std::string("not valid JSON: ") + error.what()}});
  }
  if (!object.is_object())
    throw SpecError({{"spec", "must be a JSON object of keys, got " + object.dump()}});

  SpecReader reader(object);
  for (const auto& [key, value] : object.items()) {
    if (!known_keys().contains(key))
      reader.problem(key, "unknown key (training/README.md lists the keys)");
  }
  TrainSpec spec;
  read_architecture(reader, spec);
  read_budget(reader, spec);
  read_optimisation(reader, spec);
  read_placement(reader, spec, spec_folder, corpus_root);
  read_tasks(reader, spec, spec_folder, corpus_root, object);
  read_ranks(reader, spec);
  check_architecture(reader, spec);
  derive_steps(reader, spec);
  read_schedule_of_work(reader, spec);
  if (!reader.problems().empty())
    throw SpecError(std::move(reader.problems()));
  return spec;
}

TrainSpec read_train_spec(const std::filesystem::path& file,
                          const std::filesystem::path& corpus_root) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw SpecError({{"spec", "cannot read " + file.string()}});
  std::ostringstream text;
  text << in.rdbuf();
  const std::filesystem::path folder = std::filesystem::absolute(file).parent_path();
  return parse_train_spec(text.str(), folder, corpus_root);
}

std::vector<FieldProblem> spec_differences(std::string_view recorded, std::string_view requested) {
  if (const std::optional<std::string> problem = json_depth_problem(recorded))
    return {{"spec", "the recorded spec: " + *problem}};
  const json before = json::parse(recorded);
  const json now = json::parse(requested);
  auto shown = [](const json& object, const std::string& key) {
    return object.contains(key) ? object.at(key).dump() : std::string("absent");
  };
  std::vector<FieldProblem> problems;
  for (const std::string& key : known_keys()) {
    if (std::find(std::begin(kRankLayoutKeys), std::end(kRankLayoutKeys), key) !=
        std::end(kRankLayoutKeys))
      continue;
    if (shown(before, key) != shown(now, key)) {
      problems.push_back(
          {key, shown(now, key) + " here but " + shown(before, key) + " in the recorded spec"});
    }
  }
  return problems;
}

std::string describe(const SpecError& error) {
  std::string text;
  for (const FieldProblem& problem : error.problems()) {
    if (!text.empty())
      text += '\n';
    text += problem.field + ": " + problem.message;
  }
  return text;
}

}  // namespace moescope

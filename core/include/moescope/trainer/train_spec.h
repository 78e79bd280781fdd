#pragma once

// The spec file of moescope-train (training/README.md lists its keys): the one type that the
// planner writes, the trainer runs and the launch queue reads. Torch-free, so that all three share
// it on every machine.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/model/architecture.h"
#include "moescope/run/field_problem.h"
#include "moescope/run/run.h"

namespace moescope {

// The tokenizer is byte-level: a token is one byte of the UTF-8 text, so the vocabulary is 256.
inline constexpr int kByteVocabulary = 256;
// So its losses are cross-entropy per byte, in nats; stored runs say so (Run::loss_unit).
inline constexpr LossUnit kTrainerLossUnit = LossUnit::kNatsPerByte;
inline constexpr const char* kTrainerTokenizer = "bytes (UTF-8)";

// Held-out tokens per validation pass when a spec does not say.
inline constexpr std::int64_t kDefaultEvalTokens = 262144;

// Items of each downstream task scored per validation pass when a spec does not say (the first
// ones of its file): 500 put an accuracy's standard error near 2 points and keep a pass short.
inline constexpr std::int64_t kDefaultTaskItems = 500;

// Bounds of the budget keys: "tokens" lie in (0, 1e18], "compute" in (0, 1e30]. 1e18 tokens are
// far beyond any run a trainer here makes, and keep every step count well inside a 64-bit integer.
inline constexpr double kMaxTrainingTokens = 1e18;
inline constexpr double kMaxTrainingCompute = 1e30;
// Longest "design" text a spec takes (one line saying how the run was chosen).
inline constexpr std::size_t kMaxDesignLength = 512;

// The optimizer steps a budget of `tokens` makes: whole steps of batch_size x context tokens,
// rounded down, since the trainer never runs part of a step.
std::int64_t whole_steps(double tokens, int batch_size, int context);

// A spec that cannot be run, with one problem per key (the key is FieldProblem::field).
class SpecError : public std::runtime_error {
 public:
  explicit SpecError(std::vector<FieldProblem> problems);
  const std::vector<FieldProblem>& problems() const { return problems_; }

 private:
  std::vector<FieldProblem> problems_;
};

// One training run as its spec file describes it, with every default filled in. Two runs with
// equal specs train bit-identically on the same device kind.
// The tasks a spec without a "tasks" key scores: the shipped tasks with a built-in corpus (which
// all begin with the debian-v1 text the tasks were held out of), none with a text file.
std::vector<std::string> default_tasks(std::string_view corpus);

struct TrainSpec {
  Architecture architecture;  // vocab is the tokenizer's, embeddings are tied

  int batch_size = 0;        // sequences per optimizer step
  int micro_batch_size = 0;  // sequences per forward/backward pass; divides batch_size
  // Exactly one of the two is given; the other stays empty. `compute` becomes tokens through
  // Eq. 9 (flops_per_token_eq9 of core's accounting, router term included).
  std::optional<double> tokens;
  std::optional<double> compute;
  std::int64_t steps = 0;  // whole_steps of the tokens

  double learning_rate = 0;  // peak, reached at the end of warm-up
  double warmup_fraction = 0;
  double final_lr_fraction = 0.1;  // the cosine decays to this fraction of the peak
  double weight_decay = 1e-5;      // per step at the peak rate, decoupled from the rate's scale
  double grad_clip = 1.0;          // global gradient norm; 0 turns clipping off
  double load_balance = 0.01;      // coefficient of the Switch load-balancing loss
  double z_loss = 0.001;           // coefficient of the router z-loss
  std::uint64_t seed = 0;

  std::string corpus = "debian";   // or the canonical path of a UTF-8 text file
  std::int64_t eval_interval = 0;  // steps between validation passes; 0: at the start and end only
  std::int64_t eval_tokens = kDefaultEvalTokens;  // per validation pass (at most the split)
  std::int64_t log_interval = 0;
  std::int64_t checkpoint_interval = 0;
  // Downstream tasks scored at every validation pass: kShippedTasks ("debian-tasks") or the
  // canonical path of a task file (task_file.h). Default: default_tasks(corpus).
  std::vector<std::string> tasks;
  std::int64_t task_items = kDefaultTaskItems;  // items per task and pass, the first of each file
  std::string device = "auto";                  // auto, cpu, cuda or cuda:N
  std::string precision = "auto";               // auto (bf16 on CUDA, fp32 on CPU), fp32 or bf16
  int threads = 1;  // CPU threads; part of the spec because results depend on it
  // How the run was chosen, one line of free text kept with the run as provenance: the planner
  // writes "grid" for wanted cells and gaps and "next: ..." for runs proposed by active design
  // (`moescope train plan --next`). Empty when not said. Training does not read it.
  std::string design;

  // Several ranks (training/README.md, "Several ranks"): data parallelism over nodes x ranks per
  // node processes, each training on its share of every global batch. `ranks` counts CPU
  // processes per node (device cpu), `gpus` CUDA processes per node, one per GPU; a spec gives
  // at most one of the two. These keys place the run without changing what it computes, so a run
  // may resume on another rank count (kRankLayoutKeys).
  int nodes = 1;
  int ranks = 1;
  int gpus = 0;                  // 0: not asked for
  bool expert_parallel = false;  // experts sharded over the ranks, experts / world each
  std::string backend = "auto";  // auto (nccl on CUDA, gloo on the CPU), gloo or nccl

  double tokens_per_step() const;
  int ranks_per_node() const { return gpus > 0 ? gpus : ranks; }
  int world_size() const { return nodes * ranks_per_node(); }
  // steps * tokens_per_step(): what the run trains on, at most the tokens asked for.
  double trained_tokens() const;
};

// Fills in what a spec derives from its architecture, batch and budget: `steps`, and the
// intervals a file may leave out, for about ten validation passes, two hundred metrics lines and
// twenty checkpoints per run. The reader does this before it reads the intervals a file gives;
// code that builds a spec does it once those are set.
void derive_schedule(TrainSpec& spec);

// The strict reader, the trainer's. A corpus file is taken relative to `spec_folder` and must be a
// regular file inside `corpus_root` (default: `spec_folder`) once links are followed; the spec
// then holds its canonical path; so do task files (key "tasks"), read when the run starts. Throws
// SpecError listing every problem: unknown or missing keys, wrong types and ranges, an invalid
// architecture (core's validate), a budget too small for one step, a corpus or task file outside
// its root; and, alone, text nested deeper than kMaxJsonDepth (key "spec").
TrainSpec parse_train_spec(std::string_view json_text, const std::filesystem::path& spec_folder,
                           const std::filesystem::path& corpus_root = {});

// Reads and parses a spec file; an unreadable file or broken JSON is a SpecError of key "spec".
TrainSpec read_train_spec(const std::filesystem::path& file,
                          const std::filesystem::path& corpus_root = {});

// The canonical JSON of a spec: every key, defaults filled in, keys sorted. It parses back to an
// equal spec; the run directory stores it and compares it when a run is restarted.
std::string to_json(const TrainSpec& spec);

// A spec file as a person or the planner writes one: the architecture (vocab included),
// batch_size, the budget, lr, warmup_fraction, seed and eval_tokens, in that order, then each other
// key whose value is not the one the reader would fill in. It parses back to an equal spec.
std::string to_spec_file(const TrainSpec& spec);

// The keys that say where a run's ranks and experts go, not what it computes: a restart may change
// them (a run checkpointed on 2 ranks resumes on 1), so spec_differences leaves them out.
inline constexpr const char* kRankLayoutKeys[] = {"nodes", "ranks", "gpus", "backend",
                                                  "expert_parallel"};

// NVLink multicast (NCCL's NVLS) stays off in every environment a trainer starts in, as the GPU
// machines this project uses require: the executors and moescope-train's own rank launcher set
// kNvlinkMulticastVariable=0 unless the environment already names a value.
inline constexpr const char* kNvlinkMulticastVariable = "NCCL_NVLS_ENABLE";

// One problem per key whose value differs between two canonical specs (from to_json), showing
// both values; the rank layout (kRankLayoutKeys) may differ.
std::vector<FieldProblem> spec_differences(std::string_view recorded, std::string_view requested);

// The message of a SpecError, one "key: problem" line per problem.
std::string describe(const SpecError& error);

// The lenient reader, the queue's: enough of a spec to show a job's progress and to record a
// failed run, from any spec the trainer might be given. Checking the spec is the trainer's
// business; keys this reader does not know, or that are wrong, are left out.
struct SpecSummary {
  // When d_model, layers, heads, experts, active, granularity and context are all whole numbers;
  // vocab defaults to kByteVocabulary, embeddings are tied.
  std::optional<Architecture> architecture;
  // "tokens", or "compute" over Eq. 9 FLOPs per token (how the strict reader converts).
  std::optional<double> tokens;
  std::int64_t steps = 0;  // whole_steps of the tokens; 0 when unknown
  HyperParameters hyper;   // lr, warmup_fraction and load_balance, where given
  // The processes the run asks for (nodes, and gpus or ranks per node); 1 and 0 where not given.
  int nodes = 1;
  int ranks_per_node = 1;
  int gpus_per_node = 0;
};

// Throws std::runtime_error naming the file when it cannot be read, nests deeper than
// kMaxJsonDepth (json_limits.h) or is not a JSON object.
SpecSummary read_spec_summary(const std::filesystem::path& spec_file);

}  // namespace moescope

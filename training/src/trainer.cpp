#include "moescope/training/trainer.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "moescope/io/atomic_file.h"
#include "moescope/io/run_table.h"
#include "moescope/model/accounting.h"
#include "moescope/trainer/corpus_catalog.h"
#include "moescope/trainer/train_records.h"
#include "moescope/training/attention.h"
#include "moescope/training/available_memory.h"
#include "moescope/training/batch_sampler.h"
#include "moescope/training/checkpoint.h"
#include "moescope/training/corpus.h"
#include "moescope/training/distributed.h"
#include "moescope/training/downstream_eval.h"
#include "moescope/training/expert_parallel.h"
#include "moescope/training/lr_schedule.h"
#include "moescope/training/peak_flops.h"
#include "moescope/training/rank_launcher.h"
#include "moescope/training/run_directory.h"
#include "moescope/training/token_file.h"
#include "moescope/training/training_step.h"
#include "moescope/training/transformer.h"

namespace moescope::training {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string resolve_device(const TrainSpec& spec, int local_rank) {
  if (spec.device == "cpu" || (spec.device == "auto" && !torch::cuda::is_available()))
    return "cpu";
  if (!torch::cuda::is_available()) {
    throw SpecError({{"device", "\"" + spec.device +
                                    "\": CUDA is not available here (no GPU, or "
                                    "a LibTorch built without CUDA)"}});
  }
  const int ordinal = spec.gpus > 0                      ? local_rank
                      : spec.device.starts_with("cuda:") ? std::stoi(spec.device.substr(5))
                                                         : 0;
  const auto devices = static_cast<int>(torch::cuda::device_count());
  if (spec.gpus > devices) {
    throw SpecError({{"gpus", "gpus=" + std::to_string(spec.gpus) + " but this node has " +
                                  std::to_string(devices) + " CUDA devices"}});
  }
  if (ordinal >= devices) {
    throw SpecError({{"device", "\"" + spec.device + "\": there are " + std::to_string(devices) +
                                    " CUDA devices"}});
  }
  return "cuda:" + std::to_string(ordinal);
}

// One micro-batch on the device: inputs and next-token targets, [rows, context] int64 each.
struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
};

Batch to_batch(const torch::Tensor& rows, const torch::Device& device) {
  const torch::Tensor tokens = rows.to(device, torch::kLong);
  const std::int64_t context = tokens.size(1) - 1;
  return {tokens.narrow(1, 0, context), tokens.narrow(1, 1, context)};
}

// One run in this process: the model, its optimizer, the data and the run directory.
class TrainingSession {
 public:
  // `directory` is null on the ranks other than rank 0, which write nothing.
  TrainingSession(const TrainSpec& spec, const TrainOptions& options, const Placement& placement,
                  const RunDirectory* directory, const CorpusFiles& corpus, RankGroup* ranks)
      : spec_(spec),
        log_(directory ? *options.log : silent_),
        directory_(directory),
        checkpoint_file_(RunDirectory::checkpoint_file_in(options.out)),
        device_(placement.device),
        train_file_(corpus.train),
        validation_file_(corpus.validation),
        experts_(spec.expert_parallel && ranks
                     ? std::make_unique<ExpertParallel>(*ranks, spec.architecture.experts)
                     : nullptr),
        model_(make_model(spec, placement, experts_.get())),
        // Decay by lr_t * weight_decay per step, divided by the peak rate: weight_decay at the
        // peak, following the schedule below it, the decoupled ("scale-free") decay the paper used.
        optimizer_(model_->parameters(),
                   AdamWOptions{.weight_decay = spec.weight_decay / spec.learning_rate}),
        step_(spec, *model_, optimizer_, device_, *options.log, ranks, experts_.get()) {
    const std::uint64_t sequence = static_cast<std::uint64_t>(spec.architecture.context) + 1;
    if (train_file_.tokens().size() < sequence || validation_file_.tokens().size() < sequence) {
      throw std::runtime_error(
          "corpus " + spec.corpus +
          ": a split is shorter than context + 1 = " + std::to_string(sequence) + " tokens");
    }
    eval_windows_ = validation_windows(validation_file_.tokens().size(), spec.architecture.context,
                                       spec.eval_tokens);
    if (device_.is_cuda()) {
      peak_flops_ = options.peak_flops ? *options.peak_flops : measure_peak_flops(device_);
      log_ << "moescope-train: MFU against a bf16 peak of " << format("%.4g", *peak_flops_)
           << " FLOP/s (" << (options.peak_flops ? "given" : "measured") << ")\n";
    }
    outcome_.device = placement.device;
    outcome_.precision = placement.precision;
    outcome_.corpus_train_tokens = train_file_.tokens().size();
    outcome_.corpus_validation_tokens = validation_file_.tokens().size();
    outcome_.eval_tokens = eval_windows_ * spec.architecture.context;
    outcome_.peak_flops = peak_flops_;
  }

  void run() {
    // Every rank reads the checkpoint: it holds the whole model and optimizer state, whatever
    // the rank count that wrote it; a rank of experts takes its slice.
    std::optional<TrainingProgress> resumed;
    {
      const std::unique_ptr<WholeExperts> whole = whole_experts();
      resumed = load_checkpoint(checkpoint_file_, *model_, optimizer_, device_);
    }
    if (directory_) {
      // Lines after the checkpoint's step will be written again; without a checkpoint, all will.
      directory_->keep_metrics_through(resumed ? resumed->step : -1);
      metrics_.open(directory_->metrics_file(), std::ios::app | std::ios::binary);
    }
    if (resumed) {
      progress_ = *resumed;
      log_ << "moescope-train: resuming at step " << progress_.step << " from "
           << checkpoint_file_.string() << "\n";
    } else {
      validate();
    }
    window_start_ = Clock::now();
    for (std::int64_t step = progress_.step; step < spec_.steps; ++step)
      train_step(step);
    log_ << "moescope-train: optimizer " << to_string(optimizer_.path()) << ", steps "
         << step_.mode() << "\n";
    if (spec_.eval_interval == 0 || spec_.steps % spec_.eval_interval != 0)
      validate();
    finish();
  }

 private:
  static std::shared_ptr<MoeTransformer> make_model(const TrainSpec& spec,
                                                    const Placement& placement,
                                                    ExpertParallel* experts) {
    torch::manual_seed(spec.seed);
    const auto compute_type = placement.precision == "bf16" ? torch::kBFloat16 : torch::kFloat;
    auto model = std::make_shared<MoeTransformer>(spec.architecture, compute_type, experts);
    model->to(torch::Device(placement.device));
    return model;
  }

  void train_step(std::int64_t step) {
    const double rate = learning_rate_at(spec_, step);
    step_.run(step, rate, train_file_.tokens());

    ++window_steps_;
    progress_.step = step + 1;
    const bool checkpoint = progress_.step % spec_.checkpoint_interval == 0;
    const bool last = progress_.step == spec_.steps;
    // A window of averaged losses never spans a checkpoint, so a resumed run writes the lines
    // an uninterrupted one writes.
    if (progress_.step % spec_.log_interval != 0 && !checkpoint && !last)
      return;
    write_training_line(rate);
    if (spec_.eval_interval > 0 && progress_.step % spec_.eval_interval == 0)
      validate();
    if (checkpoint && !last) {
      const std::unique_ptr<WholeExperts> whole = whole_experts();  // all ranks gather
      if (directory_)
        save_checkpoint(checkpoint_file_, *model_, optimizer_, progress_);
    }
    window_start_ = Clock::now();  // validation and checkpoints are not training time
  }

  // Every expert on every rank while it lives, with expert parallelism (a collective); null
  // without.
  std::unique_ptr<WholeExperts> whole_experts() {
    return experts_ ? std::make_unique<WholeExperts>(*experts_, model_->parameters(), optimizer_)
                    : nullptr;
  }

  void write_training_line(double rate) {
    TrainingPoint point;
    point.step = progress_.step;
    point.tokens = static_cast<double>(progress_.step) * spec_.tokens_per_step();
    const TrainingStep::WindowLosses losses = step_.take_window_losses(window_steps_);  // waits
    point.loss = losses.language;
    point.aux_loss = losses.auxiliary;
    point.learning_rate = rate;
    const double seconds = seconds_since(window_start_);
    const double tokens = static_cast<double>(window_steps_) * spec_.tokens_per_step();
    point.tokens_per_second = tokens / seconds;
    metrics_ << metrics_line(point) << '\n' << std::flush;
    outcome_.train_loss = point.loss;

    progress_.seconds += seconds;
    // The session's first window pays for start-up (allocator, kernel selection): left out of
    // the throughput the result reports.
    if (windows_ > 0) {
      steady_tokens_ += tokens;
      steady_seconds_ += seconds;
    }
    ++windows_;
    print_progress(point);
    window_steps_ = 0;
  }

  void print_progress(const TrainingPoint& point) {
    const double done = static_cast<double>(point.step) / static_cast<double>(spec_.steps);
    log_ << "moescope-train: step " << point.step << "/" << spec_.steps << " ("
         << format("%.0f", 100 * done) << "%)  loss " << format("%.4f", point.loss) << "  lr "
         << format("%.3g", point.learning_rate) << "  " << format("%.0f", point.tokens_per_second)
         << " tokens/s";
    if (peak_flops_) {
      log_ << "  MFU "
           << format("%.1f%%",
                     100 * model_flop_utilisation(spec_, point.tokens_per_second, *peak_flops_));
    }
    const double remaining = static_cast<double>(spec_.steps - point.step) *
                             spec_.tokens_per_step() / point.tokens_per_second;
    log_ << "  eta " << format("%.0f", remaining) << " s\n";
  }

  // The mean next-token loss over the fixed held-out windows, summed in double in a fixed order.
  double validation_loss() {
    const torch::NoGradGuard no_grad;
    const int context = spec_.architecture.context;
    const std::int64_t rows_per_pass = spec_.micro_batch_size;
    double total = 0;
    for (std::int64_t first = 0; first < eval_windows_; first += rows_per_pass) {
      const std::int64_t rows = std::min(rows_per_pass, eval_windows_ - first);
      torch::Tensor buffer = torch::empty({rows, context + 1}, torch::kUInt8);
      copy_validation_rows(validation_file_.tokens(), first, rows, context,
                           buffer.data_ptr<std::uint8_t>());
      const Batch batch = to_batch(buffer, device_);
      const torch::Tensor logits = model_->forward(batch.inputs).logits;
      total += torch::cross_entropy_loss(logits.view({-1, logits.size(-1)}),
                                         batch.targets.reshape(-1), {}, at::Reduction::Sum)
                   .item<double>();
    }
    return total / static_cast<double>(eval_windows_ * context);
  }

  void validate() {
    const ValidationPoint point{progress_.step,
                                static_cast<double>(progress_.step) * spec_.tokens_per_step(),
                                validation_loss()};
    metrics_ << metrics_line(point) << '\n' << std::flush;
    outcome_.validation_loss = point.loss;
    log_ << "moescope-train: step " << point.step << "  val_loss " << format("%.4f", point.loss);
    const std::vector<TaskPoint> tasks = downstream_.evaluate(*model_, point.step, point.tokens);
    for (const TaskPoint& task : tasks) {
      metrics_ << metrics_line(task) << '\n' << std::flush;
      log_ << "  " << task.task << " " << format("%.3f", task.accuracy) << " (chance "
           << format("%.2f", task.chance) << ")";
    }
    outcome_.downstream = task_metrics(tasks);
    log_ << "\n";
  }

  void finish() {
    if (!directory_)
      return;
    metrics_.close();
    outcome_.seconds = progress_.seconds;
    outcome_.tokens_per_second = steady_seconds_ > 0
                                     ? steady_tokens_ / steady_seconds_
                                     : spec_.trained_tokens() / std::max(progress_.seconds, 1e-9);
    outcome_.curve = read_metrics_log(directory_->metrics_file()).validation;
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    const std::string name = std::filesystem::absolute(directory_->folder()).filename().string();
    // run.json first: result.json marks the run finished, so it must come last.
    write_file_atomically(
        directory_->run_file(),
        format_runs({finished_run(spec_, outcome_, name, host)}, TableFormat::kJson));
    write_file_atomically(directory_->result_file(), result_json(spec_, outcome_));
    log_ << "moescope-train: done: val_loss " << format("%.4f", outcome_.validation_loss) << ", "
         << format("%.0f", outcome_.tokens_per_second) << " tokens/s";
    if (outcome_.peak_flops) {
      log_ << ", MFU "
           << format("%.1f%%", 100 * model_flop_utilisation(spec_, outcome_.tokens_per_second,
                                                            *outcome_.peak_flops))
           << " of a measured peak of " << format("%.3g", *outcome_.peak_flops) << " FLOP/s";
    }
    log_ << "; " << directory_->result_file().string() << "\n";
  }

  const TrainSpec& spec_;
  std::ostream silent_{nullptr};  // the log of the ranks other than rank 0
  std::ostream& log_;
  const RunDirectory* directory_;
  std::filesystem::path checkpoint_file_;
  torch::Device device_;
  TokenFile train_file_;
  TokenFile validation_file_;
  std::unique_ptr<ExpertParallel> experts_;  // null: every expert on every rank
  std::shared_ptr<MoeTransformer> model_;
  AdamW optimizer_;
  TrainingStep step_;
  std::int64_t eval_windows_ = 0;
  DownstreamEvaluator downstream_{spec_, device_};  // the spec's tasks, read before any step
  std::optional<double> peak_flops_;
  std::ofstream metrics_;
  TrainingProgress progress_;
  TrainOutcome outcome_;

  Clock::time_point window_start_;
  std::int64_t window_steps_ = 0;
  std::int64_t windows_ = 0;
  double steady_tokens_ = 0;
  double steady_seconds_ = 0;
};

}  // namespace

Placement place_run(const TrainSpec& spec, int local_rank) {
  Placement placement;
  placement.device = resolve_device(spec, local_rank);
  const bool on_cuda = placement.device != "cpu";
  placement.precision = spec.precision == "auto" ? (on_cuda ? "bf16" : "fp32") : spec.precision;
  placement.fused_attention = fused_attention_available();
  placement.memory = estimate_training_memory(spec, placement.precision == "bf16",
                                              placement.fused_attention, on_cuda);
  std::optional<double> available;
  if (on_cuda) {
    const int ordinal = std::stoi(placement.device.substr(5));
    available = cuda_device_memory(ordinal);
    placement.memory_name = "GPU " + placement.device;
  } else {
    available = available_host_memory();
    placement.memory_name = "host memory";
  }
  if (available) {
    placement.available_memory = *available;
    require_fits(spec, placement.memory, *available, placement.memory_name);
  }
  return placement;
}

void train(const TrainSpec& spec, const TrainOptions& options) {
  std::ostream& log = *options.log;
  const std::string canonical_spec = to_json(spec);
  auto has_finished = [&] {
    log << "moescope-train: " << RunDirectory::result_file_in(options.out).string()
        << " exists: the run has finished\n";
  };
  // Before anything is created or locked: a finished run's folder may be read-only.
  if (RunDirectory::finished_run(options.out, canonical_spec))
    return has_finished();
  const std::optional<RankPlace> place = rank_place_from_environment(spec.world_size());
  if (spec.world_size() > 1 && !place)
    throw std::runtime_error("a run of " + std::to_string(spec.world_size()) +
                             " ranks trains in its ranks' processes: moescope-train starts them "
                             "(launch_local_ranks), or srun does");
  const Placement placement = place_run(spec, place ? place->local_rank : 0);
  std::unique_ptr<RankGroup> ranks;
  if (place) {
    keep_nvlink_multicast_off();  // before NCCL reads it, however the rank was started
    ranks = std::make_unique<RankGroup>(*place,
                                        resolve_backend(spec.backend, placement.device != "cpu"));
  }
  std::optional<RunDirectory> directory;
  if (!place || place->rank == 0) {
    directory.emplace(options.out, std::getenv(kLauncherHoldsLock) == nullptr);
    directory->claim(canonical_spec);
    if (!place && directory->finished())  // by another process since the first look
      return has_finished();
  }
  at::set_num_threads(spec.threads);
  const CorpusFiles corpus = prepare_corpus(spec.corpus, options.data_folder, log);
  TrainingSession session(spec, options, placement, directory ? &*directory : nullptr, corpus,
                          ranks.get());

  const ParameterCount count = count_parameters(spec.architecture);
  const double repetitions = epochs(spec, std::filesystem::file_size(corpus.train));
  log << "moescope-train: N " << format("%.4g", count.total) << ", N_active "
      << format("%.4g", count.active) << ", S " << format("%.3g", sparsity(spec.architecture))
      << "; " << spec.steps << " steps of " << spec.batch_size << " x " << spec.architecture.context
      << " tokens = " << format("%.4g", spec.trained_tokens()) << " tokens, "
      << format("%.3g", repetitions) << " epochs; " << placement.device << ", "
      << placement.precision << ", " << spec.threads << " CPU thread"
      << (spec.threads == 1 ? "" : "s") << ", "
      << (placement.fused_attention ? "fused" : "explicit") << " attention";
  if (ranks) {
    log << "; rank " << ranks->rank() << " of " << ranks->world() << " ("
        << resolve_backend(spec.backend, placement.device != "cpu") << ")";
    if (spec.expert_parallel) {
      const std::int64_t local = spec.architecture.experts / ranks->world();
      log << ", experts " << ranks->rank() * local << " to " << (ranks->rank() + 1) * local - 1
          << " of every layer here";
    }
  }
  log << "\n";
  if (repetitions > kMaxUsefulEpochs) {
    log << "moescope-train: warning: the run repeats its training data "
        << format("%.1f", repetitions) << " times (over " << kMaxUsefulEpochs
        << " epochs, where more data stops helping); use a larger corpus or fewer tokens\n";
  }
  session.run();
}

std::string build_description() {
  std::string text = std::string("LibTorch ") + TORCH_VERSION + ", CUDA: ";
  const std::size_t devices = torch::cuda::device_count();
  text += devices == 0 ? std::string("none")
                       : std::to_string(devices) + (devices == 1 ? " device" : " devices");
#ifdef MOESCOPE_WITH_CUDA_KERNELS
  text += ", MoEScope kernels";
#endif
  return text;
}

}  // namespace moescope::training

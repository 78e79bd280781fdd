#include "moescope/training/training_step.h"

#include <ATen/ops/_foreach_norm.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "moescope/training/batch_sampler.h"

#ifdef MOESCOPE_WITH_TORCH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>
#endif

namespace moescope::training {
namespace {

// The divisor that brings the gradients' global norm down to `max_norm` (1 when it is under),
// as torch's clip_grad_norm_ computes it, on the device.
torch::Tensor divisor_for(const torch::Tensor& norm, double max_norm) {
  return ((norm + 1e-6) / max_norm).clamp_min(1.0).to(torch::kFloat);
}

}  // namespace

#ifdef MOESCOPE_WITH_TORCH_CUDA
static bool graphs_allowed() {
  const char* value = std::getenv("MOESCOPE_CUDA_GRAPH");
  return value == nullptr || std::strcmp(value, "0") != 0;
}

// The run's own stream (a capture cannot be on the legacy default stream), made current for the
// trainer's lifetime, the event that frees the pinned rows, and the captured step.
struct TrainingStep::Graph {
  explicit Graph(const torch::Device& device)
      : stream(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index())),
        previous(c10::cuda::getCurrentCUDAStream(device.index())) {
    // Pool streams do not wait for the legacy default stream, where the model was set up.
    torch::cuda::synchronize(device.index());
    c10::cuda::setCurrentCUDAStream(stream);
  }
  ~Graph() {
    stream.synchronize();
    c10::cuda::setCurrentCUDAStream(previous);
  }

  c10::cuda::CUDAStream stream;
  c10::cuda::CUDAStream previous;
  at::cuda::CUDAEvent rows_copied;
  std::optional<at::cuda::CUDAGraph> step;
  bool allowed = graphs_allowed();
};
#else
struct TrainingStep::Graph {};
#endif

TrainingStep::TrainingStep(const TrainSpec& spec, MoeTransformer& model, AdamW& optimizer,
                           const torch::Device& device, std::ostream& log, RankGroup* ranks,
                           ExpertParallel* experts)
    : spec_(spec),
      model_(model),
      optimizer_(optimizer),
      device_(device),
      log_(log),
      ranks_(ranks),
      experts_(experts) {
  for (const auto& parameter : model.named_parameters())
    expert_weight_.push_back(MoeTransformer::is_expert_weight(parameter.key()));
  const std::int64_t width = spec.architecture.context + 1;
  const std::int64_t rows = spec.batch_size / (ranks ? ranks->world() : 1);
  first_row_ = ranks ? ranks->rank() * rows : 0;
  const auto bytes = torch::TensorOptions().dtype(torch::kUInt8);
  const auto on_device = torch::TensorOptions().dtype(torch::kFloat).device(device);
  host_rows_ = torch::empty({rows, width}, bytes.pinned_memory(device.is_cuda()));
  device_rows_ = device.is_cuda() ? torch::empty({rows, width}, bytes.device(device)) : host_rows_;
  learning_rate_ = torch::zeros({}, on_device);
  window_language_ = torch::zeros({}, on_device);
  window_auxiliary_ = torch::zeros({}, on_device);
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (device.is_cuda() && ranks == nullptr)
    graph_ = std::make_unique<Graph>(device);
#endif
}

TrainingStep::~TrainingStep() = default;

void TrainingStep::copy_rows(std::int64_t step, std::span<const std::uint8_t> train_tokens) {
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (graph_) {
    graph_->rows_copied.synchronize();  // the previous step's copy has left the pinned rows
    copy_training_rows(train_tokens, spec_.seed, step, first_row_, host_rows_.size(0),
                       spec_.architecture.context, host_rows_.data_ptr<std::uint8_t>());
    device_rows_.copy_(host_rows_, /*non_blocking=*/true);
    graph_->rows_copied.record(graph_->stream);
    return;
  }
#endif
  copy_training_rows(train_tokens, spec_.seed, step, first_row_, host_rows_.size(0),
                     spec_.architecture.context, host_rows_.data_ptr<std::uint8_t>());
  if (device_.is_cuda())
    device_rows_.copy_(host_rows_, /*non_blocking=*/true);
}

void TrainingStep::compute() {
  optimizer_.zero_grad();
  const int context = spec_.architecture.context;
  const std::int64_t rows = spec_.micro_batch_size;
  const double micro_batches = spec_.batch_size / spec_.micro_batch_size;  // of the global batch
  for (std::int64_t first = 0; first < device_rows_.size(0); first += rows) {
    const torch::Tensor tokens = device_rows_.narrow(0, first, rows).to(torch::kLong);
    const torch::Tensor inputs = tokens.narrow(1, 0, context);
    const torch::Tensor targets = tokens.narrow(1, 1, context);
    const MoeTransformer::Output out = model_.forward(inputs);
    const torch::Tensor language =
        torch::cross_entropy_loss(out.logits.view({-1, out.logits.size(-1)}), targets.reshape(-1));
    const torch::Tensor auxiliary =
        spec_.load_balance * out.load_balance + spec_.z_loss * out.z_loss;
    ((language + auxiliary) / micro_batches).backward();
    window_language_.add_(language.detach() / micro_batches);
    window_auxiliary_.add_(auxiliary.detach() / micro_batches);
  }
  // Bucketed after the backward passes rather than overlapped with them: LibTorch 1.13's C++
  // API has no hook that runs once a parameter's gradient is accumulated.
  std::vector<torch::Tensor> replicated;
  for (std::size_t i = 0; i < expert_weight_.size(); ++i) {
    // An expert shard's gradient already holds every rank's tokens (the exchanges' backward).
    if (!(experts_ && expert_weight_[i]))
      replicated.push_back(optimizer_.gradients()[i]);
  }
  if (ranks_)
    ranks_->sum(replicated);
  const torch::Tensor divisor =
      spec_.grad_clip > 0 ? divisor_for(gradient_norm(), spec_.grad_clip) : torch::Tensor();
  optimizer_.step(learning_rate_, divisor);
}

torch::Tensor TrainingStep::gradient_norm() const {
  // The norm of the norms of each replicated gradient and of each expert's slice of an expert
  // weight's: with the experts sharded, the slices' norms are those one rank computes, and the
  // global norm is the same to the last bit.
  const std::vector<torch::Tensor>& gradients = optimizer_.gradients();
  std::vector<torch::Tensor> pieces;
  for (std::size_t i = 0; i < gradients.size(); ++i) {
    if (expert_weight_[i]) {
      const std::vector<torch::Tensor> experts = gradients[i].unbind(0);
      pieces.insert(pieces.end(), experts.begin(), experts.end());
    } else {
      pieces.push_back(gradients[i]);
    }
  }
  std::vector<torch::Tensor> norms = at::_foreach_norm(pieces, 2);
  if (experts_) {
    // Every rank's expert norms in every rank's list: each fills its slice of a zero table, and
    // the ranks' tables are summed (adding zeros is exact).
    const std::int64_t experts = experts_->experts();
    const std::int64_t local = experts_->local_experts();
    const auto expert_weights =
        static_cast<std::int64_t>(std::count(expert_weight_.begin(), expert_weight_.end(), true));
    torch::Tensor table = torch::zeros({expert_weights, experts}, norms.front().options());
    std::vector<torch::Tensor> all_norms;
    std::size_t piece = 0;
    std::int64_t row = 0;
    for (const bool expert : expert_weight_) {
      if (!expert) {
        all_norms.push_back(norms[piece++]);
        continue;
      }
      table[row]
          .narrow(0, experts_->first_expert(), local)
          .copy_(torch::stack(std::vector<torch::Tensor>(
              norms.begin() + static_cast<std::ptrdiff_t>(piece),
              norms.begin() + static_cast<std::ptrdiff_t>(piece) + local)));
      piece += static_cast<std::size_t>(local);
      const std::vector<torch::Tensor> row_norms = table[row++].unbind(0);
      all_norms.insert(all_norms.end(), row_norms.begin(), row_norms.end());
    }
    experts_->sum({table});
    norms = std::move(all_norms);
  }
  return torch::stack(norms).norm();
}

void TrainingStep::run(std::int64_t step, double learning_rate,
                       std::span<const std::uint8_t> train_tokens) {
  copy_rows(step, train_tokens);
  learning_rate_.fill_(learning_rate);
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (graph_ && graph_->step) {
    graph_->step->replay();
    ++steps_run_;
    return;
  }
  const bool capture =
      graph_ && graph_->allowed && steps_run_ > 0 && optimizer_.path() == AdamW::Path::kFused;
  if (capture) {
    // The eager step's cached blocks go back to the device, for the graph's private pool.
    torch::cuda::synchronize(device_.index());
    c10::cuda::CUDACachingAllocator::emptyCache();
    graph_->step.emplace();
    try {
      graph_->step->capture_begin();
      compute();
      graph_->step->capture_end();
    } catch (const std::exception& error) {
      // A capture that broke off leaves the allocator's pool and the stream in states that
      // eager work cannot safely follow: stop, saying how to train without graphs. Said here
      // too, in case releasing the broken capture takes the process down.
      const std::string what = error.what();
      const std::string message = "the training step could not be captured as a CUDA graph (" +
                                  what.substr(0, what.find('\n')) +
                                  "); MOESCOPE_CUDA_GRAPH=0 in the environment trains without "
                                  "graphs, resuming from the last checkpoint";
      log_ << "moescope-train: " << message << std::endl;
      throw std::runtime_error(message);
    }
    graph_->step->replay();  // capturing ran nothing: this is the step
    ++steps_run_;
    return;
  }
#endif
  compute();
  ++steps_run_;
}

TrainingStep::WindowLosses TrainingStep::take_window_losses(std::int64_t steps) {
  const double count = static_cast<double>(std::max<std::int64_t>(steps, 1));
  if (ranks_) {
    const torch::Tensor both = torch::stack({window_language_, window_auxiliary_});
    ranks_->sum({both});
    window_language_.copy_(both[0]);
    window_auxiliary_.copy_(both[1]);
  }
  const WindowLosses losses{window_language_.item<double>() / count,
                            window_auxiliary_.item<double>() / count};
  window_language_.zero_();
  window_auxiliary_.zero_();
  return losses;
}

void TrainingStep::synchronize() {
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (device_.is_cuda())
    torch::cuda::synchronize(device_.index());
#endif
}

std::string_view TrainingStep::mode() const {
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (graph_ && graph_->step)
    return "CUDA graph";
#endif
  return "eager";
}

}  // namespace moescope::training

#include "moescope/training/adamw.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

// PyTorch 2 has the multi-tensor AdamW kernel with the learning rate as a tensor; Debian's
// LibTorch 1.13 has neither, and the trainer then takes the reference path.
#if __has_include(<ATen/ops/_fused_adamw.h>)
#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adamw.h>
#define MOESCOPE_HAVE_FUSED_ADAMW 1
#endif

namespace moescope::training {
namespace {

// Bumped when the saved state changes meaning; load() refuses other formats.
constexpr std::int64_t kStateFormat = 1;

std::string moment_key(const char* kind, std::size_t index) {
  return std::string(kind) + "/" + std::to_string(index);
}

}  // namespace

AdamW::AdamW(std::vector<torch::Tensor> parameters, const AdamWOptions& options)
    : parameters_(std::move(parameters)), options_(options) {
  for (const torch::Tensor& parameter : parameters_) {
    first_moments_.push_back(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
    second_moments_.push_back(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
    step_counts_.push_back(torch::zeros({}, parameter.options().dtype(torch::kFloat)));
  }
#ifdef MOESCOPE_HAVE_FUSED_ADAMW
  bool all_on_cuda = !parameters_.empty();
  for (const torch::Tensor& parameter : parameters_)
    all_on_cuda = all_on_cuda && parameter.is_cuda() && parameter.scalar_type() == torch::kFloat;
  if (all_on_cuda)
    path_ = Path::kFused;
#endif
  zero_grad();
}

void AdamW::zero_grad() {
  gradients_.clear();
  for (torch::Tensor& parameter : parameters_) {
    torch::Tensor& gradient = parameter.mutable_grad();
    if (gradient.defined())
      gradient.zero_();
    else
      gradient = torch::zeros_like(parameter, torch::MemoryFormat::Preserve);
    gradients_.push_back(gradient);
  }
}

std::int64_t AdamW::steps_taken() const {
  return step_counts_.empty() ? 0 : static_cast<std::int64_t>(step_counts_.front().item<double>());
}

void AdamW::step(const torch::Tensor& learning_rate, const torch::Tensor& gradient_divisor) {
#ifdef MOESCOPE_HAVE_FUSED_ADAMW
  if (path_ == Path::kFused) {
    const std::optional<torch::Tensor> divisor =
        gradient_divisor.defined() ? std::optional<torch::Tensor>(gradient_divisor) : std::nullopt;
    // The kernel reads the step counts for the bias corrections; it does not advance them.
    at::_foreach_add_(step_counts_, 1);
    at::_fused_adamw_(parameters_, gradients_, first_moments_, second_moments_, {}, step_counts_,
                      learning_rate, options_.beta1, options_.beta2, options_.weight_decay,
                      options_.epsilon, /*amsgrad=*/false, /*maximize=*/false, divisor,
                      /*found_inf=*/std::nullopt);
    return;
  }
#endif
  reference_step(learning_rate, gradient_divisor);
}

// torch.optim.AdamW's single-tensor arithmetic, in the same order.
void AdamW::reference_step(const torch::Tensor& learning_rate,
                           const torch::Tensor& gradient_divisor) {
  const torch::NoGradGuard no_grad;
  const double rate = learning_rate.item<double>();
  const double step = static_cast<double>(steps_taken() + 1);
  const double first_correction = 1 - std::pow(options_.beta1, step);
  const double second_correction_root = std::sqrt(1 - std::pow(options_.beta2, step));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor gradient = gradients_[i];
    if (gradient_divisor.defined())
      gradient = gradient / gradient_divisor;
    step_counts_[i].add_(1);
    parameters_[i].mul_(1 - rate * options_.weight_decay);
    first_moments_[i].mul_(options_.beta1).add_(gradient, 1 - options_.beta1);
    second_moments_[i].mul_(options_.beta2).addcmul_(gradient, gradient, 1 - options_.beta2);
    const torch::Tensor denominator =
        (second_moments_[i].sqrt() / second_correction_root).add_(options_.epsilon);
    parameters_[i].addcdiv_(first_moments_[i], denominator, -rate / first_correction);
  }
}

void AdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive state;
  state.write("format", c10::IValue(kStateFormat));
  state.write("steps", c10::IValue(steps_taken()));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    state.write(moment_key("first", i), first_moments_[i], /*is_buffer=*/true);
    state.write(moment_key("second", i), second_moments_[i], /*is_buffer=*/true);
  }
  archive.write("adamw", state);
}

void AdamW::load(torch::serialize::InputArchive& archive) {
  torch::serialize::InputArchive state;
  c10::IValue format;
  if (!archive.try_read("adamw", state) || !state.try_read("format", format) || !format.isInt() ||
      format.toInt() != kStateFormat) {
    throw std::runtime_error(
        "the checkpoint holds no optimizer state this moescope-train reads (it was written by an "
        "earlier version); train the run again in a new folder");
  }
  c10::IValue steps;
  state.read("steps", steps);
  const torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor first;
    torch::Tensor second;
    if (!state.try_read(moment_key("first", i), first, /*is_buffer=*/true) ||
        !state.try_read(moment_key("second", i), second, /*is_buffer=*/true) ||
        !first.sizes().equals(parameters_[i].sizes()) ||
        !second.sizes().equals(parameters_[i].sizes())) {
      throw std::runtime_error("the checkpoint's optimizer state is for another model (parameter " +
                               std::to_string(i) + ")");
    }
    first_moments_[i].copy_(first);
    second_moments_[i].copy_(second);
    step_counts_[i].fill_(static_cast<double>(steps.toInt()));
  }
}

std::string_view to_string(AdamW::Path path) {
  return path == AdamW::Path::kFused ? "fused (multi-tensor)" : "reference";
}

}  // namespace moescope::training

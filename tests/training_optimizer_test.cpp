// The trainer's optimizer step: AdamW against LibTorch's own, its fused path against its reference
// path on a GPU, and a training step replayed as a CUDA graph against the same step run eagerly.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/optim/adamw.h>

#include <cstdlib>
#include <sstream>
#include <vector>

#include "moescope/trainer/train_spec.h"
#include "moescope/training/adamw.h"
#include "moescope/training/training_step.h"
#include "moescope/training/transformer.h"

namespace {

using namespace moescope::training;
using moescope::Architecture;
using moescope::TrainSpec;

constexpr double kLearningRate = 3e-3;
constexpr double kWeightDecay = 0.1;
constexpr int kSteps = 6;

std::vector<torch::Tensor> random_parameters(const torch::Device& device) {
  torch::manual_seed(7);
  std::vector<torch::Tensor> parameters;
  for (const std::vector<std::int64_t>& shape :
       std::vector<std::vector<std::int64_t>>{{33, 17}, {5}, {4, 8, 16}}) {
    parameters.push_back(torch::randn(shape).to(device).set_requires_grad(true));
  }
  return parameters;
}

// Gradients that change from step to step, the same on every device.
void set_gradients(const std::vector<torch::Tensor>& parameters, int step) {
  torch::manual_seed(100 + step);
  for (const torch::Tensor& parameter : parameters) {
    const torch::Tensor gradient = torch::randn(parameter.sizes()).to(parameter.device());
    parameter.mutable_grad().copy_(gradient);
  }
}

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.detach().cpu().to(torch::kDouble);
  const torch::Tensor y = b.detach().cpu().to(torch::kDouble);
  return ((x - y).norm() / y.norm()).item<double>();
}

TEST(AdamWTest, ReferencePathMatchesLibTorchAdamW) {
  const torch::Device cpu(torch::kCPU);
  std::vector<torch::Tensor> ours = random_parameters(cpu);
  std::vector<torch::Tensor> theirs = random_parameters(cpu);
  AdamW optimizer(ours, AdamWOptions{.weight_decay = kWeightDecay});
  ASSERT_EQ(optimizer.path(), AdamW::Path::kReference);
  torch::optim::AdamW reference(theirs, torch::optim::AdamWOptions(kLearningRate)
                                            .betas({0.9, 0.95})
                                            .eps(1e-8)
                                            .weight_decay(kWeightDecay));
  const torch::Tensor rate = torch::full({}, kLearningRate);
  for (int step = 0; step < kSteps; ++step) {
    optimizer.zero_grad();
    for (torch::Tensor& parameter : theirs)
      parameter.mutable_grad() = torch::zeros_like(parameter);
    set_gradients(ours, step);
    set_gradients(theirs, step);
    optimizer.step(rate, torch::Tensor());
    reference.step();
  }
  EXPECT_EQ(optimizer.steps_taken(), kSteps);
  for (std::size_t i = 0; i < ours.size(); ++i)
    EXPECT_LT(relative_difference(ours[i], theirs[i]), 1e-6) << "parameter " << i;
}

TEST(AdamWTest, GradientDivisorScalesTheGradientsFirst) {
  const torch::Device cpu(torch::kCPU);
  std::vector<torch::Tensor> divided = random_parameters(cpu);
  std::vector<torch::Tensor> scaled = random_parameters(cpu);
  AdamW first(divided, AdamWOptions{});
  AdamW second(scaled, AdamWOptions{});
  set_gradients(divided, 0);
  set_gradients(scaled, 0);
  for (const torch::Tensor& parameter : scaled)
    parameter.mutable_grad().div_(4.0);
  const torch::Tensor rate = torch::full({}, kLearningRate);
  first.step(rate, torch::full({}, 4.0));
  second.step(rate, torch::Tensor());
  for (std::size_t i = 0; i < divided.size(); ++i)
    EXPECT_LT(relative_difference(divided[i], scaled[i]), 1e-6) << "parameter " << i;
}

TEST(AdamWTest, StateSurvivesSaveAndLoad) {
  const torch::Device cpu(torch::kCPU);
  std::vector<torch::Tensor> parameters = random_parameters(cpu);
  AdamW optimizer(parameters, AdamWOptions{});
  const torch::Tensor rate = torch::full({}, kLearningRate);
  set_gradients(parameters, 0);
  optimizer.step(rate, torch::Tensor());
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);

  std::vector<torch::Tensor> copies;
  for (const torch::Tensor& parameter : parameters)
    copies.push_back(parameter.detach().clone().set_requires_grad(true));
  AdamW restored(copies, AdamWOptions{});
  torch::serialize::InputArchive input;
  std::istringstream stream(bytes.str());
  input.load_from(stream);
  restored.load(input);
  EXPECT_EQ(restored.steps_taken(), 1);
  set_gradients(parameters, 1);
  set_gradients(copies, 1);
  optimizer.step(rate, torch::Tensor());
  restored.step(rate, torch::Tensor());
  for (std::size_t i = 0; i < parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(parameters[i], copies[i])) << "parameter " << i;
}

TEST(AdamWTest, RefusesStateOfAnotherFormat) {
  std::vector<torch::Tensor> parameters = random_parameters(torch::Device(torch::kCPU));
  AdamW optimizer(parameters, AdamWOptions{});
  torch::serialize::OutputArchive archive;  // what an earlier trainer wrote: no "adamw" entry
  archive.write("step", c10::IValue(std::int64_t{3}));
  std::ostringstream bytes;
  archive.save_to(bytes);
  torch::serialize::InputArchive input;
  std::istringstream stream(bytes.str());
  input.load_from(stream);
  try {
    optimizer.load(input);
    FAIL() << "state of another format was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("earlier version"), std::string::npos) << error.what();
  }
}

TEST(AdamWTest, FusedPathMatchesReferencePathOnGpu) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA device here: the fused path runs on a GPU";
  const torch::Device gpu(torch::kCUDA, 0);
  std::vector<torch::Tensor> fused = random_parameters(gpu);
  std::vector<torch::Tensor> reference = random_parameters(torch::Device(torch::kCPU));
  AdamW on_gpu(fused, AdamWOptions{.weight_decay = kWeightDecay});
  if (on_gpu.path() != AdamW::Path::kFused)
    GTEST_SKIP() << "this LibTorch has no fused AdamW kernel";
  AdamW on_cpu(reference, AdamWOptions{.weight_decay = kWeightDecay});
  for (int step = 0; step < kSteps; ++step) {
    set_gradients(fused, step);
    set_gradients(reference, step);
    const double rate = kLearningRate * (step + 1) / kSteps;
    on_gpu.step(torch::full({}, rate, torch::TensorOptions().device(gpu)), torch::Tensor());
    on_cpu.step(torch::full({}, rate), torch::Tensor());
  }
  EXPECT_EQ(on_gpu.steps_taken(), kSteps);
  for (std::size_t i = 0; i < fused.size(); ++i)
    EXPECT_LT(relative_difference(fused[i], reference[i]), 1e-5) << "parameter " << i;
}

// A tiny MoE trained for a few steps on the GPU with the step replayed as a CUDA graph, or with
// every step eager: the same kernels in the same order, so the same weights and losses.
struct GpuRun {
  std::vector<torch::Tensor> parameters;
  std::vector<double> losses;
  std::string mode;
};

GpuRun train_tiny_model_on_gpu(bool graph) {
  if (graph)
    ::unsetenv("MOESCOPE_CUDA_GRAPH");
  else
    ::setenv("MOESCOPE_CUDA_GRAPH", "0", 1);
  TrainSpec spec;
  spec.architecture.d_model = 64;
  spec.architecture.n_layers = 2;
  spec.architecture.n_heads = 2;
  spec.architecture.experts = 4;
  spec.architecture.active = 2;
  spec.architecture.context = 64;
  spec.architecture.vocab = moescope::kByteVocabulary;
  spec.batch_size = 8;
  spec.micro_batch_size = 4;
  spec.learning_rate = kLearningRate;
  spec.seed = 3;
  const torch::Device gpu(torch::kCUDA, 0);
  torch::manual_seed(spec.seed);
  MoeTransformer model(spec.architecture, torch::kBFloat16);
  model.to(gpu);
  AdamW optimizer(model.parameters(), AdamWOptions{.weight_decay = kWeightDecay});
  std::ostringstream log;
  GpuRun run;
  {
    TrainingStep step(spec, model, optimizer, gpu, log);
    std::vector<std::uint8_t> corpus(1 << 16);
    for (std::size_t i = 0; i < corpus.size(); ++i)
      corpus[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
    for (int i = 0; i < kSteps; ++i) {
      step.run(i, kLearningRate, corpus);
      run.losses.push_back(step.take_window_losses(1).language);
    }
    run.mode = std::string(step.mode());
  }
  ::unsetenv("MOESCOPE_CUDA_GRAPH");
  for (const torch::Tensor& parameter : model.parameters())
    run.parameters.push_back(parameter.detach().cpu());
  return run;
}

TEST(TrainingStepTest, GraphReplayTrainsAsTheEagerStepOnGpu) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA device here: CUDA graphs need a GPU";
  const GpuRun eager = train_tiny_model_on_gpu(false);
  const GpuRun replayed = train_tiny_model_on_gpu(true);
  EXPECT_EQ(eager.mode, "eager");
  if (replayed.mode != "CUDA graph")
    GTEST_SKIP() << "the step was not captured (" << replayed.mode << "): no fused AdamW here";
  ASSERT_EQ(eager.losses.size(), replayed.losses.size());
  for (std::size_t i = 0; i < eager.losses.size(); ++i)
    EXPECT_EQ(eager.losses[i], replayed.losses[i]) << "step " << i;
  EXPECT_LT(eager.losses.back(), eager.losses.front());  // it trains
  for (std::size_t i = 0; i < eager.parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(eager.parameters[i], replayed.parameters[i])) << "parameter " << i;
}

}  // namespace

#include "moescope/training/throughput_benchmark.h"

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <regex>
#include <stdexcept>

#include "moescope/io/utc_time.h"
#include "moescope/model/accounting.h"
#include "moescope/trainer/train_records.h"
#include "moescope/training/adamw.h"
#include "moescope/training/peak_flops.h"
#include "moescope/training/training_step.h"
#include "moescope/training/transformer.h"

#ifdef MOESCOPE_WITH_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

namespace moescope::training {
namespace {

constexpr int kProfiledSteps = 5;
// Random bytes to draw the rows from: throughput does not depend on the text.
constexpr std::int64_t kBenchmarkCorpusBytes = std::int64_t{1} << 24;

TrainSpec benchmark_spec(const BenchmarkModel& model) {
  TrainSpec spec;
  spec.architecture = model.architecture;
  spec.batch_size = model.batch_size;
  spec.micro_batch_size = model.micro_batch_size;
  spec.learning_rate = 1e-3;
  spec.seed = 1;
  return spec;
}

std::string device_name(const torch::Device& device) {
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (device.is_cuda())
    return at::cuda::getDeviceProperties(device.index())->name;
#endif
  return device.str();
}

#ifdef MOESCOPE_WITH_TORCH_CUDA
// Kineto's trace (chrome://tracing JSON) of a few steps: every kernel with its time on the GPU
// and every host-side launch, to see what is not the model's arithmetic.
void profile_steps(TrainingStep& step, std::span<const std::uint8_t> corpus,
                   const std::filesystem::path& file) {
  namespace profiler = torch::autograd::profiler;
  namespace impl = torch::profiler::impl;
  const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
  const std::set<impl::ActivityType> activities{impl::ActivityType::CPU, impl::ActivityType::CUDA};
  profiler::prepareProfiler(config, activities);
  profiler::enableProfiler(config, activities);
  for (int i = 0; i < kProfiledSteps; ++i)
    step.run(i, 1e-3, corpus);
  step.synchronize();
  std::filesystem::create_directories(file.parent_path());
  profiler::disableProfiler()->save(file.string());
}
#endif

ThroughputRow measure(const BenchmarkModel& model, const BenchmarkOptions& options,
                      const torch::Device& device, double peak_flops,
                      std::span<const std::uint8_t> corpus) {
  const TrainSpec spec = benchmark_spec(model);
  torch::manual_seed(spec.seed);
  const bool on_cuda = device.is_cuda();
  MoeTransformer transformer(spec.architecture, on_cuda ? torch::kBFloat16 : torch::kFloat);
  transformer.to(device);
  AdamW optimizer(transformer.parameters(), AdamWOptions{.weight_decay = 0.01});
  std::ostream& log = options.log ? *options.log : std::cerr;
  TrainingStep step(spec, transformer, optimizer, device, log);

  for (int i = 0; i < options.warmup_steps; ++i)
    step.run(i, spec.learning_rate, corpus);
  step.take_window_losses(1);  // waits for the warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.timed_steps; ++i)
    step.run(options.warmup_steps + i, spec.learning_rate, corpus);
  step.take_window_losses(1);  // waits for the timed steps
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef MOESCOPE_WITH_TORCH_CUDA
  if (options.profile_folder && on_cuda)
    profile_steps(step, corpus, *options.profile_folder / (model.label() + ".json"));
#endif

  ThroughputRow row = ThroughputRow::shape_of(spec.architecture, spec.micro_batch_size);
  row.tokens_per_s = options.timed_steps * spec.tokens_per_step() / seconds;
  row.flops_per_s = row.tokens_per_s * flops_per_token_eq9(spec.architecture);
  row.mfu = model_flop_utilisation(spec, row.tokens_per_s, peak_flops);
  char line[256];
  std::snprintf(line, sizeof line, "%-32s %12.0f tokens/s  %8.3g FLOP/s  MFU %5.1f%%  (%s)\n",
                model.label().c_str(), row.tokens_per_s, row.flops_per_s, 100 * row.mfu,
                std::string(step.mode()).c_str());
  log << line;
  return row;
}

}  // namespace

std::string BenchmarkModel::label() const {
  const Architecture& a = architecture;
  char text[128];
  std::snprintf(text, sizeof text, "d%d-L%d-H%d-E%d-K%d-c%d-b%d-m%d", a.d_model, a.n_layers,
                a.n_heads, a.experts, a.active, a.context, batch_size, micro_batch_size);
  return text;
}

std::optional<BenchmarkModel> parse_benchmark_model(const std::string& label) {
  static const std::regex pattern(
      R"(d(\d{1,6})-L(\d{1,4})-H(\d{1,4})-E(\d{1,5})-K(\d{1,3})-c(\d{1,6})-b(\d{1,5})-m(\d{1,5}))");
  std::smatch match;
  if (!std::regex_match(label, match, pattern))
    return std::nullopt;
  BenchmarkModel model;
  Architecture& arch = model.architecture;
  arch.d_model = std::stoi(match[1]);
  arch.n_layers = std::stoi(match[2]);
  arch.n_heads = std::stoi(match[3]);
  arch.experts = std::stoi(match[4]);
  arch.active = std::stoi(match[5]);
  arch.context = std::stoi(match[6]);
  arch.vocab = kByteVocabulary;
  model.batch_size = std::stoi(match[7]);
  model.micro_batch_size = std::stoi(match[8]);
  if (!validate(arch).empty() || model.micro_batch_size < 1 ||
      model.batch_size % model.micro_batch_size != 0)
    return std::nullopt;
  return model;
}

std::vector<BenchmarkModel> default_benchmark_models() {
  std::vector<BenchmarkModel> models;
  for (const int width : {128, 256, 384, 512}) {
    for (const double sparsity : {0.0, 0.875, 0.96875}) {
      BenchmarkModel model;
      model.architecture = family_shape(width, experts_for_sparsity(sparsity));
      model.architecture.context = 512;
      model.architecture.vocab = kByteVocabulary;
      models.push_back(model);
    }
  }
  BenchmarkModel reference;  // docs/benchmarks.md, "Trainer on the GPU machine"
  reference.architecture.d_model = 512;
  reference.architecture.n_layers = 8;
  reference.architecture.n_heads = 8;
  reference.architecture.experts = 32;
  reference.architecture.active = 4;
  reference.architecture.context = 1024;
  reference.architecture.vocab = kByteVocabulary;
  reference.micro_batch_size = 16;
  models.push_back(reference);
  return models;
}

ThroughputTable run_throughput_benchmark(const BenchmarkOptions& options) {
  torch::Device device(options.device);
  if (device.is_cuda() && !device.has_index())
    device = torch::Device(torch::kCUDA, 0);
  if (device.is_cuda() && (!torch::cuda::is_available() ||
                           device.index() >= static_cast<int>(torch::cuda::device_count()))) {
    throw std::runtime_error("device " + options.device + " is not available here");
  }
  ThroughputTable table;
  table.device = device_name(device);
  table.peak_flops = options.peak_flops ? *options.peak_flops
                     : device.is_cuda() ? measure_peak_flops(device)
                                        : measure_cpu_peak_flops();
  table.measured = format_utc(std::time(nullptr), "%Y-%m-%d");
  torch::manual_seed(0);
  const torch::Tensor corpus =
      torch::randint(0, kByteVocabulary, {kBenchmarkCorpusBytes}, torch::kUInt8);
  const std::span<const std::uint8_t> bytes(corpus.data_ptr<std::uint8_t>(),
                                            static_cast<std::size_t>(corpus.numel()));
  for (const BenchmarkModel& model : options.models) {
    table.rows.push_back(measure(model, options, device, table.peak_flops, bytes));
#ifdef MOESCOPE_WITH_TORCH_CUDA
    // The model, its graph's pool and its cached blocks go back to the device for the next.
    if (device.is_cuda())
      c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  }
  return table;
}

}  // namespace moescope::training

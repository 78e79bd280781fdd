#include "moescope/trainer/memory_estimate.h"

#include <cstdio>

#include "moescope/model/accounting.h"

namespace moescope {
namespace {

std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

}  // namespace

MemoryEstimate estimate_training_memory(const TrainSpec& spec, bool bf16, bool fused_attention,
                                        bool on_cuda) {
  const Architecture& arch = spec.architecture;
  const double parameters = count_parameters(arch).total;
  const double d = arch.d_model;
  const double f = expert_hidden_width(arch);
  const double k = arch.active;
  const double e = arch.experts;
  const double heads = arch.n_heads;
  const double context = arch.context;
  const double vocab = arch.vocab;
  const double low = bf16 ? 2.0 : 4.0;  // bytes of an activation in the matrix products' type
  const double fp32 = 4.0;              // residual stream, norms, router and softmax stay fp32

  MemoryEstimate estimate;
  estimate.model = parameters * (16.0 + (bf16 ? 2.0 : 0.0));

  // Bytes kept per token and layer (see attention.cpp and moe_feed_forward.cpp for the tensors).
  const double attention = 13.0 * d * low + 4.0 * d * fp32 +
                           (fused_attention ? heads * fp32 : heads * context * (3.0 * low + fp32));
  const double feed_forward =
      2.0 * d * fp32 + 2.0 * e * fp32 + k * (4.0 * f + 2.0 * d) * low + 2.0 * k * d * fp32;
  const double output = 2.0 * d * fp32 + vocab * (low + 3.0 * fp32);
  const double tokens = static_cast<double>(spec.micro_batch_size) * context;
  estimate.activations = tokens * (arch.n_layers * (attention + feed_forward) + output);

  estimate.runtime = (on_cuda ? 1.0 : 0.5) * 1024.0 * 1024.0 * 1024.0 +
                     0.25 * (estimate.model + estimate.activations);
  return estimate;
}

void require_fits(const TrainSpec& spec, const MemoryEstimate& estimate, double available_bytes,
                  const std::string& memory_name) {
  if (estimate.total() <= 0.9 * available_bytes)
    return;
  const std::string needs = "the run needs about " + gibibytes(estimate.total()) +
                            " (model and "
                            "optimizer state " +
                            gibibytes(estimate.model) + ", activations " +
                            gibibytes(estimate.activations) + ") but " + memory_name + " has " +
                            gibibytes(available_bytes) + " available";
  std::vector<FieldProblem> problems;
  if (estimate.model > 0.9 * available_bytes) {
    problems.push_back({"d_model", needs + "; the parameters alone do not fit: reduce d_model, "
                                           "layers or experts"});
  } else if (spec.micro_batch_size < spec.batch_size) {
    problems.push_back({"micro_batch_size", needs + "; reduce micro_batch_size or context"});
  } else {
    problems.push_back({"batch_size", needs + "; reduce batch_size or context, or set a smaller "
                                              "micro_batch_size to accumulate gradients"});
  }
  throw SpecError(std::move(problems));
}

}  // namespace moescope

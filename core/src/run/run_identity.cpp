#include "moescope/run/run_identity.h"

#include <cstdint>
#include <cstdio>

#include "moescope/io/number_format.h"

namespace moescope {
namespace {

class Fnv1a64 {
 public:
  void add(std::string_view text) {
    for (const char c : text) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 0x100000001b3ull;
    }
    // A separator keeps ("ab","c") and ("a","bc") apart.
    hash_ ^= 0x1f;
    hash_ *= 0x100000001b3ull;
  }
  // -0 and 0 are one value: a run must not change identity by the sign of a zero.
  void add(const std::optional<double>& value) {
    add(value ? format_number(*value == 0 ? 0.0 : *value) : "-");
  }
  void add(double value) { add(format_number(value == 0 ? 0.0 : value)); }
  void add(std::int64_t value) { add(std::to_string(value)); }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace

std::string content_identity(const Run& run, int occurrence) {
  Fnv1a64 hash;
  hash.add(run.name);
  if (run.architecture) {
    const Architecture& a = *run.architecture;
    for (const int value : {a.d_model, a.n_layers, a.n_heads, a.vocab, a.context, a.experts,
                            a.active, a.granularity, a.tied_embeddings ? 1 : 0}) {
      hash.add(static_cast<std::int64_t>(value));
    }
  } else {
    hash.add("no-architecture");
  }
  for (const auto* value :
       {&run.total_params, &run.active_params, &run.sparsity, &run.tokens, &run.compute, &run.loss,
        &run.hyper.learning_rate, &run.hyper.warmup_fraction, &run.hyper.load_balance}) {
    hash.add(*value);
  }
  for (const LossPoint& point : run.loss_curve) {
    hash.add(point.step);
    hash.add(point.tokens);
    hash.add(point.loss);
  }
  hash.add("downstream");
  for (const TaskMetric& metric : run.downstream) {
    hash.add(metric.task);
    hash.add(to_string(metric.kind));
    hash.add(metric.value);
  }
  // Only where it says something, so that the ids of runs that stand for one row stay as they
  // were before runs could stand for several.
  if (run.best_of != 1)
    hash.add(static_cast<std::int64_t>(run.best_of));
  // A loss in another unit is another measurement; added only where it is not the default, so
  // that the ids of runs from before units were recorded stay as they were.
  if (run.loss_unit != kDefaultLossUnit) {
    hash.add("loss_unit");
    hash.add(to_string(run.loss_unit));
  }
  // Where given only, so that the ids of runs from before U and extras were read stay as they
  // were: data repeated for more epochs, or another number a law reads, is another run.
  if (run.unique_tokens) {
    hash.add("unique_tokens");
    hash.add(run.unique_tokens);
  }
  if (!run.extras.empty()) {
    hash.add("extras");
    for (const auto& [name, value] : run.extras) {
      hash.add(name);
      hash.add(value);
    }
  }
  if (occurrence > 0) {
    hash.add("occurrence");
    hash.add(static_cast<std::int64_t>(occurrence));
  }
  char text[18];
  std::snprintf(text, sizeof text, "r%016llx", static_cast<unsigned long long>(hash.value()));
  return text;
}

}  // namespace moescope

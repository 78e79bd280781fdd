#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "moescope/training/adamw.h"
#include "moescope/training/distributed.h"

namespace moescope::training {

// Expert parallelism (issue 21, spec key expert_parallel): each of a run's W ranks holds
// experts / W of every MoE layer's experts, rank r experts [r E / W, (r + 1) E / W); the router
// and every other weight stay replicated and data-parallel. A layer routes its rank's tokens
// locally, sends each assignment's row to the rank that holds its expert (an all-to-all of the
// per-expert counts, then one of the rows), runs the rank's experts on the rows of every rank,
// and sends the results back (the reverse all-to-all). Both exchanges are autograd functions
// whose backward runs the opposite exchange, so an expert's gradient gathers the contributions
// of every rank's tokens where it lives, and is not summed over the ranks afterwards.
class ExpertParallel {
 public:
  // Throws std::invalid_argument when `experts` does not divide among the group's ranks (the
  // spec reader refuses such a spec first).
  ExpertParallel(RankGroup& ranks, std::int64_t experts);

  std::int64_t experts() const { return experts_; }  // E, of all ranks
  std::int64_t local_experts() const { return local_experts_; }
  std::int64_t first_expert() const { return first_expert_; }

  // This rank's slice of a tensor of all experts ([E, ...] to [E / W, ...]), a copy, and marks
  // it as an expert shard (holds()).
  torch::Tensor take_shard(const torch::Tensor& all_experts);
  // Whether `parameter` is one of this rank's expert shards (take_shard).
  bool holds(const torch::Tensor& parameter) const;

  // One layer's experts over the ranks. `rows` holds this rank's assignments grouped by expert
  // (the dispatch plan's order), counts[e] of them for expert e of all E. `expert(rows, j)` runs
  // local expert j. Returns the experts' outputs in the order of `rows`; differentiable.
  // Every rank calls it for the same layer at the same time (a collective).
  using LocalExpert = std::function<torch::Tensor(const torch::Tensor& rows, std::int64_t local)>;
  torch::Tensor run(const torch::Tensor& rows, const std::vector<std::int64_t>& counts,
                    const LocalExpert& expert);

  // Sums each tensor over the ranks, in place (a collective: RankGroup::sum).
  void sum(const std::vector<torch::Tensor>& tensors);

 private:
  RankGroup& ranks_;
  std::int64_t experts_;
  std::int64_t local_experts_;
  std::int64_t first_expert_;
  std::vector<const void*> shards_;  // the TensorImpl of each expert shard of this rank
};

// The model and optimizer with every expert, for as long as it lives, so that a checkpoint holds
// the whole model whatever the rank count that writes or reads it: on construction, every
// expert shard and its AdamW moments are gathered from all ranks (a collective: every rank
// constructs one at the same time) and stand in for the shard; on destruction each takes back
// this rank's slice, of what was loaded meanwhile if a checkpoint was read.
class WholeExperts {
 public:
  WholeExperts(ExpertParallel& experts, const std::vector<torch::Tensor>& parameters,
               AdamW& optimizer);
  ~WholeExperts();
  WholeExperts(const WholeExperts&) = delete;
  WholeExperts& operator=(const WholeExperts&) = delete;

 private:
  ExpertParallel& experts_;
  std::vector<torch::Tensor> swapped_;  // shard parameters and their moments, now whole
};

}  // namespace moescope::training

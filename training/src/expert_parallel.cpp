#include "moescope/training/expert_parallel.h"

#include <torch/autograd.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

namespace moescope::training {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// An all-to-all of rows whose backward sends the gradients back the way the rows came: the
// reverse exchange, receive and send counts swapped.
struct Exchange : torch::autograd::Function<Exchange> {
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& rows,
                               RankGroup* ranks, const std::vector<std::int64_t>& send_counts,
                               const std::vector<std::int64_t>& receive_counts) {
    // saved_data holds IValues, which have no pointer type: the group's address as an integer.
    context->saved_data["ranks"] =
        static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(ranks));
    context->saved_data["send_counts"] = send_counts;
    context->saved_data["receive_counts"] = receive_counts;
    return ranks->exchange(rows, send_counts, receive_counts);
  }

  static variable_list backward(AutogradContext* context, variable_list gradients) {
    auto* ranks = reinterpret_cast<RankGroup*>(
        static_cast<std::intptr_t>(context->saved_data["ranks"].toInt()));
    const std::vector<std::int64_t> sent = context->saved_data["send_counts"].toIntVector();
    const std::vector<std::int64_t> received = context->saved_data["receive_counts"].toIntVector();
    // Every rank takes part in the reverse exchange, whatever its gradient.
    return {ranks->exchange(gradients.front(), received, sent), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

// Sums of `counts` in consecutive groups of `group` entries.
std::vector<std::int64_t> group_sums(const std::vector<std::int64_t>& counts, std::int64_t group) {
  std::vector<std::int64_t> sums;
  for (auto first = counts.begin(); first != counts.end(); first += group)
    sums.push_back(std::accumulate(first, first + group, std::int64_t{0}));
  return sums;
}

}  // namespace

ExpertParallel::ExpertParallel(RankGroup& ranks, std::int64_t experts)
    : ranks_(ranks), experts_(experts), local_experts_(experts / ranks.world()) {
  if (experts % ranks.world() != 0) {
    throw std::invalid_argument("expert parallelism: " + std::to_string(experts) +
                                " experts do not divide among " + std::to_string(ranks.world()) +
                                " ranks");
  }
  first_expert_ = ranks.rank() * local_experts_;
}

torch::Tensor ExpertParallel::take_shard(const torch::Tensor& all_experts) {
  torch::Tensor shard = all_experts.narrow(0, first_expert_, local_experts_).clone();
  shards_.push_back(shard.unsafeGetTensorImpl());
  return shard;
}

bool ExpertParallel::holds(const torch::Tensor& parameter) const {
  return std::find(shards_.begin(), shards_.end(), parameter.unsafeGetTensorImpl()) !=
         shards_.end();
}

torch::Tensor ExpertParallel::run(const torch::Tensor& rows,
                                  const std::vector<std::int64_t>& counts,
                                  const LocalExpert& expert) {
  // Grouped by expert, the rows for each rank lie together, in the order of its experts.
  const std::vector<std::int64_t> send_counts = group_sums(counts, local_experts_);
  // The per-expert counts each rank sends this one: [source rank][local expert].
  const torch::Tensor counts_here =
      ranks_
          .exchange(torch::tensor(counts, torch::kLong).to(rows.device()).unsqueeze(1),
                    std::vector<std::int64_t>(send_counts.size(), local_experts_),
                    std::vector<std::int64_t>(send_counts.size(), local_experts_))
          .cpu();
  const std::vector<std::int64_t> incoming(
      counts_here.data_ptr<std::int64_t>(),
      counts_here.data_ptr<std::int64_t>() + counts_here.numel());
  const std::vector<std::int64_t> receive_counts = group_sums(incoming, local_experts_);

  const torch::Tensor arrived = Exchange::apply(rows, &ranks_, send_counts, receive_counts);
  // Each (source rank, expert) chunk on its own, rather than an expert's rows of all ranks in one
  // product: an expert's gradient is then the sum of the products of each rank's rows, the sum
  // one rank computes over the same micro-batches (training/README.md, "Expert parallelism").
  const std::vector<torch::Tensor> chunks = arrived.split_with_sizes(incoming, 0);
  std::vector<torch::Tensor> outputs;
  outputs.reserve(chunks.size());
  for (std::size_t chunk = 0; chunk < chunks.size(); ++chunk)
    outputs.push_back(expert(chunks[chunk], static_cast<std::int64_t>(chunk) % local_experts_));
  return Exchange::apply(torch::cat(outputs, 0), &ranks_, receive_counts, send_counts);
}

void ExpertParallel::sum(const std::vector<torch::Tensor>& tensors) {
  ranks_.sum(tensors);
}

WholeExperts::WholeExperts(ExpertParallel& experts, const std::vector<torch::Tensor>& parameters,
                           AdamW& optimizer)
    : experts_(experts) {
  const torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> wholes;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!experts.holds(parameters[i]))
      continue;
    const auto [first, second] = optimizer.moments(i);
    for (const torch::Tensor& shard : {parameters[i], first, second}) {
      std::vector<std::int64_t> shape = shard.sizes().vec();
      shape.front() = experts.experts();
      // Zero but for this rank's slice: the sum over the ranks is every expert.
      torch::Tensor whole = torch::zeros(shape, shard.options());
      whole.narrow(0, experts.first_expert(), experts.local_experts()).copy_(shard);
      wholes.push_back(whole);
      swapped_.push_back(shard);
    }
  }
  experts.sum(wholes);
  // set_data changes the tensor that the model and the optimizer hold, not a copy of it.
  for (std::size_t i = 0; i < swapped_.size(); ++i)
    swapped_[i].set_data(wholes[i]);
}

WholeExperts::~WholeExperts() {
  const torch::NoGradGuard no_grad;
  for (torch::Tensor& whole : swapped_)
    whole.set_data(whole.narrow(0, experts_.first_expert(), experts_.local_experts()).clone());
}

}  // namespace moescope::training

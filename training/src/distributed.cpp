#include "moescope/training/distributed.h"

#include <cstdlib>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#ifdef MOESCOPE_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef MOESCOPE_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace moescope::training {
namespace {

// The integer in variable `name`, or empty when it is not set; throws when it is not a number in
// [minimum, maximum].
std::optional<int> integer_variable(const char* name, int minimum, int maximum) {
  const char* text = std::getenv(name);
  if (text == nullptr)
    return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < minimum || value > maximum) {
    throw std::runtime_error(std::string(name) + "=\"" + text + "\" must be a whole number in [" +
                             std::to_string(minimum) + ", " + std::to_string(maximum) + "]");
  }
  return static_cast<int>(value);
}

// The first of two variables that is set: ours (torchrun's names), else Slurm's.
std::optional<int> either(const char* ours, const char* slurm, int minimum, int maximum) {
  const std::optional<int> value = integer_variable(ours, minimum, maximum);
  return value ? value : integer_variable(slurm, minimum, maximum);
}

// A failure's first line, without c10's C++ backtrace.
std::string short_message(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : error.what();
  return text.substr(0, text.find('\n'));
}

}  // namespace

std::optional<RankPlace> rank_place_from_environment(int world) {
  constexpr int kMaxRanks = 1 << 20;
  if (world == 1)
    return std::nullopt;
  const std::optional<int> started = either("WORLD_SIZE", "SLURM_NTASKS", 1, kMaxRanks);
  if (!started)
    return std::nullopt;
  if (*started != world) {
    throw std::runtime_error("the spec asks for " + std::to_string(world) +
                             " ranks (nodes x ranks or gpus) but " + std::to_string(*started) +
                             " were started (WORLD_SIZE or SLURM_NTASKS)");
  }
  RankPlace place;
  place.world = world;
  const std::optional<int> rank = either("RANK", "SLURM_PROCID", 0, world - 1);
  if (!rank)
    throw std::runtime_error("WORLD_SIZE (or SLURM_NTASKS) is set but RANK (or SLURM_PROCID) not");
  place.rank = *rank;
  place.local_rank = either("LOCAL_RANK", "SLURM_LOCALID", 0, kMaxRanks).value_or(0);
  if (const char* address = std::getenv("MASTER_ADDR"); address != nullptr && *address != '\0')
    place.master_address = address;
  const std::optional<int> port = integer_variable("MASTER_PORT", 1, 65535);
  if (!port) {
    throw std::runtime_error(
        "MASTER_PORT is not set: the ranks of a run meet at rank 0's "
        "MASTER_ADDR:MASTER_PORT");
  }
  place.master_port = *port;
  return place;
}

std::chrono::milliseconds rank_timeout() {
  const std::optional<int> seconds = integer_variable("MOESCOPE_RANK_TIMEOUT", 1, 7 * 86400);
  return std::chrono::seconds(seconds.value_or(600));
}

std::string resolve_backend(const std::string& backend, bool on_cuda) {
  if (backend != "auto")
    return backend;
  return on_cuda ? "nccl" : "gloo";
}

bool backend_available(const std::string& backend) {
#ifdef MOESCOPE_WITH_GLOO
  if (backend == "gloo")
    return true;
#endif
#ifdef MOESCOPE_WITH_NCCL
  if (backend == "nccl")
    return true;
#endif
  return false;
}

struct RankGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
#ifdef MOESCOPE_WITH_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef MOESCOPE_WITH_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif

  c10::intrusive_ptr<c10d::Work> all_reduce(std::vector<at::Tensor>& tensors) {
#ifdef MOESCOPE_WITH_GLOO
    if (gloo)
      return gloo->allreduce(tensors);
#endif
#ifdef MOESCOPE_WITH_NCCL
    if (nccl)
      return nccl->allreduce(tensors);
#endif
    throw std::logic_error("RankGroup without a backend");
  }

  c10::intrusive_ptr<c10d::Work> all_to_all(at::Tensor& output, at::Tensor& input,
                                            std::vector<std::int64_t>& output_counts,
                                            std::vector<std::int64_t>& input_counts) {
#ifdef MOESCOPE_WITH_GLOO
    if (gloo)
      return gloo->alltoall_base(output, input, output_counts, input_counts);
#endif
#ifdef MOESCOPE_WITH_NCCL
    if (nccl)
      return nccl->alltoall_base(output, input, output_counts, input_counts);
#endif
    throw std::logic_error("RankGroup without a backend");
  }
};

RankGroup::RankGroup(const RankPlace& place, const std::string& backend)
    : place_(place), backend_(std::make_unique<Backend>()) {
  if (!backend_available(backend)) {
    throw std::runtime_error(
        "this moescope-train cannot join ranks over " + backend +
        (backend == "gloo" ? " (LibTorch's c10d Gloo headers were not found when it was built; "
                             "Debian: apt install libgloo-dev, and rebuild)"
                           : " (it needs a LibTorch built with CUDA, and NCCL's nccl.h when it "
                             "is built: NCCL_HOME or CUDA_HOME names where)"));
  }
  const std::chrono::milliseconds timeout = rank_timeout();
  try {
    join(backend, timeout);
  } catch (const std::exception& error) {
    throw std::runtime_error(
        "rank " + std::to_string(place.rank) + " of " + std::to_string(place.world) +
        ": the ranks did not meet at " + place.master_address + ":" +
        std::to_string(place.master_port) + " within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
        " s (MOESCOPE_RANK_TIMEOUT): " + short_message(error));
  }
}

void RankGroup::join(const std::string& backend, std::chrono::milliseconds timeout) {
  const RankPlace& place = place_;
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(place.master_port);
  store_options.isServer = place.rank == 0;
  store_options.numWorkers = place.world;
  store_options.timeout = timeout;
  backend_->store = c10::make_intrusive<c10d::TCPStore>(place.master_address, store_options);
#ifdef MOESCOPE_WITH_GLOO
  if (backend == "gloo") {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME names the interface, as for PyTorch; else the host name's address, or
    // the loopback when that does not resolve.
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    options->devices.push_back(interface != nullptr && *interface != '\0'
                                   ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    backend_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(backend_->store, place.rank,
                                                                 place.world, options);
  }
#endif
#ifdef MOESCOPE_WITH_NCCL
  if (backend == "nccl") {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    backend_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(backend_->store, place.rank,
                                                                 place.world, options);
  }
#endif
}

RankGroup::~RankGroup() = default;

void RankGroup::sum(const std::vector<torch::Tensor>& tensors) {
  struct Bucket {
    std::vector<torch::Tensor> members;
    std::vector<at::Tensor> flat;  // one tensor: what the all-reduce takes
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::vector<Bucket> buckets;
  std::int64_t bytes = 0;
  for (auto tensor = tensors.rbegin(); tensor != tensors.rend(); ++tensor) {
    const std::int64_t size = tensor->numel() * static_cast<std::int64_t>(tensor->element_size());
    const bool fits = !buckets.empty() && bytes + size <= kBucketBytes &&
                      buckets.back().members.front().scalar_type() == tensor->scalar_type();
    if (!fits) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().members.push_back(*tensor);
    bytes += size;
  }
  for (Bucket& bucket : buckets) {
    std::vector<torch::Tensor> flattened;
    for (const torch::Tensor& member : bucket.members)
      flattened.push_back(member.reshape(-1));
    bucket.flat = {torch::cat(flattened)};
    bucket.work = backend_->all_reduce(bucket.flat);
  }
  for (Bucket& bucket : buckets) {
    wait(*bucket.work, "an all-reduce");
    std::int64_t offset = 0;
    for (torch::Tensor& member : bucket.members) {
      member.copy_(bucket.flat.front().narrow(0, offset, member.numel()).view_as(member));
      offset += member.numel();
    }
  }
}

torch::Tensor RankGroup::exchange(const torch::Tensor& rows, std::vector<std::int64_t> send_counts,
                                  std::vector<std::int64_t> receive_counts) {
  std::int64_t received = 0;
  for (const std::int64_t count : receive_counts)
    received += count;
  std::vector<std::int64_t> shape = rows.sizes().vec();
  shape.front() = received;
  at::Tensor input = rows.contiguous();
  at::Tensor output = torch::empty(shape, rows.options());
  const c10::intrusive_ptr<c10d::Work> work =
      backend_->all_to_all(output, input, receive_counts, send_counts);
  wait(*work, "an all-to-all");
  return output;
}

void RankGroup::wait(c10d::Work& work, const char* collective) const {
  try {
    work.wait(rank_timeout());
  } catch (const std::exception& error) {
    throw std::runtime_error("rank " + std::to_string(place_.rank) + " of " +
                             std::to_string(place_.world) + ": " + collective +
                             " failed (a rank died, or did not answer within "
                             "MOESCOPE_RANK_TIMEOUT seconds): " +
                             short_message(error));
  }
}

}  // namespace moescope::training

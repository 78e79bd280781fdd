#pragma once

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace c10d {
class Work;
}

namespace moescope::training {

// Where this process stands among a run's ranks. Read from the environment: RANK, WORLD_SIZE and
// LOCAL_RANK (moescope-train's own launcher sets them, as torchrun does), else SLURM_PROCID,
// SLURM_NTASKS and SLURM_LOCALID (srun); MASTER_ADDR (default 127.0.0.1) and MASTER_PORT name
// the rendezvous, which rank 0 serves.
struct RankPlace {
  int rank = 0;
  int world = 1;
  int local_rank = 0;
  std::string master_address = "127.0.0.1";
  int master_port = 0;
};

// The place of a rank of a run of `world` ranks (the spec's); empty when `world` is 1 (a run on
// its own ignores these variables) or when the environment names no ranks (moescope-train then
// starts them, rank_launcher.h). Throws std::runtime_error naming the variable when one is
// malformed or missing (MASTER_PORT), or when the environment's world is not `world`.
std::optional<RankPlace> rank_place_from_environment(int world);

// How long a collective waits for the other ranks before it fails (and the run with it): long
// enough for a rank that builds the corpus cache while the others wait, short enough that a stuck
// peer ends the run. A peer that dies closes its sockets, which fails the collective at once.
// MOESCOPE_RANK_TIMEOUT (seconds) replaces it.
std::chrono::milliseconds rank_timeout();

// "gloo" or "nccl" for a spec's backend ("auto": nccl on CUDA, gloo on the CPU).
std::string resolve_backend(const std::string& backend, bool on_cuda);

// Whether this build of moescope-train can join ranks over `backend`: Gloo where LibTorch was
// built with it and its headers are installed (Debian: libgloo-dev), NCCL with a CUDA LibTorch.
bool backend_available(const std::string& backend);

// The c10d process group of a run's ranks (LibTorch's distributed layer, not a collective
// library of our own).
class RankGroup {
 public:
  // Rendezvous through a c10d::TCPStore at the place's master address and port, then joins a
  // ProcessGroupGloo or ProcessGroupNCCL. Throws std::runtime_error when the backend is not in
  // this build or the rendezvous times out.
  RankGroup(const RankPlace& place, const std::string& backend);
  ~RankGroup();
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  int rank() const { return place_.rank; }
  int world() const { return place_.world; }

  // Sums each tensor over the ranks, in place, so that every rank ends with the same values.
  // The tensors are packed in buckets of at most kBucketBytes, in reverse order (the order the
  // backward pass finishes gradients in), one all-reduce per bucket, all launched before the
  // first is awaited. Throws when a peer has died or the timeout passes.
  static constexpr std::int64_t kBucketBytes = 25 << 20;
  void sum(const std::vector<torch::Tensor>& tensors);

  // c10d's all-to-all: sends rows [send_counts[0] + ... + send_counts[r - 1], + send_counts[r])
  // of `rows` to rank r and returns what the ranks send this one, in rank order,
  // receive_counts[r] rows from rank r (each rank's receive_counts are the others' send_counts to
  // it). Waits for the exchange; throws as sum() does.
  torch::Tensor exchange(const torch::Tensor& rows, std::vector<std::int64_t> send_counts,
                         std::vector<std::int64_t> receive_counts);

 private:
  struct Backend;
  void join(const std::string& backend, std::chrono::milliseconds timeout);
  void wait(c10d::Work& work, const char* collective) const;

  RankPlace place_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace moescope::training

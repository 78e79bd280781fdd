#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "moescope/launch/hosts.h"

namespace moescope {

// What `moescope hosts check` and the explorer's training panel find on a host: one connection
// (or, for a Slurm cluster without `via`, this machine) running a fixed script whose inputs travel
// as separate words. It looks for the trainer and its `--version`, a GPU (nvidia-smi -L), the free
// disk under the run folder, the tools the executors need (setsid, flock; sbatch on a cluster) and
// the Slurm partition's state.
struct HostCheck {
  bool reachable = false;
  std::string unreachable_reason;  // when !reachable: ssh's message, or "no answer within N s"
  // What was found, one line each, in the order found: "trainer: /usr/bin/moescope-train",
  // "  moescope-train 0.1.0", "gpu: none (no nvidia-smi)", "disk: 41.2 GiB free under runs",
  // "missing: flock", "partition gpu: up/idle".
  std::vector<std::string> facts;
  std::string trainer_version;  // the first line of `--version`; empty when not found
  bool usable = false;          // reachable, the trainer there (on a cluster: the login node may
                                // lack it), no tool missing, and a partition up
};

// Never throws for the host's state; throws HostError for an invalid host.
HostCheck check_host(const Host& host, const std::filesystem::path& control_dir,
                     std::chrono::seconds timeout = std::chrono::seconds(60));

// "ssh root@127.0.0.1:2222", "slurm partition debug via login.example.org".
std::string describe(const Host& host);

}  // namespace moescope

#pragma once

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace moescope::training {

// The variable that tells a rank its launcher already holds the run directory's lock.
inline constexpr const char* kLauncherHoldsLock = "MOESCOPE_LAUNCHER_HOLDS_LOCK";

// Starts the `world` ranks of one node's run as child processes of this program, each
// /proc/self/exe with `arguments` (argv[1...]) and RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR
// (127.0.0.1), a free MASTER_PORT and NCCL_NVLS_ENABLE=0 in its environment, its output in
// out/rank-N.log. Waits for all of them. When one fails (a non-zero exit or a signal), the others
// are killed and the failing rank's log is named, its last lines shown, on `log`; the run
// resumes from its last checkpoint when started again. The ranks die with the launcher
// (PR_SET_PDEATHSIG), so killing it ends the run as killing a one-rank run does.
// Returns 0 when every rank finished, else 1.
int launch_local_ranks(const std::vector<std::string>& arguments, int world,
                       const std::filesystem::path& out, std::ostream& log = std::cerr);

// Sets NCCL_NVLS_ENABLE=0 unless the environment already says otherwise: NVLink multicast
// (NVLS) must stay off on the GPU machines this project uses, in every process that may start
// NCCL.
void keep_nvlink_multicast_off();

}  // namespace moescope::training

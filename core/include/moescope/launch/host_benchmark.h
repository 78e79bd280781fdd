#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "moescope/launch/hosts.h"
#include "moescope/trainer/throughput_table.h"

namespace moescope {

// Measures what a host's trainer achieves: `TRAINER --benchmark --out FILE` (with --data where the
// host names one) run there through one SSH connection, on a Slurm cluster inside `srun` with the
// host's partition, account, gres and time so that it runs on a node, and on this machine
// directly. The table comes back on the command's standard output (the file is a temporary one
// there), is checked by parse_throughput_table and returned; save it with write_throughput_table
// at throughput_table_file(host, ...), where `moescope train plan --host` looks.
//
// Throws HostError naming the host when the command fails or times out (with the trainer's last
// words), or when what it printed is not a valid table.
ThroughputTable benchmark_host(const Host& host, const std::filesystem::path& control_dir,
                               std::chrono::seconds timeout = std::chrono::hours(1));

// The same on this machine with the trainer at `trainer`; `data_dir` empty: its default.
ThroughputTable benchmark_local(const std::filesystem::path& trainer, const std::string& data_dir,
                                std::chrono::seconds timeout = std::chrono::hours(1));

}  // namespace moescope

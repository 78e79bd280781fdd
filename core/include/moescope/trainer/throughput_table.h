#pragma once

// What a host's trainer achieves, measured: the table `moescope-train --benchmark --out FILE`
// writes and `moescope train plan` (and the explorer's training panel) turn into wall times.
//
// The file:
//   {"format": "moescope-throughput", "version": 1,
//    "device": "NVIDIA H100 80GB HBM3",   // what ran it, as the trainer names it
//    "peak_flops": 8.1e14,                // the measured peak FLOP/s that "mfu" is a fraction of
//    "measured": "2026-12-06",            // ISO 8601 date, or date and time (2026-12-06T14:40:00Z)
//    "rows": [{"d_model": 128, "layers": 2, "heads": 2, "experts": 8, "active": 2,
//              "granularity": 1, "context": 512, "micro_batch_size": 64,
//              "tokens_per_s": 2.41e6, "flops_per_s": 1.38e13, "mfu": 0.017}, ...]}
// A row's flops_per_s is tokens_per_s x flops_per_token_eq9 of its architecture (vocab
// kByteVocabulary, tied embeddings): training FLOPs of a forward and backward pass, the same
// FLOPs a plan's budget counts, so that budget / flops_per_s is a time. mfu is what the trainer
// reports as MFU (model_flop_utilisation of train_records.h: 6 N_a tokens_per_s / peak_flops), so
// that the table and a run's log agree; Eq. 9 counts attention and the router as well, and is
// the larger.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/model/architecture.h"

namespace moescope {

inline constexpr std::string_view kThroughputFormat = "moescope-throughput";
inline constexpr int kThroughputVersion = 1;

// One configuration measured: the architecture's shape and what one training process reached.
struct ThroughputRow {
  int d_model = 0;
  int layers = 0;
  int heads = 0;
  int experts = 1;
  int active = 1;
  int granularity = 1;
  int context = 0;
  int micro_batch_size = 0;
  double tokens_per_s = 0;  // > 0
  double flops_per_s = 0;   // > 0; tokens_per_s x Eq. 9 FLOPs per token
  double mfu = 0;           // in [0, 1]: 6 N_a tokens_per_s / peak_flops

  // The architecture the row measured, vocab kByteVocabulary, tied embeddings.
  Architecture architecture() const;
  // A row for `arch` trained in micro-batches of `micro_batch_size`, its figures still to fill in.
  static ThroughputRow shape_of(const Architecture& arch, int micro_batch_size);
  bool operator==(const ThroughputRow&) const = default;
};

struct ThroughputTable {
  // Not empty: the CUDA device's name, or on a CPU a name starting "cpu" ("cpu (16 threads)"),
  // which tells a plan to estimate memory as fp32 on a CPU.
  std::string device;
  double peak_flops = 0;            // > 0
  std::string measured;             // ISO 8601: YYYY-MM-DD, optionally followed by 'T' and a time
  std::vector<ThroughputRow> rows;  // at least one

  // One message per invalid field ("rows[2].tokens_per_s: must be > 0, got 0"); empty when
  // usable. The writer refuses what the reader would.
  std::vector<std::string> validate() const;
  bool operator==(const ThroughputTable&) const = default;
};

nlohmann::ordered_json to_json(const ThroughputTable& table);

// Parses a table from its JSON text with the project's JSON limits (depth, no NUL byte). Throws
// InputError (io/diagnostic.h) listing every problem, each naming `source` and the key:
// a wrong format or version, unknown, missing or mistyped keys, values out of range, no rows.
ThroughputTable parse_throughput_table(std::string_view json_text, const std::string& source);
// Reads and parses a file; an unreadable file is an InputError naming it.
ThroughputTable read_throughput_table(const std::filesystem::path& file);
// Writes atomically (io/atomic_file.h), creating the folder. Throws std::invalid_argument with
// validate()'s messages before writing, std::runtime_error naming the file when it cannot be
// written.
void write_throughput_table(const std::filesystem::path& file, const ThroughputTable& table);

// Where `moescope hosts check NAME --benchmark` keeps the table of host NAME: the folder
// "throughput" beside the host registry (default_hosts_file() of launch/hosts.h), file NAME.json;
// "local" is this machine.
std::filesystem::path throughput_table_file(std::string_view host_name,
                                            const std::filesystem::path& hosts_file);

// What a run of `arch` is expected to achieve on the host, from its table. An estimate: the
// FLOP/s of a configuration not measured is interpolated, and nothing models the data loader,
// validation's different shape or other jobs sharing the device.
//
// The rows compared are the most alike that exist: those of the same context and the same number
// of experts; else those of the same context; else all rows. Among them, log FLOP/s is linear in
// log N_a (active parameters) between the two rows that bracket the run's N_a (rows of equal N_a
// are averaged in log first); outside the rows' range it is the nearest row's, never
// extrapolated: small models are bound by launches, large ones by the arithmetic, neither trend
// continues.
struct ThroughputEstimate {
  double flops_per_s = 0;
  // How it was found, for a note: "interpolated between d256 L4 E8 and d384 L4 E8 (context 512)",
  // "nearest: d512 L8 E32 (context 512)".
  std::string basis;
};
ThroughputEstimate estimate_throughput(const ThroughputTable& table, const Architecture& arch);

}  // namespace moescope

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moescope/model/architecture.h"

namespace moescope {

enum class RunStatus { kPlanned, kRunning, kDone, kFailed };

// Where a run's numbers came from.
enum class Provenance { kImported, kTrainedLocally, kRemote };

// The quantities a file may give only partly; the rest are derived (see derive.h).
enum class Quantity : std::uint8_t { kTotalParams, kActiveParams, kSparsity, kTokens, kCompute };

// A set of Quantity values, stored as bits so a Run stays a plain value type.
class QuantitySet {
 public:
  bool contains(Quantity q) const { return (bits_ & bit(q)) != 0; }
  void insert(Quantity q) { bits_ = static_cast<std::uint8_t>(bits_ | bit(q)); }
  bool empty() const { return bits_ == 0; }
  bool operator==(const QuantitySet&) const = default;

 private:
  static std::uint8_t bit(Quantity q) {
    return static_cast<std::uint8_t>(1u << static_cast<int>(q));
  }
  std::uint8_t bits_ = 0;
};

// One point of a training curve.
struct LossPoint {
  std::int64_t step = 0;
  double tokens = 0;
  double loss = 0;
  bool operator==(const LossPoint&) const = default;
};

// How a downstream metric reads: the paper plots error (1 - accuracy) against upstream loss.
enum class MetricKind { kAccuracy, kError, kLoss, kOther };

struct TaskMetric {
  std::string task;
  MetricKind kind = MetricKind::kAccuracy;
  double value = 0;
  bool operator==(const TaskMetric&) const = default;
};

// The unit of a loss. A model with a tokenizer (and the published scaling-law data) reports nats
// per token; a byte-level model (MoEScope's trainer) nats per byte; some papers bits. One model's
// losses in two units differ by the bytes per token (3 to 5 for English BPE) or ln 2, so a fit
// never takes losses in more than one unit (loss_units.h converts where the user says how).
enum class LossUnit { kNatsPerToken, kBitsPerToken, kNatsPerByte, kBitsPerByte };

// The unit a run's loss is in where its source does not say: the unit of the paper and of
// almost every published data set (README, "import").
inline constexpr LossUnit kDefaultLossUnit = LossUnit::kNatsPerToken;

struct HyperParameters {
  std::optional<double> learning_rate;
  std::optional<double> warmup_fraction;
  std::optional<double> load_balance;
  bool operator==(const HyperParameters&) const = default;
};

// One training run: what was trained, on how much compute, and how it ended.
//
// The scaling quantities are optional because data files give only some of them; derive.h fills
// in what follows from the rest and records which ones it filled in `derived`.
struct Run {
  std::string id;    // stable identity; see run_identity.h
  std::string name;  // free label from the source, may be empty
  Provenance provenance = Provenance::kImported;
  std::string origin;  // imported file, or host that trained it
  RunStatus status = RunStatus::kDone;

  std::optional<Architecture> architecture;

  std::optional<double> total_params;   // N
  std::optional<double> active_params;  // N_a
  std::optional<double> sparsity;       // S = (E - K) / E
  std::optional<double> tokens;         // D
  // U: the distinct tokens of the training data, so that D / U is the number of epochs
  // (Muennighoff et al. 2023 repeat data). Only ever given, never derived; U > D is a run that
  // saw part of its data.
  std::optional<double> unique_tokens;
  std::optional<double> compute;  // C, training FLOPs
  std::optional<double> loss;     // final validation loss, in loss_unit
  LossUnit loss_unit = kDefaultLossUnit;
  // What the loss counts tokens of: free text, e.g. "bytes (UTF-8)", "GPT-NeoX"; may be empty.
  std::string tokenizer;
  QuantitySet derived;

  HyperParameters hyper;
  std::vector<LossPoint> loss_curve;
  std::vector<TaskMetric> downstream;

  // Numbers of columns a source gives beyond the fields, that a user-defined law reads
  // (run_variables.h): only those a caller allowed by name (ColumnMapping::parse), or those an
  // export of MoEScope's carries ("extras"). Sorted by name, names unique, each a run variable
  // name (valid_extra_name()), at most kMaxRunExtras, values finite; check_run() says so.
  std::vector<std::pair<std::string, double>> extras;

  // How many rows of its source this run stands for: 1, or the size of its group where a reader
  // kept only the lowest loss of each group (--best-of, see best_of.h), so that a fit of the
  // best runs still says how much was tried.
  int best_of = 1;

  bool operator==(const Run&) const = default;
};

// How many extras a run may hold, and how long an extra's name may be: a file is input, and its
// columns must not grow every run without bound.
inline constexpr std::size_t kMaxRunExtras = 64;
inline constexpr std::size_t kMaxExtraNameLength = 64;

std::string_view to_string(RunStatus status);
std::string_view to_string(Provenance provenance);
std::string_view to_string(MetricKind kind);
std::string_view to_string(Quantity quantity);
std::string_view to_string(LossUnit unit);  // "nats/token", "bits/token", "nats/byte", "bits/byte"
std::optional<RunStatus> parse_run_status(std::string_view text);
std::optional<Provenance> parse_provenance(std::string_view text);
std::optional<MetricKind> parse_metric_kind(std::string_view text);
std::optional<Quantity> parse_quantity(std::string_view text);
std::optional<LossUnit> parse_loss_unit(std::string_view text);
// "nats/token, bits/token, nats/byte or bits/byte", for messages about a unit that is not one.
const char* loss_unit_names();

// "N;C" style list used by the store and by exports; parse_quantity_set rejects unknown names.
std::string format_quantity_set(const QuantitySet& set);
std::optional<QuantitySet> parse_quantity_set(std::string_view text);

}  // namespace moescope

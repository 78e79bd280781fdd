#include "moescope/run/run.h"

#include <array>
#include <utility>

namespace moescope {
namespace {

template <typename Enum, std::size_t Size>
using NameTable = std::array<std::pair<Enum, std::string_view>, Size>;

constexpr NameTable<RunStatus, 4> kStatusNames{{{RunStatus::kPlanned, "planned"},
                                                {RunStatus::kRunning, "running"},
                                                {RunStatus::kDone, "done"},
                                                {RunStatus::kFailed, "failed"}}};
constexpr NameTable<Provenance, 3> kProvenanceNames{{{Provenance::kImported, "imported"},
                                                     {Provenance::kTrainedLocally, "local"},
                                                     {Provenance::kRemote, "remote"}}};
constexpr NameTable<MetricKind, 4> kMetricKindNames{{{MetricKind::kAccuracy, "accuracy"},
                                                     {MetricKind::kError, "error"},
                                                     {MetricKind::kLoss, "loss"},
                                                     {MetricKind::kOther, "other"}}};
constexpr NameTable<Quantity, 5> kQuantityNames{{{Quantity::kTotalParams, "N"},
                                                 {Quantity::kActiveParams, "N_active"},
                                                 {Quantity::kSparsity, "S"},
                                                 {Quantity::kTokens, "D"},
                                                 {Quantity::kCompute, "C"}}};
constexpr NameTable<LossUnit, 4> kLossUnitNames{{{LossUnit::kNatsPerToken, "nats/token"},
                                                 {LossUnit::kBitsPerToken, "bits/token"},
                                                 {LossUnit::kNatsPerByte, "nats/byte"},
                                                 {LossUnit::kBitsPerByte, "bits/byte"}}};

template <typename Enum, std::size_t Size>
std::string_view name_of(const NameTable<Enum, Size>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value)
      return name;
  }
  return "?";
}

template <typename Enum, std::size_t Size>
std::optional<Enum> value_of(const NameTable<Enum, Size>& table, std::string_view text) {
  for (const auto& [entry, name] : table) {
    if (name == text)
      return entry;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RunStatus status) {
  return name_of(kStatusNames, status);
}
std::string_view to_string(Provenance provenance) {
  return name_of(kProvenanceNames, provenance);
}
std::string_view to_string(MetricKind kind) {
  return name_of(kMetricKindNames, kind);
}
std::string_view to_string(Quantity quantity) {
  return name_of(kQuantityNames, quantity);
}
std::string_view to_string(LossUnit unit) {
  return name_of(kLossUnitNames, unit);
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  return value_of(kStatusNames, text);
}
std::optional<Provenance> parse_provenance(std::string_view text) {
  return value_of(kProvenanceNames, text);
}
std::optional<MetricKind> parse_metric_kind(std::string_view text) {
  return value_of(kMetricKindNames, text);
}
std::optional<Quantity> parse_quantity(std::string_view text) {
  return value_of(kQuantityNames, text);
}
std::optional<LossUnit> parse_loss_unit(std::string_view text) {
  return value_of(kLossUnitNames, text);
}
const char* loss_unit_names() {
  return "nats/token, bits/token, nats/byte or bits/byte";
}

std::string format_quantity_set(const QuantitySet& set) {
  std::string text;
  for (const auto& [quantity, name] : kQuantityNames) {
    if (!set.contains(quantity))
      continue;
    if (!text.empty())
      text += ';';
    text += name;
  }
  return text;
}

std::optional<QuantitySet> parse_quantity_set(std::string_view text) {
  QuantitySet set;
  if (text.empty())
    return set;
  while (true) {
    const auto end = text.find(';');
    const auto quantity = parse_quantity(text.substr(0, end));
    if (!quantity)
      return std::nullopt;  // also an empty name, as in "N;" or "N;;C"
    set.insert(*quantity);
    if (end == std::string_view::npos)
      return set;
    text.remove_prefix(end + 1);
  }
}

}  // namespace moescope

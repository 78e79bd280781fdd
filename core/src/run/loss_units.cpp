#include "moescope/run/loss_units.h"

#include <array>
#include <cmath>
#include <numbers>
#include <utility>

#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

constexpr std::array kAllUnits{LossUnit::kNatsPerToken, LossUnit::kBitsPerToken,
                               LossUnit::kNatsPerByte, LossUnit::kBitsPerByte};

bool is_in_bits(LossUnit unit) {
  return unit == LossUnit::kBitsPerToken || unit == LossUnit::kBitsPerByte;
}

InputError conversion_error(const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.field = "--bytes-per-token";
  diagnostic.message = message;
  return InputError(std::move(diagnostic));
}

}  // namespace

bool is_per_token(LossUnit unit) {
  return unit == LossUnit::kNatsPerToken || unit == LossUnit::kBitsPerToken;
}

std::vector<std::string> LossConversion::validate() const {
  if (bytes_per_token && !(std::isfinite(*bytes_per_token) && *bytes_per_token > 0)) {
    return {"bytes per token must be a finite number above 0, got " +
            format_number(*bytes_per_token)};
  }
  return {};
}

std::optional<double> convert_loss(double loss, LossUnit from, LossUnit to,
                                   std::optional<double> bytes_per_token) {
  double nats = is_in_bits(from) ? loss * std::numbers::ln2 : loss;
  if (is_per_token(from) != is_per_token(to)) {
    if (!bytes_per_token)
      return std::nullopt;
    nats = is_per_token(to) ? nats * *bytes_per_token : nats / *bytes_per_token;
  }
  return is_in_bits(to) ? nats / std::numbers::ln2 : nats;
}

std::vector<Run> convert_losses(std::vector<Run> runs, const LossConversion& conversion) {
  if (const std::vector<std::string> problems = conversion.validate(); !problems.empty())
    throw conversion_error(problems.front());
  if (!conversion.converts())
    return runs;
  const LossUnit to = conversion.target();
  std::vector<LossUnitCount> unconvertible;
  for (const LossUnitCount& count : count_loss_units(runs)) {
    if (!convert_loss(1.0, count.unit, to, conversion.bytes_per_token))
      unconvertible.push_back(count);
  }
  if (!unconvertible.empty()) {
    throw conversion_error("converting " + describe_loss_units(unconvertible) + " to " +
                           std::string(to_string(to)) +
                           " needs the bytes of text per token (--bytes-per-token X)");
  }
  for (Run& run : runs) {
    const auto convert = [&](double loss) {
      return *convert_loss(loss, run.loss_unit, to, conversion.bytes_per_token);
    };
    if (run.loss)
      run.loss = convert(*run.loss);
    for (LossPoint& point : run.loss_curve)
      point.loss = convert(point.loss);
    run.loss_unit = to;
  }
  return runs;
}

std::vector<LossUnitCount> count_loss_units(const std::vector<Run>& runs) {
  std::vector<LossUnitCount> counts;
  for (const LossUnit unit : kAllUnits) {
    std::size_t n = 0;
    for (const Run& run : runs)
      n += run.loss_unit == unit ? 1 : 0;
    if (n > 0)
      counts.push_back({unit, n});
  }
  return counts;
}

std::string describe_loss_units(const std::vector<LossUnitCount>& counts) {
  std::string text;
  for (const LossUnitCount& count : counts) {
    text += (text.empty() ? "" : ", ") + std::to_string(count.runs) + " run" +
            (count.runs == 1 ? "" : "s") + " in " + std::string(to_string(count.unit));
  }
  return text;
}

}  // namespace moescope

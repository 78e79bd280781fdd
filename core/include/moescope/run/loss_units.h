#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// Converting losses between units (run.h's LossUnit) where the user says how. Nats and bits
// differ by ln 2 alone; a loss per token and a loss per byte by the bytes of text per token,
// which depends on the tokenizer and the text, so only the user can give it. Only losses are
// converted: D stays as the run counted it (bytes, for a byte-level run).
struct LossConversion {
  // The unit every loss is converted to; nullopt: nats/token where bytes_per_token is given (the
  // unit of the paper and of published data), else no conversion.
  std::optional<LossUnit> to;
  // Bytes of text per token of the tokenizer the per-token losses count: the same text's loss
  // per token is this many times its loss per byte. Needed only between a per-token and a
  // per-byte unit.
  std::optional<double> bytes_per_token;

  // Whether any loss is converted: `to` or bytes_per_token given.
  bool converts() const { return to.has_value() || bytes_per_token.has_value(); }
  // The unit losses are converted to; kDefaultLossUnit where only bytes_per_token is given.
  LossUnit target() const { return to.value_or(kDefaultLossUnit); }
  // One message per invalid field (bytes_per_token not finite and positive); empty when usable.
  std::vector<std::string> validate() const;
};

// Whether a unit counts its loss per token (else per byte).
bool is_per_token(LossUnit unit);

// `loss` in unit `from` as a loss in unit `to`: nats = bits x ln 2, per token = per byte x
// bytes_per_token. nullopt where one unit is per token and the other per byte and
// bytes_per_token is not given.
std::optional<double> convert_loss(double loss, LossUnit from, LossUnit to,
                                   std::optional<double> bytes_per_token);

// The runs with every loss and loss-curve point in conversion.target(), their loss_unit saying
// so; ids are kept, so what a fit reports names the runs as stored. Runs unchanged where
// conversion.converts() is false. Throws InputError for an invalid conversion, or naming the
// units and the number of runs that need bytes_per_token where it is not given.
std::vector<Run> convert_losses(std::vector<Run> runs, const LossConversion& conversion);

// How many runs have each unit, in the order of LossUnit; units no run has are left out.
struct LossUnitCount {
  LossUnit unit = kDefaultLossUnit;
  std::size_t runs = 0;
};
std::vector<LossUnitCount> count_loss_units(const std::vector<Run>& runs);

// "12 in nats/token, 3 in nats/byte", for messages about mixed units.
std::string describe_loss_units(const std::vector<LossUnitCount>& counts);

}  // namespace moescope

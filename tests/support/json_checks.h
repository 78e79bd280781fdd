#pragma once

// Checks on the JSON MoEScope prints: "no NaN in JSON" (a number the tool does not know is null).
#include <cmath>
#include <nlohmann/json.hpp>

namespace moescope::testing_support {

// Whether any number anywhere in `json` is NaN or infinite.
inline bool has_non_finite(const nlohmann::json& json) {
  if (json.is_number_float())
    return !std::isfinite(json.get<double>());
  if (json.is_structured()) {
    for (const auto& item : json)
      if (has_non_finite(item))
        return true;
  }
  return false;
}

}  // namespace moescope::testing_support

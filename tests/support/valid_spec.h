#pragma once

#include <map>
#include <string>

namespace moescope::testing_support {

// A valid moescope-train spec as text: d_model 64, 2 layers of 2 heads, 8 experts of which 2
// active, context 64, batch 16, 1e6 tokens (976 steps), lr 0.003, warm-up 0.05, seed 7; with
// `changes` (JSON members, "" to delete) applied over its keys.
inline std::string valid_spec_text(const std::map<std::string, std::string>& changes = {}) {
  std::map<std::string, std::string> keys = {{"d_model", "64"},
                                             {"layers", "2"},
                                             {"heads", "2"},
                                             {"experts", "8"},
                                             {"active", "2"},
                                             {"granularity", "1"},
                                             {"context", "64"},
                                             {"batch_size", "16"},
                                             {"tokens", "1e6"},
                                             {"lr", "0.003"},
                                             {"warmup_fraction", "0.05"},
                                             {"seed", "7"}};
  for (const auto& [key, value] : changes) {
    if (value.empty())
      keys.erase(key);
    else
      keys[key] = value;
  }
  std::string text = "{";
  for (const auto& [key, value] : keys)
    text += (text.size() > 1 ? ", \"" : "\"") + key + "\": " + value;
  return text + "}";
}

}  // namespace moescope::testing_support

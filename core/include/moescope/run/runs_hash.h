#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "moescope/run/run.h"
#include "moescope/run/run_identity.h"

namespace moescope {

// The runs' content as one hash, for saying which data a figure or a fit was made from: 64-bit
// FNV-1a over each run's content_identity() in order (the same runs in another order are other
// data to a bootstrap, which draws by index). 16 hex digits.
inline std::string runs_content_hash(const std::vector<Run>& runs) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto add = [&hash](const std::string& text) {
    for (const unsigned char byte : text) {
      hash ^= byte;
      hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;  // a separator no identity holds, so that "ab"+"c" differs from "a"+"bc"
    hash *= 0x100000001b3ULL;
  };
  for (const Run& run : runs)
    add(content_identity(run));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace moescope

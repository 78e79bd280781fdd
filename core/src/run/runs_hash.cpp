#include "moescope/run/runs_hash.h"

#include <cinttypes>
#include <cstdio>

#include "moescope/io/number_format.h"
#include "moescope/run/run_identity.h"

namespace moescope {

void ContentHash::add(std::string_view field) {
  for (std::uint64_t& lane : lanes_) {
    for (const char c : field) {
      lane ^= static_cast<unsigned char>(c);
      lane *= 0x100000001b3ull;
    }
    lane ^= 0x1f;  // the separator: a byte no field holds
    lane *= 0x100000001b3ull;
  }
}

void ContentHash::add(double value) {
  add(format_number(value));
}

void ContentHash::add(const std::vector<Run>& runs) {
  add(std::to_string(runs.size()));
  for (const Run& run : runs)
    add(content_identity(run));
}

std::string ContentHash::hex() const {
  char text[33];
  std::snprintf(text, sizeof text, "%016" PRIx64 "%016" PRIx64, lanes_[0], lanes_[1]);
  return text;
}

std::string runs_content_hash(const std::vector<Run>& runs) {
  ContentHash hash;
  hash.add(runs);
  return hash.hex();
}

}  // namespace moescope

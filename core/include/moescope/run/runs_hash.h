#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// A content hash for saying which data something was made from: FNV-1a with a separator after
// each field (so that "ab" + "c" differs from "a" + "bc"), in two 64-bit lanes from different
// offsets, 128 bits in all, so that two data sets never share a hash by chance.
class ContentHash {
 public:
  void add(std::string_view field);
  // The number as format_number writes it: the same value always hashes the same.
  void add(double value);
  // Each run's content_identity(), in order: the same runs in another order are other data to a
  // bootstrap, which draws by index.
  void add(const std::vector<Run>& runs);
  // 32 hex digits.
  std::string hex() const;

 private:
  std::uint64_t lanes_[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
};

// The runs' content alone as a hash (the export bundle's "content_hash"): 32 hex digits.
std::string runs_content_hash(const std::vector<Run>& runs);

}  // namespace moescope

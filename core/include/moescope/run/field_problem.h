#pragma once

#include <string>

namespace moescope {

// A problem with one field of a run; readers add the file, line and column.
struct FieldProblem {
  std::string field;  // canonical name: N, N_active, S, D, C, loss, experts, active, ...
  std::string message;
  bool operator==(const FieldProblem&) const = default;
};

}  // namespace moescope

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/run.h"

namespace moescope {

// A condition on runs, such as the paper's hold-out rule "S == 0.98" (Appendix E), written as
// comparisons joined by "&&": "S >= 0.9 && C < 1e21". Fields: N, N_active, S, D, C, loss, experts,
// active, granularity, d_model, layers. Operators: == != < <= > >=; "==" and "!=" compare with a
// relative tolerance of 1e-9, so "S == 0.98" matches a sparsity computed as 49/50. A run that
// lacks a field in the rule does not match.
class RunFilter {
 public:
  // Throws InputError naming the offending part (unknown field, bad operator, not a number).
  static RunFilter parse(std::string_view rule);

  bool matches(const Run& run) const;
  std::vector<bool> matches(const std::vector<Run>& runs) const;
  const std::string& text() const { return text_; }

 private:
  enum class Op { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };
  struct Comparison {
    std::string field;
    Op op = Op::kEqual;
    double value = 0;
  };
  static std::optional<double> field_value(const Run& run, const std::string& field);
  static bool holds(const Comparison& comparison, double value);

  std::string text_;
  std::vector<Comparison> comparisons_;
};

}  // namespace moescope

#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace moescope::cli {

// A plain-text table with columns padded to their widest cell; numbers read better right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Compact engineering form for a table cell ("1.31e+09" -> "1.31e9"); "-" when absent.
std::string brief(double value);
std::string brief(const std::optional<double>& value);

}  // namespace moescope::cli

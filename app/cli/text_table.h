#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace moescope::cli {

// A plain-text table with columns padded to their widest cell; numbers read better right-aligned.
// Cells are shown through escape_control_characters, so that each row is one line.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// `text` as plain text on one line: control characters, which a name read from a file may hold (a
// newline breaks a table's rows, an escape sequence drives the terminal), are shown escaped: \n,
// \r, \t, else \xHH, and the C1 controls U+0080..U+009F as \u0085. Everything else is kept.
std::string escape_control_characters(std::string_view text);

// Compact engineering form for a table cell ("1.31e+09" -> "1.31e9"); "-" when absent.
std::string brief(double value);
std::string brief(const std::optional<double>& value);

}  // namespace moescope::cli

#include "text_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "moescope/number_format.h"

namespace moescope::cli {

TextTable::TextTable(std::vector<std::string> header) {
  rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
  std::vector<std::size_t> widths(rows_.front().size(), 0);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0)
        line += "  ";
      const std::string padding(widths[i] - row[i].size(), ' ');
      // The first column is a label; the rest are mostly numbers.
      line += i == 0 ? row[i] + padding : padding + row[i];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  }
}

std::string brief(double value) {
  return format_brief(value);
}

std::string brief(const std::optional<double>& value) {
  return value ? brief(*value) : "-";
}

}  // namespace moescope::cli

#include "text_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "moescope/io/number_format.h"

namespace moescope::cli {

TextTable::TextTable(std::vector<std::string> header) {
  for (std::string& cell : header)
    cell = escape_control_characters(cell);
  rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  for (std::string& cell : cells)
    cell = escape_control_characters(cell);
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

std::string escape_control_characters(std::string_view text) {
  std::string shown;
  shown.reserve(text.size());
  char escape[8];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0u;
    if (byte == '\n') {
      shown += "\\n";
    } else if (byte == '\r') {
      shown += "\\r";
    } else if (byte == '\t') {
      shown += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      std::snprintf(escape, sizeof escape, "\\x%02x", byte);
      shown += escape;
    } else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080..U+009F in UTF-8
      std::snprintf(escape, sizeof escape, "\\u%04x", next);
      shown += escape;
      ++i;
    } else {
      shown += static_cast<char>(byte);
    }
  }
  return shown;
}

std::string brief(double value) {
  return format_brief(value);
}

std::string brief(const std::optional<double>& value) {
  return value ? brief(*value) : "-";
}

}  // namespace moescope::cli

#include "moescope/io/csv_reader.h"

#include <algorithm>
#include <optional>
#include <set>

#include "moescope/io/diagnostic.h"

namespace moescope {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string trim(const std::string& text) {
  const auto first = std::find_if_not(text.begin(), text.end(), is_blank);
  const auto last = std::find_if_not(text.rbegin(), text.rend(), is_blank).base();
  return first < last ? std::string(first, last) : std::string();
}

// Splits text into records, tracking physical lines so that errors and records can name them.
class CsvParser {
 public:
  CsvParser(std::string_view text, const std::string& display_name)
      : text_(text), file_(display_name) {}

  // The next record that is not a blank line; nullopt at the end of the text.
  std::optional<CsvRecord> next_record() {
    while (pos_ < text_.size()) {
      CsvRecord record{line_, {}};
      bool any_quoted = false;
      while (true) {
        any_quoted = read_field(record.fields) || any_quoted;
        if (pos_ >= text_.size())
          break;
        const char separator = text_[pos_++];
        if (separator == '\n') {
          ++line_;
          break;
        }
      }
      if (!is_blank_line(record, any_quoted))
        return record;
    }
    return std::nullopt;
  }

 private:
  static bool is_blank_line(const CsvRecord& record, bool any_quoted) {
    return !any_quoted && record.fields.size() == 1 &&
           std::all_of(record.fields[0].begin(), record.fields[0].end(), is_blank);
  }

  // Appends the field at pos_ and leaves pos_ on the ',' or '\n' after it (or at the end).
  // Returns whether the field was quoted.
  bool read_field(std::vector<std::string>& fields) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      fields.push_back(read_quoted_field());
      return true;
    }
    fields.push_back(read_plain_field());
    return false;
  }

  std::string read_plain_field() {
    const std::size_t start = pos_;
    pos_ = std::min(text_.find_first_of(",\n", pos_), text_.size());
    std::string_view field = text_.substr(start, pos_ - start);
    // The CR of a CRLF line ending belongs to the ending, not to the last field.
    if (!field.empty() && field.back() == '\r' && (pos_ == text_.size() || text_[pos_] == '\n')) {
      field.remove_suffix(1);
    }
    return std::string(field);
  }

  std::string read_quoted_field() {
    const int opened_on = line_;
    std::string field;
    ++pos_;  // the opening quote
    while (true) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        throw error(opened_on, "unterminated quoted field (the quote opened here is never closed)");
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      line_ += static_cast<int>(std::count(chunk.begin(), chunk.end(), '\n'));
      field += chunk;
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    skip_carriage_return_of_line_end();
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
      throw error(line_,
                  "unexpected '" + std::string(1, text_[pos_]) +
                      "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    return field;
  }

  void skip_carriage_return_of_line_end() {
    if (pos_ < text_.size() && text_[pos_] == '\r' &&
        (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n')) {
      ++pos_;
    }
  }

  InputError error(int line, std::string message) const {
    return InputError(Diagnostic{{file_, line, "", ""}, std::move(message)});
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

void check_header(const CsvRecord& header, const std::string& file,
                  std::vector<Diagnostic>& problems) {
  std::set<std::string> seen;
  for (const std::string& name : header.fields) {
    if (!seen.insert(name).second) {
      problems.push_back({{file, header.line, "", name},
                          "duplicate column name: every column needs its own name"});
    }
  }
}

void check_row_width(const CsvRecord& row, const CsvRecord& header, const std::string& file,
                     std::vector<Diagnostic>& problems) {
  if (row.fields.size() == header.fields.size())
    return;
  problems.push_back({{file, row.line, "", ""},
                      "row has " + std::to_string(row.fields.size()) +
                          " fields but the header (line " + std::to_string(header.line) + ") has " +
                          std::to_string(header.fields.size())});
}

}  // namespace

CsvTable read_csv(std::string_view text, const std::string& display_name) {
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  CsvParser parser(text, display_name);
  std::optional<CsvRecord> header = parser.next_record();
  if (!header) {
    throw InputError(Diagnostic{SourceLocation{display_name, 0, {}, {}}, "empty file: no runs"});
  }
  CsvTable table{std::move(*header), {}};
  for (std::string& name : table.header.fields)
    name = trim(name);

  std::vector<Diagnostic> problems;
  check_header(table.header, display_name, problems);
  while (std::optional<CsvRecord> row = parser.next_record()) {
    check_row_width(*row, table.header, display_name, problems);
    table.rows.push_back(std::move(*row));
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
  return table;
}

}  // namespace moescope

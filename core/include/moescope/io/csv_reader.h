#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// One record of a CSV file and the physical line it starts on (the header is line 1; a quoted
// field may span several lines).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

struct CsvTable {
  CsvRecord header;  // names trimmed of surrounding blanks
  std::vector<CsvRecord> rows;
};

// Reads RFC 4180 CSV: fields quoted with '"' may hold commas, line breaks and "" for a quote;
// records end with LF or CRLF, the last one optionally; a UTF-8 byte order mark and blank lines
// are skipped. Throws InputError, naming `display_name` and the line, for an empty file, an
// unterminated quote, text after a closing quote, a duplicate column name, and every row whose
// field count differs from the header's.
CsvTable read_csv(std::string_view text, const std::string& display_name);

}  // namespace moescope

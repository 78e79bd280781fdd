#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/run/derive.h"
#include "moescope/run/run.h"

namespace moescope {

// A run's fields as text, keyed by canonical field name: the form both file formats share, so
// that CSV and JSON read and write every field the same way. A field without a value has no
// entry; numbers are in format_number's shortest exact form, lists in compact JSON.
using FieldTexts = std::map<std::string, std::string>;

// One record of a source file: the line it starts on, the text of each field it gives, and the
// text of each column a row filter reads (RunFilter::columns()).
struct SourceRecord {
  int line = 0;
  FieldTexts texts;
  std::map<std::string, std::string> cells;
};

// Which columns (JSON keys) of a source a reader takes, beyond the fields' own: those a row
// filter or --best-of reads, and those the user leaves out or accepts unread.
struct ColumnUse {
  std::vector<std::string> filter_columns;   // RunFilter::columns()
  std::vector<std::string> best_of_columns;  // best_of_columns()
  bool ignore_unknown = false;
};

// The records of a source file, and the problems of single records found while splitting it
// (an unknown JSON key): those are reported with the rest, not on their own.
struct SourceTable {
  std::vector<SourceRecord> records;
  std::vector<Diagnostic> problems;
};

// The fields a reader looks for, each under its source column (ColumnMapping::source_of): the
// canonical fields, then the mapping's extras.
std::vector<std::string> fields_read(const ColumnMapping& mapping);

// Whether a reader takes `column` (a CSV column or a JSON key): a field's source column, a column
// named after a field (read, or replaced by the one the mapping names, or left out by FIELD=), a
// column the mapping leaves out (NAME=), or one `use` names.
bool is_known_column(const std::string& column, const ColumnMapping& mapping, const ColumnUse& use);

// "columns that map to no field: 'x', 'Loss' (a typo of loss?); map ..." for the columns (keys)
// of a source that a reader would otherwise drop without a word.
std::string unknown_columns_message(const std::vector<std::string>& unknown,
                                    std::string_view noun = "column");

struct ParsedRun {
  Run run;
  std::vector<FieldProblem> problems;  // every field that could not be read
};

// Reads a run from the text of its fields, scaling numbers as `mapping` says; the texts of the
// mapping's extras (keyed by the extra's name) and of the extras field become Run::extras. The
// run is neither derived nor checked (see derive.h), and has provenance and origin only if given.
ParsedRun parse_fields(const FieldTexts& texts, const ColumnMapping& mapping);

// The text of every field of `run` that has a value; parse_fields() reads it back to an equal
// run.
FieldTexts format_fields(const Run& run);

}  // namespace moescope

#pragma once

#include <map>
#include <string>
#include <vector>

#include "moescope/column_mapping.h"
#include "moescope/derive.h"
#include "moescope/diagnostic.h"
#include "moescope/run.h"

namespace moescope {

// A run's fields as text, keyed by canonical field name: the form both file formats share, so
// that CSV and JSON read and write every field the same way. A field without a value has no
// entry; numbers are in format_number's shortest exact form, lists in compact JSON.
using FieldTexts = std::map<std::string, std::string>;

// One record of a source file: the line it starts on and the text of each field it gives.
struct SourceRecord {
  int line = 0;
  FieldTexts texts;
};

// The records of a source file, and the problems of single records found while splitting it
// (an unknown JSON key): those are reported with the rest, not on their own.
struct SourceTable {
  std::vector<SourceRecord> records;
  std::vector<Diagnostic> problems;
};

struct ParsedRun {
  Run run;
  std::vector<FieldProblem> problems;  // every field that could not be read
};

// Reads a run from the text of its fields, scaling numbers as `mapping` says. The run is
// neither derived nor checked (see derive.h), and has provenance and origin only if given.
ParsedRun parse_fields(const FieldTexts& texts, const ColumnMapping& mapping);

// The text of every field of `run` that has a value; parse_fields() reads it back to an equal
// run.
FieldTexts format_fields(const Run& run);

}  // namespace moescope

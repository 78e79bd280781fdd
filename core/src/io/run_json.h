#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/run/run.h"
#include "run/run_fields.h"

namespace moescope {

// The JSON form of a run file: {"format":"moescope-runs","version":1,"runs":[{...},...]}, or a
// bare array of run objects. Keys are canonical field names, or the columns `mapping` names.
//
// Throws InputError for a syntax error (with its line and column), a key given twice in one
// object, a document of another shape, or no runs. A key that maps to no field (see
// is_known_column) is a problem of its record unless `use` accepts it unread.
SourceTable read_json_records(std::string_view text, const std::string& display_name,
                              const ColumnMapping& mapping, const ColumnUse& use);

// The versioned object with one run per line, values absent from a run left out.
std::string format_runs_json(const std::vector<Run>& runs);

}  // namespace moescope

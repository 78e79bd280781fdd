#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moescope/column_mapping.h"
#include "moescope/run.h"
#include "run_fields.h"

namespace moescope {

// The JSON form of a run file: {"format":"moescope-runs","version":1,"runs":[{...},...]}, or a
// bare array of run objects. Keys are canonical field names, or the columns `mapping` names.
//
// Throws InputError for a syntax error (with its line and column), a document of another shape,
// or no runs. An unknown key is a problem of its record: this is MoEScope's own format, so a key
// it does not know is a typo, not a foreign column.
SourceTable read_json_records(std::string_view text, const std::string& display_name,
                              const ColumnMapping& mapping);

// The versioned object with one run per line, values absent from a run left out.
std::string format_runs_json(const std::vector<Run>& runs);

}  // namespace moescope

#pragma once

#include <string>

#include "moescope/run.h"

namespace moescope {

// The identity of a run given by its content: name, architecture, scaling quantities, loss,
// hyper-parameters, loss curve and downstream metrics. Provenance, status and which values were
// derived are left out, so the same run read from two copies of a file, or from a file that spells
// out C where another derives it, is one run. "r" followed by 16 hex digits (64-bit FNV-1a over a
// canonical text with every number in shortest round-trip form).
std::string content_identity(const Run& run);

}  // namespace moescope

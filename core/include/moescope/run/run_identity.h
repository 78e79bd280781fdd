#pragma once

#include <string>

#include "moescope/run/run.h"

namespace moescope {

// The identity of a run given by its content: name, architecture, scaling quantities, loss and
// its unit, hyper-parameters, loss curve and downstream metrics. Provenance, status and which
// values were derived are left out, so the same run read from two copies of a file, or from a file
// that spells out C where another derives it, is one run. "r" followed by 16 hex digits (64-bit
// FNV-1a over a canonical text with every number in shortest round-trip form; -0 counts as 0).
//
// `occurrence` tells apart the rows of one file that hold the same run: rows are never merged, so
// the second of two equal rows (occurrence 1) is a run of its own with an id of its own, and
// reading the file again gives the same ids. Occurrence 0 is the content's identity.
std::string content_identity(const Run& run, int occurrence = 0);

}  // namespace moescope

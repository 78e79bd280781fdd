#pragma once

#include <QCommandLineParser>

namespace moescope::explorer {

// Without a display there is no OpenGL for the 3-D view, but the figures draw without it: writes
// them (--export-all DIR, else ./moescope-figures) and says in text what the explorer would show,
// the optimum at each budget of the data; with --print-readout, the read-out as JSON alone.
// Returns the exit status.
int write_report(const QCommandLineParser& args);

}  // namespace moescope::explorer

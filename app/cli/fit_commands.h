#pragma once

#include <CLI/CLI.hpp>

namespace moescope::cli {

// Subcommands of `moescope fit`.
void add_fit_law_command(CLI::App& fit);
void add_fit_surface_command(CLI::App& fit);
void add_fit_isoflop_command(CLI::App& fit);
void add_fit_compare_command(CLI::App& fit);

}  // namespace moescope::cli

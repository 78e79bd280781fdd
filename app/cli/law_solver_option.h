#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace moescope::cli {

// --solver of the commands that fit the law (fit law, optimum): "multistart", L-BFGS from every
// start of the grid (the default), or "vp", variable projection over the grid's exponents alone,
// the coefficients solved for (docs/fitting.md): the same fit on the paper's grids in a fraction
// of the time. Parse the value with parse_law_solver (law_fit.h).
CLI::Option* add_law_solver_option(CLI::App& command, std::string& solver);

}  // namespace moescope::cli

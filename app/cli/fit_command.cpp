// moescope fit: the fitters, one subcommand each.
#include "commands.h"
#include "fit_commands.h"

namespace moescope::cli {

void add_fit_command(CLI::App& app) {
  CLI::App* fit = app.add_subcommand(
      "fit",
      "Fit a scaling law, IsoFLOP surfaces or IsoFLOP curves to runs, or compare saved laws");
  fit->require_subcommand(1);
  add_fit_law_command(*fit);
  add_fit_surface_command(*fit);
  add_fit_isoflop_command(*fit);
  add_fit_compare_command(*fit);
}

}  // namespace moescope::cli

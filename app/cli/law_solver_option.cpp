#include "law_solver_option.h"

namespace moescope::cli {

CLI::Option* add_law_solver_option(CLI::App& command, std::string& solver) {
  return command
      .add_option("--solver", solver,
                  "multistart: L-BFGS from every start of the grid; vp: variable projection, the "
                  "grid's exponents only, the coefficients solved for (docs/fitting.md)")
      ->check(CLI::IsMember({"multistart", "vp"}))
      ->capture_default_str();
}

}  // namespace moescope::cli

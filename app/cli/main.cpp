// moescope: the command line of MoEScope. Errors go to stderr with a non-zero exit status:
// 1 for bad input or a failing store, 2 for bad usage.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "moescope/diagnostic.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/run_store.h"

int main(int argc, char** argv) {
  CLI::App app{"MoEScope: plan sparse Mixture-of-Experts pretraining from scaling laws",
               "moescope"};
  app.set_version_flag("--version", "moescope 0.1.0");
  app.require_subcommand(1);
  moescope::cli::add_import_command(app);
  moescope::cli::add_runs_command(app);
  moescope::cli::add_export_command(app);
  moescope::cli::add_flops_command(app);
  moescope::cli::add_report_command(app);
  moescope::cli::add_synth_command(app);
  moescope::cli::add_fit_command(app);
  moescope::cli::add_optimum_command(app);
  moescope::cli::add_predict_command(app);
  moescope::cli::add_explore_command(app, argv[0]);
  moescope::cli::add_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  } catch (const moescope::InputError& error) {
    std::cerr << "moescope: " << error.diagnostics().size() << " problem"
              << (error.diagnostics().size() == 1 ? "" : "s") << ":\n"
              << error.what() << '\n';
    return 1;
  } catch (const moescope::FitRefused& error) {
    std::cerr << "moescope: fit refused: " << error.what() << '\n';
    return error.reason() == moescope::RefusalReason::kCancelled ? 130 : 1;
  } catch (const moescope::StoreError& error) {
    std::cerr << "moescope: store: " << error.what() << '\n';
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "moescope: " << error.what() << '\n';
    return 1;
  }
  return 0;
}

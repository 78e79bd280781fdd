// moescope: the command line of MoEScope. Errors go to stderr with a non-zero exit status:
// 1 for bad input or a failing store, 2 for bad usage.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <iostream>
#include <string>

#include "commands.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/diagnostic.h"
#include "moescope/store/run_store.h"
#include "moescope/version.h"

namespace {

// A word where a subcommand is required that names none ("moescope bogus", "moescope train
// bogus"): CLI11 says only that a subcommand is required. Says which word, and the subcommands
// there are; true when it did.
bool refused_unknown_subcommand(const CLI::App& app, int argc, char** argv) {
  const CLI::App* level = &app;
  std::string command = "moescope";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    const std::vector<const CLI::App*> subcommands =
        level->get_subcommands(std::function<bool(const CLI::App*)>());
    // An option, whose values CLI11 reads, or a command that takes no subcommand: nothing to say.
    if (word.empty() || word.front() == '-' || subcommands.empty())
      return false;
    const auto found = std::find_if(subcommands.begin(), subcommands.end(),
                                    [&](const CLI::App* sub) { return sub->check_name(word); });
    if (found != subcommands.end()) {
      level = *found;
      command += ' ';
      command += word;
      continue;
    }
    if (level->get_require_subcommand_min() == 0)
      return false;
    std::string names;
    for (const CLI::App* sub : subcommands) {
      if (!names.empty())
        names += ", ";
      names += sub->get_name();
    }
    std::cerr << command << ": unknown subcommand '" << word << "'; the subcommands are " << names
              << " (" << command << " --help)\n";
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MoEScope: plan sparse Mixture-of-Experts pretraining from scaling laws",
               "moescope"};
  app.set_version_flag("--version", std::string("moescope ") + moescope::kVersion);
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
  moescope::cli::add_hosts_command(app);
  if (refused_unknown_subcommand(app, argc, argv))
    return 2;
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

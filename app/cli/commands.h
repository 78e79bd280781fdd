#pragma once

#include <CLI/CLI.hpp>

namespace moescope::cli {

// Each adds one subcommand to `app`; its callback runs the command and throws on failure
// (main.cpp turns exceptions into a message on stderr and a non-zero exit).
void add_import_command(CLI::App& app);
void add_runs_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_flops_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_fit_command(CLI::App& app);
void add_optimum_command(CLI::App& app);
void add_predict_command(CLI::App& app);
// argv0 locates the explorer binary beside this one.
void add_explore_command(CLI::App& app, const char* argv0);
void add_train_command(CLI::App& app);
void add_hosts_command(CLI::App& app);

}  // namespace moescope::cli

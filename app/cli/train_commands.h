#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <ostream>
#include <string>

#include "moescope/launch/run_queue.h"

namespace moescope::cli {

// Subcommands of `moescope train`.
void add_train_plan_command(CLI::App& train);
void add_train_launch_command(CLI::App& train);
void add_train_status_command(CLI::App& train);
void add_train_cancel_command(CLI::App& train);
void add_train_drive_command(CLI::App& train);

// The --queue option shared by the subcommands that use the launch queue; empty means the
// default folder (RunQueue::default_directory()).
void add_queue_option(CLI::App& command, std::string& queue);
std::filesystem::path resolve_queue_directory(const std::string& queue);

// This program's own binary, for finding the binaries built beside it.
std::filesystem::path own_executable();

// Starts `moescope train drive --queue DIR` as a process of its own session (it outlives this
// one and a closed terminal), its output appended to DIR/driver.log.
void start_background_driver(const std::filesystem::path& queue_directory);

// One line per job that an update started or ended, e.g. "job 3 C1e15_N2e6_S0.75: done, loss
// 3.21 (run r0123456789abcdef)"; a failure's message follows, indented.
void print_queue_events(const RunQueue& queue, const QueueUpdate& update, std::ostream& out);

}  // namespace moescope::cli

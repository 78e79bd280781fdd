#pragma once

#include <signal.h>
#include <spawn.h>

namespace moescope {

// posix_spawn's attribute and file-action objects, destroyed on every path: for the executors'
// supervising shells and for programs run without a shell (remote_command.h).
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attributes);
    ::posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // The child in a process group of its own (cancelling signals all of it, a terminal's Ctrl-C none
  // of it), no signal blocked, and the signals this process ignores or handles (a GUI, a command
  // waiting on Ctrl-C) back to their defaults.
  void own_process_group_and_default_signals() {
    const int flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    ::posix_spawnattr_setflags(&attributes, static_cast<short>(flags));
    ::posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t none;
    ::sigemptyset(&none);
    ::posix_spawnattr_setsigmask(&attributes, &none);
    sigset_t reset;
    ::sigemptyset(&reset);
    for (const int signal : {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2})
      ::sigaddset(&reset, signal);
    ::posix_spawnattr_setsigdefault(&attributes, &reset);
  }

  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
};

}  // namespace moescope

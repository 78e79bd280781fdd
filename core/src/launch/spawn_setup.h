#pragma once

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

  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
};

}  // namespace moescope

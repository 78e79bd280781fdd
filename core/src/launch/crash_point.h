#pragma once

#include <string_view>

namespace moescope {

// TEST HOOK for fault injection, compiled into every build: when the environment variable
// MOESCOPE_CRASH_AT equals `name`, the process kills itself with SIGKILL here, as if killed at
// this point from outside (no destructors, no flushing). tests/launch_fault_test.cpp kills queue
// drivers at each point between starting a job and recording it this way. Unset, a point costs a
// comparison with an empty string (the variable is read once).
//
// The points: queue.before_submit, executor.after_lock, executor.after_spawn, queue.after_submit,
// queue.before_record and queue.after_store (run_queue.cpp, local_executor.cpp).
void crash_point(std::string_view name);

}  // namespace moescope

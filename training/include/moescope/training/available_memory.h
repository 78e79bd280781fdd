#pragma once

#include <optional>

namespace moescope::training {

// Memory a new process can still take without swapping: MemAvailable of /proc/meminfo, in bytes.
std::optional<double> available_host_memory();

// Total memory of CUDA device `ordinal` in bytes, from the driver (libcuda.so.1, loaded at run
// time so that CPU-only machines need no CUDA library); empty where there is no such device.
std::optional<double> cuda_device_memory(int ordinal);

}  // namespace moescope::training

#include "moescope/training/available_memory.h"

#include <dlfcn.h>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>

namespace moescope::training {

std::optional<double> available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string name;
    double kibibytes = 0;
    if (fields >> name >> kibibytes && name == "MemAvailable:")
      return kibibytes * 1024.0;
  }
  return std::nullopt;
}

std::optional<double> cuda_device_memory(int ordinal) {
  // The three driver entry points used, with their documented signatures (cuda.h): CUresult is
  // an int where 0 means success, CUdevice an int.
  using InitFunction = int (*)(unsigned int);
  using DeviceGetFunction = int (*)(int*, int);
  using TotalMemFunction = int (*)(std::size_t*, int);
  void* driver = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver == nullptr)
    return std::nullopt;
  const auto init = reinterpret_cast<InitFunction>(::dlsym(driver, "cuInit"));
  const auto device_get = reinterpret_cast<DeviceGetFunction>(::dlsym(driver, "cuDeviceGet"));
  const auto total_mem = reinterpret_cast<TotalMemFunction>(::dlsym(driver, "cuDeviceTotalMem_v2"));
  std::optional<double> bytes;
  int device = 0;
  std::size_t total = 0;
  if (init != nullptr && device_get != nullptr && total_mem != nullptr && init(0) == 0 &&
      device_get(&device, ordinal) == 0 && total_mem(&total, device) == 0) {
    bytes = static_cast<double>(total);
  }
  // The driver stays loaded: it keeps state after cuInit, and LibTorch uses it next anyway.
  return bytes;
}

}  // namespace moescope::training

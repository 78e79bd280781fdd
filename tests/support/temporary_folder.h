#pragma once

#include <ftw.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace moescope::testing_support {

// Removes a folder and everything in it, if it exists. Not std::filesystem::remove_all: PyTorch's
// libtorch.so, the LibTorch of the GPU machine, exports a copy of remove_all(path, error_code&)
// that the dynamic linker binds the tests' calls to, and that copy jumps to address 0 (seen on the
// H200 machine, 2026-12-04: TinyMoeTest crashed in it).
inline void remove_tree(const std::filesystem::path& folder) {
  constexpr int kOpenFolders = 16;
  ::nftw(
      folder.c_str(),
      [](const char* path, const struct stat*, int, struct FTW*) {
        std::remove(path);
        return 0;  // keep going: remove what can be removed
      },
      kOpenFolders, FTW_DEPTH | FTW_PHYS);
}

// A fresh, empty folder for the current test, removed with everything in it afterwards. Named after
// the process and the test, so parallel ctest processes never share one.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& prefix) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ =
        std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" +
                                                  test->test_suite_name() + "-" + test->name());
    remove_tree(path_);
    std::filesystem::create_directories(path_);
  }
  ~TemporaryFolder() { remove_tree(path_); }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace moescope::testing_support

#include "moescope/training/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "moescope/training/atomic_file.h"
#include "moescope/training/train_spec.h"

namespace moescope::training {

RunDirectory::RunDirectory(std::filesystem::path folder) : folder_(std::move(folder)) {
  std::filesystem::create_directories(folder_);
  const std::filesystem::path lock = folder_ / ".lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0)
    throw std::runtime_error("cannot create " + lock.string());
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw std::runtime_error("another moescope-train is working in " + folder_.string());
  }
}

RunDirectory::~RunDirectory() {
  ::close(lock_fd_);
}

void RunDirectory::claim(const std::string& canonical_spec) const {
  std::ifstream in(spec_file(), std::ios::binary);
  if (!in) {
    write_file_atomically(spec_file(), canonical_spec);
    return;
  }
  std::ostringstream recorded;
  recorded << in.rdbuf();
  std::vector<FieldProblem> problems = spec_differences(recorded.str(), canonical_spec);
  if (problems.empty())
    return;
  for (FieldProblem& problem : problems)
    problem.message += " (" + spec_file().string() + "); use another --out folder";
  throw SpecError(std::move(problems));
}

bool RunDirectory::finished() const {
  return std::filesystem::exists(result_file());
}

}  // namespace moescope::training

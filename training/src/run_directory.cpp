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

namespace {

// Compares the spec recorded in `spec_file` with this one: false when none is recorded, true when
// they agree; throws SpecError naming each differing key otherwise.
bool same_recorded_spec(const std::filesystem::path& spec_file, const std::string& canonical_spec) {
  std::ifstream in(spec_file, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream recorded;
  recorded << in.rdbuf();
  std::vector<FieldProblem> problems = spec_differences(recorded.str(), canonical_spec);
  if (problems.empty())
    return true;
  for (FieldProblem& problem : problems)
    problem.message += " (" + spec_file.string() + "); use another --out folder";
  throw SpecError(std::move(problems));
}

}  // namespace

void RunDirectory::claim(const std::string& canonical_spec) const {
  if (!same_recorded_spec(spec_file(), canonical_spec))
    write_file_atomically(spec_file(), canonical_spec);
}

bool RunDirectory::finished() const {
  return std::filesystem::exists(result_file());
}

bool RunDirectory::finished_run(const std::filesystem::path& folder,
                                const std::string& canonical_spec) {
  if (!std::filesystem::exists(result_file_in(folder)))
    return false;
  same_recorded_spec(spec_file_in(folder), canonical_spec);
  return true;
}

}  // namespace moescope::training

#include "moescope/training/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "moescope/io/atomic_file.h"
#include "moescope/trainer/train_spec.h"

namespace moescope::training {

RunDirectory::RunDirectory(std::filesystem::path folder, bool take_lock)
    : folder_(std::move(folder)) {
  std::filesystem::create_directories(folder_);
  if (!take_lock)
    return;
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
  if (lock_fd_ >= 0)
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

void RunDirectory::keep_metrics_through(std::int64_t step) const {
  std::ifstream in(metrics_file(), std::ios::binary);
  if (!in)
    return;
  std::string kept;
  std::string line;
  // A line without its newline was being written when the process died.
  while (std::getline(in, line) && !in.eof()) {
    const std::optional<std::int64_t> line_step = metrics_line_step(line);
    if (line_step && *line_step <= step)
      kept += line + '\n';
  }
  in.close();
  write_file_atomically(metrics_file(), kept);
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

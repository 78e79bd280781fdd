#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "run_program.h"

namespace moescope::testing_support {

// How run_with_read_only_folder() made the folder read-only, for a test to say what it proved.
enum class ReadOnlyMethod {
  // A private mount namespace (unshare -m) in which the folder is bind-mounted read-only: exactly
  // a read-only filesystem (EROFS), for the program and everything it starts. Used as root.
  kReadOnlyMount,
  // The write permissions of the folder and of everything in it taken away for the run: nothing
  // can be created, removed or written there (EACCES). Used when not root.
  kNoWritePermission,
};

// Runs `program args...` (as run_program() does, output captured in `scratch`, which must lie
// outside `folder`) while `folder` cannot be written. Root ignores permissions, so as root the
// folder is mounted read-only in a mount namespace of the program's own; elsewhere the write
// permissions of the folder and of everything in it are taken away for the run and given back
// after. nullopt when neither can be
// arranged (root in a container without the right to mount): the caller skips, saying so.
inline std::optional<std::pair<Outcome, ReadOnlyMethod>> run_with_read_only_folder(
    const std::filesystem::path& folder, const std::filesystem::path& program,
    const std::vector<std::string>& args, const std::filesystem::path& scratch,
    const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  namespace fs = std::filesystem;
  if (::geteuid() != 0) {
    // The folder and everything in it, as on a read-only filesystem (a lock file left there
    // must not open for writing either); given back after, deepest first.
    std::vector<std::pair<fs::path, fs::perms>> changed = {
        {folder, fs::status(folder).permissions()}};
    for (const auto& entry : fs::recursive_directory_iterator(folder))
      changed.emplace_back(entry.path(), fs::symlink_status(entry.path()).permissions());
    constexpr fs::perms kWrite =
        fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
    for (const auto& [path, permissions] : changed) {
      if (!fs::is_symlink(path))
        fs::permissions(path, kWrite, fs::perm_options::remove);
    }
    Outcome outcome = run_program(program, args, scratch, environment);
    for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
      if (!fs::is_symlink(it->first))
        fs::permissions(it->first, it->second);
    }
    return std::pair{std::move(outcome), ReadOnlyMethod::kNoWritePermission};
  }
  // $0 is the folder; the program and its arguments follow. The mount is private to the
  // namespace (unshare's default propagation), so nothing outside it sees the change.
  const std::string script =
      "mount --bind \"$0\" \"$0\" && mount -o remount,ro,bind \"$0\" || exit 199; exec \"$@\"";
  const std::string probe =
      "mount --bind \"$0\" \"$0\" && mount -o remount,ro,bind \"$0\" || exit 199; "
      "! touch \"$0/.read-only-probe\" 2>/dev/null";
  const Outcome probed =
      run_program("unshare", {"-m", "sh", "-c", probe, folder.string()}, scratch, environment);
  if (probed.exit_code != 0)
    return std::nullopt;
  std::vector<std::string> words = {"-m", "sh", "-c", script, folder.string(), program.string()};
  words.insert(words.end(), args.begin(), args.end());
  Outcome outcome = run_program("unshare", words, scratch, environment);
  return std::pair{std::move(outcome), ReadOnlyMethod::kReadOnlyMount};
}

inline const char* describe(ReadOnlyMethod method) {
  return method == ReadOnlyMethod::kReadOnlyMount ? "a read-only bind mount (EROFS)"
                                                  : "a folder without write permission (EACCES)";
}

}  // namespace moescope::testing_support

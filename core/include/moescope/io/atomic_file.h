#pragma once

#include <filesystem>
#include <string_view>

namespace moescope {

// Makes `written` (a complete file next to `target`) the new `target` in one step: flushed to
// disk, then renamed over it, then the folder flushed. A process killed at any moment leaves
// either the old file or the new one, never a torn one. Throws std::runtime_error on failure.
void commit_file(const std::filesystem::path& written, const std::filesystem::path& target);

// Writes `content` to `target` through a temporary file and commit_file. The file gets `mode`
// (less the umask), e.g. 0600 for a cache that only its owner may read. On failure the temporary
// file is removed and `target` is as it was. Every file MoEScope replaces goes through here: run
// exports, FIT.json, the queue's jobs.json, the trainer's records and caches.
void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           unsigned mode = 0666);

// The temporary file write_file_atomically and checkpoints use for `target`.
std::filesystem::path pending_path(const std::filesystem::path& target);

}  // namespace moescope

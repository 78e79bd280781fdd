#pragma once

#include <filesystem>
#include <optional>

namespace moescope {

// The corpus file a spec names relative to its folder, which must travel with the spec to a host
// or a cluster; nullopt for the built-in corpus, an absolute path (a file there), or a spec that
// cannot be read (the trainer will say what is wrong with it). Throws ExecutorError for a corpus
// outside the spec's folder ("../x"), which is never copied.
std::optional<std::filesystem::path> relative_corpus(const std::filesystem::path& spec_file);

}  // namespace moescope

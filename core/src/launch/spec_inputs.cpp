#include "launch/spec_inputs.h"

#include <nlohmann/json.hpp>
#include <string>

#include "moescope/io/json_file.h"
#include "moescope/launch/executor.h"
#include "moescope/trainer/corpus_catalog.h"

namespace moescope {

namespace fs = std::filesystem;

std::optional<fs::path> relative_corpus(const fs::path& spec_file) {
  nlohmann::json spec;
  try {
    spec = read_json_file(spec_file);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!spec.is_object() || !spec.contains("corpus") || !spec["corpus"].is_string())
    return std::nullopt;
  const fs::path corpus = spec["corpus"].get<std::string>();
  if (find_built_in_corpus(corpus.string()) || corpus.empty() || corpus.is_absolute())
    return std::nullopt;
  for (const fs::path& part : corpus) {
    if (part == "..") {
      throw ExecutorError(spec_file.string() + ": the corpus '" + corpus.string() +
                          "' is outside the spec's folder; it cannot be copied to the host");
    }
  }
  return corpus.lexically_normal();
}

}  // namespace moescope

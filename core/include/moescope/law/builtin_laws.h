#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/law/law_definition.h"

namespace moescope::law {

// The laws MoEScope ships besides its two compiled forms (Eq. 6 and Chinchilla's, law_fit.h):
// the files of resources/laws/, compiled into the library (core/CMakeLists.txt), so that
// `--form kaplan` works from any directory and is the same law a user can copy and edit. Each
// file cites its paper and equation; the README lists them.
struct BuiltinLawFile {
  std::string_view name;  // the form's name: the file's name without ".json"
  std::string_view path;  // "resources/laws/kaplan.json", for messages
  std::string_view text;  // the file's JSON
};

// In name order.
std::span<const BuiltinLawFile> builtin_law_files();

// The names, in order, for help texts: "clark, data-constrained, ...".
std::string builtin_law_names();

// The built-in law called `name`, parsed with parse_law_text(); nullopt for another name.
std::optional<LawDefinition> builtin_law(std::string_view name,
                                         const std::vector<std::string>& variables);

}  // namespace moescope::law

#include "moescope/io/diagnostic.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace moescope {
namespace {

constexpr std::size_t kMaxListedDiagnostics = 20;
// Lines named beside a problem that many rows share, after the first.
constexpr std::size_t kMaxListedLines = 3;

bool same_problem(const Diagnostic& a, const Diagnostic& b) {
  return a.where.file == b.where.file && a.where.field == b.where.field &&
         a.where.column == b.where.column && a.message == b.message;
}

std::string join_messages(const std::vector<Diagnostic>& diagnostics) {
  // Each problem once, in order of first appearance, with the lines of its repeats.
  std::vector<std::pair<const Diagnostic*, std::vector<int>>> problems;
  for (const Diagnostic& diagnostic : diagnostics) {
    const auto found = std::find_if(problems.begin(), problems.end(), [&](const auto& problem) {
      return diagnostic.where.line > 0 && same_problem(*problem.first, diagnostic);
    });
    if (found == problems.end())
      problems.push_back({&diagnostic, {}});
    else
      found->second.push_back(diagnostic.where.line);
  }
  std::string text;
  for (std::size_t i = 0; i < problems.size() && i < kMaxListedDiagnostics; ++i) {
    if (i > 0)
      text += '\n';
    text += problems[i].first->format();
    const std::vector<int>& repeats = problems[i].second;
    if (repeats.empty())
      continue;
    text += " (and " + std::to_string(repeats.size()) + " more row" +
            (repeats.size() == 1 ? "" : "s") + ": line" + (repeats.size() == 1 ? " " : "s ");
    for (std::size_t k = 0; k < repeats.size() && k < kMaxListedLines; ++k)
      text += (k > 0 ? ", " : "") + std::to_string(repeats[k]);
    text += repeats.size() > kMaxListedLines ? ", ...)" : ")";
  }
  if (problems.size() > kMaxListedDiagnostics) {
    text +=
        "\n... and " + std::to_string(problems.size() - kMaxListedDiagnostics) + " more problems";
  }
  return text;
}

}  // namespace

std::string Diagnostic::format() const {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string text = where.file;
  if (where.line > 0) {
    text += ':';
    text += std::to_string(where.line);
  }
  if (!text.empty())
    text += ": ";
  if (!where.field.empty()) {
    text += "field ";
    text += where.field;
    if (!where.column.empty() && where.column != where.field) {
      text += " (column '";
      text += where.column;
      text += "')";
    }
    text += ": ";
  } else if (!where.column.empty()) {
    text += "column '";
    text += where.column;
    text += "': ";
  }
  text += message;
  return text;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_messages(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(Diagnostic diagnostic)
    : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}

}  // namespace moescope

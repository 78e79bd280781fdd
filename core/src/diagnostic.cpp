#include "moescope/diagnostic.h"

#include <cstddef>

namespace moescope {
namespace {

constexpr std::size_t kMaxListedDiagnostics = 20;

std::string join_messages(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (std::size_t i = 0; i < diagnostics.size() && i < kMaxListedDiagnostics; ++i) {
    if (i > 0)
      text += '\n';
    text += diagnostics[i].format();
  }
  if (diagnostics.size() > kMaxListedDiagnostics) {
    text += "\n... and " + std::to_string(diagnostics.size() - kMaxListedDiagnostics) +
            " more problems";
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

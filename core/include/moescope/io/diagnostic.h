#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace moescope {

// Where in a source something is wrong. Lines count from 1, and in a CSV file the header is
// line 1. Empty members are left out of the message.
struct SourceLocation {
  std::string file;
  int line = 0;
  std::string field;   // canonical field name (N, S, loss, ...)
  std::string column;  // the column or key in the source that holds it, when it differs
};

struct Diagnostic {
  SourceLocation where;
  std::string message;

  // "runs.csv:7: field N (column 'Model Size'): not a number: '12x'"
  std::string format() const;
};

// Bad input: carries every problem found, so a user fixes a file in one pass, not one error at a
// time. what() is all the diagnostics, one per line (capped, with a count of the rest); a
// problem that many rows share (the same file, field, column and message) is one line with a
// count and its first few lines, "runs.csv:2: field warmup: not a number: 'long' (and 1744 more
// rows: lines 3, 4, 5, ...)", since a message a thousand times over hides the others.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace moescope

#include "moescope/io/json_file.h"

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "moescope/io/atomic_file.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/json_limits.h"

namespace moescope {
namespace {

InputError file_error(const std::filesystem::path& path, const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.file = path.string();
  diagnostic.message = message;
  return InputError(std::move(diagnostic));
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw file_error(path, "cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  // Before parsing, so that nothing walks a value nested too deep to walk.
  if (const std::optional<JsonNesting> nesting = json_nesting_past(text.str())) {
    Diagnostic diagnostic;
    diagnostic.where = {path.string(), nesting->line, "", ""};
    diagnostic.message = json_depth_message(*nesting);
    throw InputError(std::move(diagnostic));
  }
  if (const std::optional<std::string> problem = json_nul_problem(text.str()))
    throw file_error(path, *problem);
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& error) {  // a syntax error, or a number like 1e999
    throw file_error(path, std::string("not valid JSON: ") + error.what());
  }
}

void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& json) {
  write_file_atomically(path, json.dump(2) + "\n");
}

nlohmann::ordered_json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json number_pair(double lo, double hi) {
  return nlohmann::ordered_json::array({number_or_null(lo), number_or_null(hi)});
}

}  // namespace moescope

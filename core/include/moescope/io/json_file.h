#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace moescope {

// A JSON file read for a command, checked before it is parsed: nested no deeper than
// kMaxJsonDepth (json_limits.h), no NUL byte. Throws InputError naming the file: cannot be opened,
// nested too deep (with the line and the path to the value), a NUL byte, or not valid JSON
// (a syntax error, or a number like 1e999 that no double holds).
nlohmann::json read_json_file(const std::filesystem::path& path);

// Written atomically (write_file_atomically, atomic_file.h): a reader never sees half a file and
// a crash leaves the old one. Throws std::runtime_error naming the file.
void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& json);

// Numbers in the JSON MoEScope prints: a finite value as itself, NaN and infinities as null (JSON
// has neither, and a reader must see "no value", not a made-up one).
nlohmann::ordered_json number_or_null(double value);
// [lo, hi], each as number_or_null writes it.
nlohmann::ordered_json number_pair(double lo, double hi);

}  // namespace moescope

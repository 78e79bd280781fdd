#include "moescope/trainer/task_file.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "moescope/io/json_limits.h"
#include "moescope/io/utf8.h"

namespace moescope {
namespace {

using nlohmann::json;

// Parses one line, naming the source and the line in every refusal.
class ItemReader {
 public:
  ItemReader(const std::string& source, std::size_t line) : source_(source), line_(line) {}

  TaskItem read(std::string_view text) const {
    check_text(text);
    json object;
    try {
      object = json::parse(text);
    } catch (const json::exception& error) {
      fail(std::string("not valid JSON: ") + error.what());
    }
    if (!object.is_object())
      fail("must be a JSON object {\"context\", \"choices\", \"answer\"}");
    TaskItem item;
    item.context = string_of(object, "context");
    if (item.context.empty())
      fail_key("context", "must not be empty: the first byte of a choice is predicted from it");
    const json& choices = present(object, "choices");
    if (!choices.is_array())
      fail_key("choices", "must be an array of strings");
    if (choices.size() < 2 || choices.size() > kMaxTaskChoices) {
      fail_key("choices", "must hold from 2 to " + std::to_string(kMaxTaskChoices) +
                              " choices, got " + std::to_string(choices.size()));
    }
    for (std::size_t index = 0; index < choices.size(); ++index) {
      const std::string key = "choices[" + std::to_string(index) + "]";
      if (!choices[index].is_string())
        fail_key(key, "must be a string");
      item.choices.push_back(choices[index].get<std::string>());
      if (item.choices.back().empty())
        fail_key(key, "must not be empty");
    }
    const json& answer = present(object, "answer");
    const bool in_range = answer.is_number_integer() && answer.get<std::int64_t>() >= 0 &&
                          answer.get<std::int64_t>() < static_cast<std::int64_t>(choices.size());
    if (!in_range) {
      fail_key("answer", "must be the index of the right choice, an integer from 0 to " +
                             std::to_string(choices.size() - 1) + ", got " + excerpt(answer));
    }
    item.answer = answer.get<int>();
    return item;
  }

 private:
  // What the JSON library must not see: a line it would walk too deep, or cut short at a NUL.
  void check_text(std::string_view text) const {
    if (text.size() > kMaxTaskLineBytes) {
      fail(std::to_string(text.size()) + " bytes, more than the limit of " +
           std::to_string(kMaxTaskLineBytes) + " per item");
    }
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
      fail("a NUL byte at column " + std::to_string(nul + 1) + ": JSON text holds none");
    if (const std::size_t bad = invalid_utf8_at(text); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
      fail(std::string("not UTF-8 (byte ") + byte + " at column " + std::to_string(bad + 1) + ")");
    }
    if (const std::optional<JsonNesting> nesting = json_nesting_past(text)) {
      const std::string path = nesting->path_text();
      fail("arrays and objects nested more than " + std::to_string(kMaxJsonDepth) +
           " deep (MoEScope's limit) at column " + std::to_string(nesting->column) +
           (path.empty() ? "" : ", in " + path));
    }
  }

  const json& present(const json& object, const std::string& key) const {
    const auto found = object.find(key);
    if (found == object.end())
      fail_key(key, "missing (an item is {\"context\", \"choices\", \"answer\"})");
    return *found;
  }

  std::string string_of(const json& object, const std::string& key) const {
    const json& value = present(object, key);
    if (!value.is_string())
      fail_key(key, "must be a string, got " + excerpt(value));
    return value.get<std::string>();
  }

  // A value as JSON, cut to a length a message can show (it nests at most kMaxJsonDepth deep).
  static std::string excerpt(const json& value) {
    const std::string text = value.dump();
    return text.size() <= 40 ? text : text.substr(0, 40) + "...";
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw TaskFileError(source_ + ": line " + std::to_string(line_) + ": " + why);
  }

  [[noreturn]] void fail_key(const std::string& key, const std::string& why) const {
    fail("key " + key + ": " + why);
  }

  const std::string& source_;
  std::size_t line_;
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

std::string task_name(const std::filesystem::path& file) {
  return file.stem().string();
}

Task parse_task_file(std::string_view text, std::string name, const std::string& source) {
  Task task;
  task.name = std::move(name);
  std::size_t begin = 0;
  for (std::size_t line = 1; begin < text.size(); ++line) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string_view item = text.substr(begin, end - begin);
    begin = end + 1;
    if (!blank(item))
      task.items.push_back(ItemReader(source, line).read(item));
  }
  if (task.items.empty())
    throw TaskFileError(source + ": no items (a task file holds one JSON object per line)");
  return task;
}

Task read_task_file(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error))
    throw TaskFileError(file.string() + ": not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error)
    throw TaskFileError(file.string() + ": " + error.message());
  if (size > kMaxTaskFileBytes) {
    throw TaskFileError(file.string() + ": " + std::to_string(size) +
                        " bytes, more than the limit of " + std::to_string(kMaxTaskFileBytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size)))
    throw TaskFileError(file.string() + ": cannot read it");
  return parse_task_file(text, task_name(file), file.string());
}

std::string task_file_line(const TaskItem& item) {
  return json{{"context", item.context}, {"choices", item.choices}, {"answer", item.answer}}.dump();
}

}  // namespace moescope

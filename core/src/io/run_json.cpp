#include "io/run_json.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

#include "moescope/io/diagnostic.h"
#include "moescope/io/json_limits.h"
#include "moescope/io/number_format.h"

namespace moescope {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kFormatName = "moescope-runs";
constexpr int kFormatVersion = 1;

// Maps byte offsets of a text to 1-based lines and columns.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n')
        line_ends_.push_back(i);
    }
  }

  int line_of(std::size_t offset) const {
    const auto newlines_before =
        std::lower_bound(line_ends_.begin(), line_ends_.end(), offset) - line_ends_.begin();
    return 1 + static_cast<int>(newlines_before);
  }

  int column_of(std::size_t offset) const {
    const int line = line_of(offset);
    const std::size_t line_start =
        line == 1 ? 0 : line_ends_[static_cast<std::size_t>(line - 2)] + 1;
    return 1 + static_cast<int>(offset - line_start);
  }

 private:
  std::vector<std::size_t> line_ends_;
};

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The parsed document says nothing of where its values were, so this scans the (already valid)
// text for the offsets where the elements of the run array begin: the array opened at `depth`
// containers deep (1 for a bare array, 2 for the "runs" member). When the scan meets several
// such arrays it keeps the last, as the parser keeps the last of duplicate keys.
std::vector<std::size_t> element_offsets(std::string_view text, std::size_t depth) {
  std::vector<std::size_t> offsets;
  std::vector<char> open;  // the containers around the current position
  bool in_string = false;
  bool escaped = false;
  bool element_expected = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (element_expected && !is_json_space(c)) {
      if (c != ']')
        offsets.push_back(i);
      element_expected = false;
    }
    const bool in_run_array = open.size() == depth && open.back() == '[';
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        open.push_back(c);
        if (c == '[' && open.size() == depth) {
          offsets.clear();
          element_expected = true;
        }
        break;
      case ']':
      case '}':
        if (!open.empty())
          open.pop_back();
        break;
      case ',':
        element_expected = in_run_array;
        break;
      default:
        break;
    }
  }
  return offsets;
}

// Every key that an object of the (already valid) text gives a second time, with the offsets of
// both. nlohmann keeps the last value of a repeated key without a word; a run whose "loss" is
// given twice has no one loss, so the reader refuses it.
struct RepeatedKey {
  std::string key;
  std::size_t first = 0;
  std::size_t again = 0;
};

std::vector<RepeatedKey> repeated_keys(std::string_view text) {
  struct Container {
    bool is_object = false;
    bool expect_key = false;
    std::map<std::string, std::size_t> keys;
  };
  std::vector<RepeatedKey> repeated;
  std::vector<Container> open;
  for (std::size_t i = 0; i < text.size(); ++i) {
    switch (text[i]) {
      case '"': {
        std::size_t end = i + 1;
        while (end < text.size() && text[end] != '"')
          end += text[end] == '\\' ? 2 : 1;
        if (end >= text.size())
          return repeated;  // cannot happen in text the parser took whole; never read past it
        if (!open.empty() && open.back().is_object && open.back().expect_key) {
          // Decoded, so that a key and its escaped spelling are one key.
          const std::string key = json::parse(text.substr(i, end - i + 1)).get<std::string>();
          const auto [seen, first_time] = open.back().keys.try_emplace(key, i);
          if (!first_time)
            repeated.push_back({key, seen->second, i});
          open.back().expect_key = false;
        }
        i = end;
        break;
      }
      case '{':
        open.push_back({true, true, {}});
        break;
      case '[':
        open.push_back({false, false, {}});
        break;
      case '}':
      case ']':
        if (!open.empty())
          open.pop_back();
        break;
      case ',':
        if (!open.empty() && open.back().is_object)
          open.back().expect_key = true;
        break;
      default:
        break;
    }
  }
  return repeated;
}

// nlohmann's message repeats a position computed its own way; keep only what went wrong.
std::string syntax_problem(const json::parse_error& error) {
  const std::string what = error.what();
  const auto column = what.find("column ");
  const auto detail = column == std::string::npos ? column : what.find(": ", column);
  return detail == std::string::npos ? what : what.substr(detail + 2);
}

// "[json.exception.out_of_range.406] number overflow ..." -> "number overflow ...".
std::string without_exception_id(const std::string& what) {
  const auto end_of_id = what.find("] ");
  return end_of_id == std::string::npos ? what : what.substr(end_of_id + 2);
}

InputError syntax_error(std::string_view text, const std::string& file,
                        const json::parse_error& error) {
  // `byte` counts the characters read, the offending one included.
  const std::size_t offset =
      std::min<std::size_t>(error.byte > 0 ? error.byte - 1 : 0, text.size());
  const LineIndex lines(text);
  return InputError(Diagnostic{{file, lines.line_of(offset), "", ""},
                               "JSON syntax error at column " +
                                   std::to_string(lines.column_of(offset)) + ": " +
                                   syntax_problem(error)});
}

// A value nested too deep: the line, and the run and its key where the nesting is inside one (a
// run is an element of the top-level array, or of the "runs" array of the versioned object).
InputError nesting_error(const JsonNesting& nesting, const std::string& file,
                         const ColumnMapping& mapping) {
  Diagnostic diagnostic{{file, nesting.line, "", ""}, json_depth_message(nesting)};
  const std::vector<JsonPathStep>& path = nesting.path;
  const auto run = std::find_if(path.begin(), path.end(),
                                [](const JsonPathStep& step) { return step.is_index; });
  if (run != path.end() && run + 1 != path.end() && !(run + 1)->is_index) {
    const std::string& key = (run + 1)->key;
    diagnostic.where.column = key;
    for (const std::string& field : fields_read(mapping)) {
      if (!mapping.is_ignored(field) && mapping.source_of(field).column == key)
        diagnostic.where.field = field;
    }
    diagnostic.message += " (run " + std::to_string(run->index + 1) + ")";
  }
  return InputError(std::move(diagnostic));
}

InputError file_error(const std::string& file, std::string message) {
  return InputError(Diagnostic{{file, 0, "", ""}, std::move(message)});
}

// The versioned object's members, each checked so a file of another kind or version is named as
// such rather than read as runs.
std::vector<Diagnostic> header_problems(const json& document, const std::string& file) {
  std::vector<Diagnostic> problems;
  for (const auto& member : document.items()) {
    if (member.key() != "format" && member.key() != "version" && member.key() != "runs") {
      problems.push_back({{file, 0, "", member.key()},
                          "unknown top-level key; a runs file has format, version and runs"});
    }
  }
  if (!document.contains("format") || document["format"] != kFormatName) {
    problems.push_back(
        {{file, 0, "", "format"},
         "not a MoEScope runs file: format must be \"" + std::string(kFormatName) + "\""});
  }
  if (!document.contains("version") || !document["version"].is_number() ||
      document["version"] != kFormatVersion) {
    problems.push_back({{file, 0, "", "version"},
                        "unsupported version " +
                            (document.contains("version") ? document["version"].dump() : "(none)") +
                            "; this build reads version " + std::to_string(kFormatVersion)});
  }
  if (!document.contains("runs") || !document["runs"].is_array()) {
    problems.push_back({{file, 0, "", "runs"}, "runs must be an array of run objects"});
  }
  return problems;
}

// Where the runs are: the array itself, and how many containers deep its elements sit.
struct RunArray {
  const json* runs;
  std::size_t depth;
};

RunArray find_runs(const json& document, const std::string& file) {
  if (document.is_array())
    return {&document, 1};
  if (!document.is_object()) {
    throw file_error(file, "expected an array of runs or an object {\"format\":\"" +
                               std::string(kFormatName) + "\",\"version\":1,\"runs\":[...]}");
  }
  std::vector<Diagnostic> problems = header_problems(document, file);
  if (!problems.empty())
    throw InputError(std::move(problems));
  return {&document["runs"], 2};
}

// The text a CSV cell would hold for the same value, so both formats share one field reader.
// null and "" are absent values, as an empty cell is.
std::string cell_text(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return {};
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_float:
      // format_number writes an overflowed 1e999 as "inf", which the reader rejects by name;
      // dump() would write "null".
      return format_number(value.get<double>());
    default:
      return value.dump();
  }
}

SourceRecord to_record(const json& object, int line, const ColumnMapping& mapping,
                       const ColumnUse& use) {
  SourceRecord record{line, {}, {}};
  for (const std::string& field : fields_read(mapping)) {
    if (mapping.is_ignored(field))
      continue;
    const auto value = object.find(mapping.source_of(field).column);
    if (value == object.end())
      continue;
    std::string text = cell_text(*value);
    if (!text.empty())
      record.texts[field] = std::move(text);
  }
  for (const std::string& column : use.filter_columns) {
    const auto value = object.find(column);
    if (value != object.end())
      record.cells[column] = cell_text(*value);
  }
  return record;
}

// This is MoEScope's own format, but a foreign tool may write it with keys of its own: those are
// refused as a CSV file's unknown columns are, unless left out or accepted unread.
void check_keys(const json& object, int line, const ColumnMapping& mapping, const ColumnUse& use,
                const std::string& file, std::vector<Diagnostic>& problems) {
  if (use.ignore_unknown)
    return;
  std::vector<std::string> unknown;
  for (const auto& member : object.items()) {
    if (!is_known_column(member.key(), mapping, use))
      unknown.push_back(member.key());
  }
  if (!unknown.empty())
    problems.push_back({{file, line, "", ""}, unknown_columns_message(unknown, "key")});
}

ordered_json typed_value(FieldKind kind, const std::string& text) {
  switch (kind) {
    case FieldKind::kReal:
      return *parse_number(text);
    case FieldKind::kInteger:
      return static_cast<std::int64_t>(*parse_number(text));
    case FieldKind::kBoolean:
      return text == "true";
    case FieldKind::kList:
      return ordered_json::parse(text);
    case FieldKind::kText:
      break;
  }
  return text;
}

// One object per run, keys in canonical order, from the same texts the CSV export writes, so the
// two formats cannot disagree on a value.
ordered_json run_object(const Run& run) {
  const FieldTexts texts = format_fields(run);
  ordered_json object = ordered_json::object();
  for (const std::string& field : canonical_fields()) {
    const auto text = texts.find(field);
    if (text != texts.end())
      object[field] = typed_value(*field_kind(field), text->second);
  }
  return object;
}

}  // namespace

SourceTable read_json_records(std::string_view text, const std::string& display_name,
                              const ColumnMapping& mapping, const ColumnUse& use) {
  if (std::all_of(text.begin(), text.end(), is_json_space)) {
    throw file_error(display_name, "empty file: no runs");
  }
  // Checked on the raw text, before the parser and anything that walks the value: ~100,000
  // nested brackets overflowed the stack when a value was quoted (json_limits.h).
  if (const std::optional<JsonNesting> nesting = json_nesting_past(text))
    throw nesting_error(*nesting, display_name, mapping);
  if (const std::optional<std::string> problem = json_nul_problem(text))
    throw file_error(display_name, *problem);
  json document;
  try {
    document = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& error) {
    throw syntax_error(text, display_name, error);
  } catch (const json::out_of_range& error) {
    // A number too large for a double (1e999); nlohmann reports it without a position.
    throw file_error(display_name, without_exception_id(error.what()));
  }
  const std::vector<RepeatedKey> repeated = repeated_keys(text);
  if (!repeated.empty()) {
    const LineIndex lines(text);
    std::vector<Diagnostic> problems;
    for (const RepeatedKey& key : repeated) {
      problems.push_back({{display_name, lines.line_of(key.again), "", key.key},
                          "key given twice in one object (first at line " +
                              std::to_string(lines.line_of(key.first)) +
                              "); which value is meant? Keep one"});
    }
    throw InputError(std::move(problems));
  }
  const RunArray run_array = find_runs(document, display_name);
  const json& runs = *run_array.runs;
  if (runs.empty())
    throw file_error(display_name, "no runs: the run array is empty");

  const std::vector<std::size_t> offsets = element_offsets(text, run_array.depth);
  const LineIndex lines(text);
  SourceTable table;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const int line = lines.line_of(offsets.at(i));
    if (!runs[i].is_object()) {
      table.problems.push_back(
          {{display_name, line, "", ""},
           std::string("a run must be a JSON object, got ") + runs[i].type_name()});
      continue;
    }
    check_keys(runs[i], line, mapping, use, display_name, table.problems);
    table.records.push_back(to_record(runs[i], line, mapping, use));
  }
  return table;
}

std::string format_runs_json(const std::vector<Run>& runs) {
  std::string text = R"({"format":")" + std::string(kFormatName) + R"(","version":)" +
                     std::to_string(kFormatVersion) + R"(,"runs":[)";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    text += i == 0 ? "\n" : ",\n";
    // A name read from a Latin-1 CSV is not UTF-8, which JSON cannot hold: its bad bytes become
    // U+FFFD rather than failing the whole export.
    text += run_object(runs[i]).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  }
  return text + "\n]}\n";
}

}  // namespace moescope

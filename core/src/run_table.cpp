#include "moescope/run_table.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "moescope/csv_reader.h"
#include "moescope/derive.h"
#include "moescope/run_identity.h"
#include "run_fields.h"
#include "run_json.h"

namespace moescope {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty())
      text += ", ";
    text += name;
  }
  return text;
}

// Where each field's column sits in the header; a mapped column that is missing is an error
// (the user named it), a canonical one that is missing just leaves the field absent.
std::map<std::string, std::size_t> locate_columns(const CsvRecord& header,
                                                  const ColumnMapping& mapping,
                                                  const std::string& file) {
  std::map<std::string, std::size_t> index_of_field;
  std::vector<Diagnostic> problems;
  for (const std::string& field : canonical_fields()) {
    if (mapping.is_ignored(field))
      continue;
    const std::string column = mapping.source_of(field).column;
    const auto found = std::find(header.fields.begin(), header.fields.end(), column);
    if (found != header.fields.end()) {
      index_of_field[field] = static_cast<std::size_t>(found - header.fields.begin());
    } else if (mapping.is_mapped(field)) {
      problems.push_back({{file, header.line, field, ""},
                          "column '" + column + "' (mapped to " + field +
                              ") not found; columns are: " + join(header.fields)});
    }
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
  return index_of_field;
}

SourceTable read_csv_records(std::string_view text, const std::string& file,
                             const ColumnMapping& mapping) {
  const CsvTable table = read_csv(text, file);
  const auto index_of_field = locate_columns(table.header, mapping, file);
  if (table.rows.empty()) {
    throw InputError(Diagnostic{{file, table.header.line, "", ""},
                                "no runs: the header is not followed by any row"});
  }
  SourceTable source;
  for (const CsvRecord& row : table.rows) {
    SourceRecord record{row.line, {}};
    for (const auto& [field, index] : index_of_field) {
      if (!row.fields[index].empty())
        record.texts[field] = row.fields[index];
    }
    source.records.push_back(std::move(record));
  }
  return source;
}

// A value derive_missing() filled in, that the file did not give.
bool is_derived_here(const std::string& field, const Run& run, const SourceRecord& record) {
  const auto quantity = parse_quantity(field);
  return quantity && run.derived.contains(*quantity) && record.texts.count(field) == 0;
}

// A problem with a derived value follows from the values it came from. When those have problems
// of their own, it is left out: it would send the user to a column the file does not have. Alone,
// it stays, saying that the cause lies in the given values.
void keep_root_causes(std::vector<FieldProblem>& problems, const Run& run,
                      const SourceRecord& record) {
  const auto derived = [&](const FieldProblem& problem) {
    return is_derived_here(problem.field, run, record);
  };
  if (!std::all_of(problems.begin(), problems.end(), derived)) {
    std::erase_if(problems, derived);
    return;
  }
  for (FieldProblem& problem : problems) {
    problem.message += " (a derived value: check the units of the values it follows from)";
  }
}

// A value that could not be read at all, as opposed to one that was read and is implausible.
bool is_unreadable(const FieldProblem& problem) {
  return problem.message.starts_with("not a number") || problem.message.starts_with("unknown ");
}

// Turns records into runs: parses, derives, checks and names each, and keeps one copy of a run
// the file gives twice. Collects every problem of every record.
class RunCollector {
 public:
  RunCollector(const std::string& file, const ColumnMapping& mapping, bool keep_duplicates)
      : file_(file), mapping_(mapping), keep_duplicates_(keep_duplicates) {}

  void add(const SourceRecord& record) {
    ParsedRun parsed = parse_fields(record.texts, mapping_);
    Run& run = parsed.run;
    // A run that says where it came from (an export of ours) keeps that; one from a foreign
    // file came from this file.
    if (record.texts.count("provenance") == 0 && record.texts.count("origin") == 0) {
      run.origin = file_;
    }
    // Derivation on a run with unreadable fields would report the gaps again as derived values.
    if (parsed.problems.empty())
      derive_missing(run);
    std::vector<FieldProblem> problems = std::move(parsed.problems);
    for (FieldProblem& problem : check_run(run))
      problems.push_back(std::move(problem));
    keep_root_causes(problems, run, record);
    for (const FieldProblem& problem : problems)
      report(problem, record);
    if (!problems.empty())
      return;
    if (run.id.empty())
      run.id = content_identity(run);
    keep_once(std::move(run), record);
  }

  ReadResult result() && {
    if (!problems_.empty()) {
      std::stable_sort(
          problems_.begin(), problems_.end(),
          [](const Diagnostic& a, const Diagnostic& b) { return a.where.line < b.where.line; });
      throw InputError(std::move(problems_));
    }
    return ReadResult{std::move(runs_), std::move(duplicates_)};
  }

  void add_problems(std::vector<Diagnostic> problems) {
    for (Diagnostic& problem : problems)
      problems_.push_back(std::move(problem));
  }

 private:
  struct FirstSeen {
    int line;
    std::size_t index;
  };

  void report(const FieldProblem& problem, const SourceRecord& record) {
    const bool given = record.texts.count(problem.field) > 0;
    const std::string column = given ? mapping_.source_of(problem.field).column : std::string();
    std::string message = problem.message;
    // A foreign file's column may merely share a canonical name; say how to leave it out.
    if (given && !mapping_.is_mapped(problem.field) && is_unreadable(problem)) {
      message += " (if column '" + column + "' is not MoEScope's " + problem.field +
                 ", leave it out with --map " + problem.field + "=)";
    }
    problems_.push_back({{file_, record.line, problem.field, column}, std::move(message)});
  }

  void keep_once(Run run, const SourceRecord& record) {
    const auto [seen, first_time] =
        first_seen_.try_emplace(run.id, FirstSeen{record.line, runs_.size()});
    if (first_time) {
      runs_.push_back(std::move(run));
      return;
    }
    const std::string earlier = "line " + std::to_string(seen->second.line);
    if (runs_[seen->second.index] == run) {
      if (keep_duplicates_)
        runs_.push_back(std::move(run));
      duplicates_.push_back({{file_, record.line, "", ""},
                             "repeats " + earlier + " (run " + run.id + "); read once"});
    } else {
      report({"id", "id '" + run.id + "' is also the id of " + earlier + ", a different run"},
             record);
    }
  }

  const std::string& file_;
  const ColumnMapping& mapping_;
  const bool keep_duplicates_;
  std::vector<Run> runs_;
  std::vector<Diagnostic> duplicates_;
  std::vector<Diagnostic> problems_;
  std::map<std::string, FirstSeen> first_seen_;
};

bool needs_quotes(std::string_view cell) {
  return cell.find_first_of(",\"\r\n") != std::string_view::npos;
}

std::string csv_cell(std::string_view text) {
  if (!needs_quotes(text))
    return std::string(text);
  std::string cell = "\"";
  for (const char c : text) {
    cell += c;
    if (c == '"')
      cell += '"';
  }
  return cell + '"';
}

void append_csv_row(std::string& text, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0)
      text += ',';
    text += csv_cell(cells[i]);
  }
  text += '\n';
}

std::string format_runs_csv(const std::vector<Run>& runs) {
  const std::vector<std::string>& fields = canonical_fields();
  std::string text;
  append_csv_row(text, fields);
  for (const Run& run : runs) {
    const FieldTexts texts = format_fields(run);
    std::vector<std::string> cells;
    for (const std::string& field : fields) {
      const auto found = texts.find(field);
      cells.push_back(found != texts.end() ? found->second : std::string());
    }
    append_csv_row(text, cells);
  }
  return text;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(Diagnostic{{file.string(), 0, "", ""},
                                std::string("cannot open: ") + std::strerror(errno)});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw InputError(Diagnostic{{file.string(), 0, "", ""}, "cannot read the file"});
  return text.str();
}

std::runtime_error write_error(const std::filesystem::path& file, const std::string& reason) {
  return std::runtime_error("cannot write " + file.string() + ": " + reason);
}

// Best effort: the write has already failed, and that is the error to report.
void discard(const std::filesystem::path& temporary) {
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
}

}  // namespace

TableFormat format_for(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".csv")
    return TableFormat::kCsv;
  if (extension == ".json")
    return TableFormat::kJson;
  throw InputError(Diagnostic{{file.string(), 0, "", ""},
                              "unknown file type '" + extension + "': expected .csv or .json"});
}

ReadResult read_runs(const std::filesystem::path& file, const ReadOptions& options) {
  const TableFormat format = format_for(file);
  return read_runs(read_file(file), format, file.string(), options);
}

ReadResult read_runs(std::string_view text, TableFormat format, const std::string& display_name,
                     const ReadOptions& options) {
  SourceTable source = format == TableFormat::kCsv
                           ? read_csv_records(text, display_name, options.mapping)
                           : read_json_records(text, display_name, options.mapping);
  RunCollector collector(display_name, options.mapping, options.keep_duplicates);
  collector.add_problems(std::move(source.problems));
  for (const SourceRecord& record : source.records)
    collector.add(record);
  return std::move(collector).result();
}

std::string format_runs(const std::vector<Run>& runs, TableFormat format) {
  return format == TableFormat::kCsv ? format_runs_csv(runs) : format_runs_json(runs);
}

void write_runs(const std::filesystem::path& file, const std::vector<Run>& runs) {
  const std::string text = format_runs(runs, format_for(file));
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      throw write_error(
          file, std::string("cannot create ") + temporary.string() + ": " + std::strerror(errno));
    out << text;
    out.close();
    if (!out) {
      discard(temporary);
      throw write_error(file, "writing " + temporary.string() + " failed");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) {
    discard(temporary);
    throw write_error(file, error.message());
  }
}

}  // namespace moescope

#include "moescope/io/run_table.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "io/run_json.h"
#include "moescope/io/atomic_file.h"
#include "moescope/io/csv_reader.h"
#include "moescope/run/best_of.h"
#include "moescope/run/derive.h"
#include "moescope/run/run_identity.h"
#include "run/run_fields.h"

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

// Where each field's column sits in the header. A mapped column that is missing is an error (the
// user named it), a canonical one that is missing just leaves the field absent. Every other column
// must be one the reader takes (is_known_column): a column dropped without a word is how a file's
// losses end up stored as runs without a loss.
std::map<std::string, std::size_t> locate_columns(const CsvRecord& header,
                                                  const ColumnMapping& mapping,
                                                  const ColumnUse& use, const std::string& file) {
  std::map<std::string, std::size_t> index_of_field;
  std::vector<Diagnostic> problems;
  const auto has_column = [&](const std::string& column) {
    return std::find(header.fields.begin(), header.fields.end(), column) != header.fields.end();
  };
  const auto missing = [&](const std::string& column, const std::string& why,
                           const std::string& field) {
    problems.push_back(
        {{file, header.line, field, ""},
         "column '" + column + "' (" + why + ") not found; columns are: " + join(header.fields)});
  };
  for (const std::string& field : fields_read(mapping)) {
    if (mapping.is_ignored(field))
      continue;
    const std::string column = mapping.source_of(field).column;
    const auto found = std::find(header.fields.begin(), header.fields.end(), column);
    if (found != header.fields.end()) {
      index_of_field[field] = static_cast<std::size_t>(found - header.fields.begin());
    } else if (mapping.is_mapped(field)) {
      missing(column, "mapped to " + field, field);
    }
  }
  for (const std::string& column : mapping.left_out_columns()) {
    if (!has_column(column))
      missing(column, "left out by the mapping", "");
  }
  for (const std::string& column : use.filter_columns) {
    if (!has_column(column))
      missing(column, "read by the row rule", "");
  }
  for (const std::string& column : use.best_of_columns) {
    if (!has_column(column))
      missing(column, "named by --best-of", "");
  }
  if (!use.ignore_unknown) {
    std::vector<std::string> unknown;
    for (const std::string& column : header.fields) {
      if (!is_known_column(column, mapping, use))
        unknown.push_back(column);
    }
    if (!unknown.empty())
      problems.push_back({{file, header.line, "", ""}, unknown_columns_message(unknown)});
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
  return index_of_field;
}

SourceTable read_csv_records(std::string_view text, const std::string& file,
                             const ColumnMapping& mapping, const ColumnUse& use) {
  const CsvTable table = read_csv(text, file);
  const auto index_of_field = locate_columns(table.header, mapping, use, file);
  if (table.rows.empty()) {
    throw InputError(Diagnostic{{file, table.header.line, "", ""},
                                "no runs: the header is not followed by any row"});
  }
  std::map<std::string, std::size_t> index_of_cell;
  for (const std::string& column : use.filter_columns) {
    index_of_cell[column] = static_cast<std::size_t>(
        std::find(table.header.fields.begin(), table.header.fields.end(), column) -
        table.header.fields.begin());
  }
  SourceTable source;
  for (const CsvRecord& row : table.rows) {
    SourceRecord record{row.line, {}, {}};
    for (const auto& [field, index] : index_of_field) {
      if (!row.fields[index].empty())
        record.texts[field] = row.fields[index];
    }
    for (const auto& [column, index] : index_of_cell)
      record.cells[column] = row.fields[index];
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

// Whether any fit could use the run: every fitter needs a size, tokens or a budget.
bool gives_a_scaling_quantity(const Run& run) {
  return run.total_params || run.active_params || run.tokens || run.compute;
}

// Up to ten of the texts a column holds, for the message when no row matched a rule on it.
std::string some_values(const std::vector<SourceRecord>& records, const std::string& column) {
  std::set<std::string> values;
  for (const SourceRecord& record : records) {
    const auto cell = record.cells.find(column);
    if (cell != record.cells.end())
      values.insert(cell->second);
  }
  std::string listed;
  std::size_t shown = 0;
  for (const std::string& value : values) {
    if (shown++ == 10) {
      listed += ", ... (" + std::to_string(values.size()) + " in all)";
      break;
    }
    listed += (listed.empty() ? "'" : ", '") + value + "'";
  }
  return listed;
}

// Turns records into runs: parses, derives, picks the rows a rule matches, checks, reduces to
// the best of each group, and names each run. Collects every problem of every record.
class RunCollector {
 public:
  RunCollector(const std::string& file, const ReadOptions& options)
      : file_(file), mapping_(options.mapping), options_(options) {}

  void add(const SourceRecord& record) {
    ++rows_;
    ParsedRun parsed = parse_fields(record.texts, mapping_);
    Run& run = parsed.run;
    apply_file_loss_unit(run, record, parsed.problems);
    // A run that says where it came from (an export of ours) keeps that; one from a foreign
    // file came from this file.
    if (record.texts.count("provenance") == 0 && record.texts.count("origin") == 0) {
      run.origin = file_;
    }
    // Derivation on a run with unreadable fields would report the gaps again as derived values.
    if (parsed.problems.empty())
      derive_missing(run);
    if (options_.where && !rule_reads_a_problem(parsed.problems) &&
        !options_.where->matches(run, record.cells)) {
      return;  // not a row the user asked for: its problems are not theirs
    }
    ++rows_matched_;
    std::vector<FieldProblem> problems = std::move(parsed.problems);
    const bool readable = problems.empty();
    for (FieldProblem& problem : check_run(run))
      problems.push_back(std::move(problem));
    if (readable && !gives_a_scaling_quantity(run)) {
      problems.push_back({"",
                          "nothing to fit: the row gives no N, N_active, D or C, nor an "
                          "architecture they follow from (are its columns mapped?)"});
    }
    if (readable && !options_.best_of.empty() && !run.loss) {
      problems.push_back({"loss", "--best-of keeps the lowest loss, and this row has none"});
    }
    keep_root_causes(problems, run, record);
    for (const FieldProblem& problem : problems)
      report(problem, record);
    if (!problems.empty())
      return;
    runs_.push_back(std::move(run));
    lines_.push_back(record.line);
    assumed_unit_.push_back(record.texts.count("loss_unit") == 0 && !options_.loss_unit);
  }

  ReadResult result(const std::vector<SourceRecord>& records) && {
    if (problems_.empty() && options_.where && rows_matched_ == 0)
      problems_.push_back(nothing_matched(records));
    if (!problems_.empty()) {
      std::stable_sort(
          problems_.begin(), problems_.end(),
          [](const Diagnostic& a, const Diagnostic& b) { return a.where.line < b.where.line; });
      throw InputError(std::move(problems_));
    }
    if (!options_.best_of.empty())
      keep_best();
    name_runs();
    if (!problems_.empty())
      throw InputError(std::move(problems_));
    const auto assumed =
        static_cast<std::size_t>(std::count(assumed_unit_.begin(), assumed_unit_.end(), true));
    return ReadResult{std::move(runs_), std::move(duplicates_), rows_, rows_matched_, assumed};
  }

  void add_problems(std::vector<Diagnostic> problems) {
    for (Diagnostic& problem : problems)
      problems_.push_back(std::move(problem));
  }

 private:
  // The unit the user gave for the whole file fills in rows that do not say theirs, and refuses a
  // row that says another.
  void apply_file_loss_unit(Run& run, const SourceRecord& record,
                            std::vector<FieldProblem>& problems) const {
    if (!options_.loss_unit)
      return;
    if (record.texts.count("loss_unit") == 0) {
      run.loss_unit = *options_.loss_unit;
    } else if (run.loss_unit != *options_.loss_unit &&
               std::none_of(problems.begin(), problems.end(), [](const FieldProblem& problem) {
                 return problem.field == "loss_unit";
               })) {
      problems.push_back({"loss_unit", "the row says " + std::string(to_string(run.loss_unit)) +
                                           ", and the file's loss unit was given as " +
                                           std::string(to_string(*options_.loss_unit)) +
                                           " (--loss-unit): one file, one unit"});
    }
  }

  bool rule_reads_a_problem(const std::vector<FieldProblem>& problems) const {
    return std::any_of(problems.begin(), problems.end(), [&](const FieldProblem& problem) {
      return options_.where->reads(problem.field);
    });
  }

  Diagnostic nothing_matched(const std::vector<SourceRecord>& records) const {
    std::string message = "no row matches the rule '" + options_.where->text() + "'";
    const std::vector<std::string> columns = options_.where->columns();
    for (const std::string& name : options_.where->compared_as_text()) {
      if (std::find(columns.begin(), columns.end(), name) != columns.end())
        message += "; column " + name + " holds " + some_values(records, name);
    }
    return {{file_, 0, "", ""}, std::move(message)};
  }

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

  void keep_best() {
    std::vector<Run> best;
    std::vector<int> lines;
    std::vector<bool> assumed;
    for (const BestOfGroup& group : best_of_groups(runs_, options_.best_of)) {
      best.push_back(std::move(runs_[group.kept]));
      best.back().best_of = group.rows;
      lines.push_back(lines_[group.kept]);
      assumed.push_back(assumed_unit_[group.kept]);
    }
    runs_ = std::move(best);
    lines_ = std::move(lines);
    assumed_unit_ = std::move(assumed);
  }

  // Every run gets an id: its own from the file, or its content's. Rows are never merged: the
  // second row with one content gets that content's next occurrence, and two rows that give one
  // id are an error.
  void name_runs() {
    std::map<std::string, int> first_line_of_id;
    std::map<std::string, std::pair<int, int>> seen_content;  // id -> (first line, occurrences)
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      Run& run = runs_[i];
      const int line = lines_[i];
      if (run.id.empty()) {
        const std::string content = content_identity(run);
        auto [seen, first_time] = seen_content.try_emplace(content, line, 0);
        run.id = content_identity(run, seen->second.second++);
        if (!first_time) {
          duplicates_.push_back({{file_, line, "", ""},
                                 "repeats line " + std::to_string(seen->second.first) +
                                     "; read as a run of its own (" + run.id + ")"});
        }
      }
      const auto [earlier, first_time] = first_line_of_id.try_emplace(run.id, line);
      if (!first_time) {
        problems_.push_back({{file_, line, "id", mapping_.source_of("id").column},
                             "id '" + run.id + "' is also the id of line " +
                                 std::to_string(earlier->second) +
                                 "; every run needs an id of its own"});
      }
    }
  }

  const std::string& file_;
  const ColumnMapping& mapping_;
  const ReadOptions& options_;
  std::vector<Run> runs_;
  std::vector<int> lines_;          // of each run in runs_
  std::vector<bool> assumed_unit_;  // of each run in runs_: no unit given, the default taken
  std::vector<Diagnostic> duplicates_;
  std::vector<Diagnostic> problems_;
  std::size_t rows_ = 0;
  std::size_t rows_matched_ = 0;
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
  ColumnUse use;
  if (options.where)
    use.filter_columns = options.where->columns();
  if (!options.best_of.empty())
    use.best_of_columns = best_of_columns(options.best_of);
  use.ignore_unknown = options.ignore_unknown_columns;
  SourceTable source = format == TableFormat::kCsv
                           ? read_csv_records(text, display_name, options.mapping, use)
                           : read_json_records(text, display_name, options.mapping, use);
  RunCollector collector(display_name, options);
  collector.add_problems(std::move(source.problems));
  for (const SourceRecord& record : source.records)
    collector.add(record);
  return std::move(collector).result(source.records);
}

std::string format_runs(const std::vector<Run>& runs, TableFormat format) {
  return format == TableFormat::kCsv ? format_runs_csv(runs) : format_runs_json(runs);
}

void write_runs(const std::filesystem::path& file, const std::vector<Run>& runs) {
  const std::string text = format_runs(runs, format_for(file));
  try {
    write_file_atomically(file, text);
  } catch (const std::runtime_error& error) {
    throw write_error(file, error.what());
  }
}

}  // namespace moescope

// Fuzz target of the column mapping, ColumnMapping::parse() of column_mapping.h (`--map`).
//
// The input is the mapping text. Refusal is InputError. A mapping that parses is then queried
// for every field and used to read a small CSV file whose columns are those it names, so that
// fuzzed scales (1e308, -0, 1e-320) travel through the reader's scaling and checks.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/run_table.h"

namespace {

std::string csv_cell(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"')
      quoted += '"';
  }
  return quoted + "\"";
}

// One row: each mapped column with a plausible value of its field, the canonical N, D and loss
// where they are not mapped.
std::string csv_for(const moescope::ColumnMapping& mapping) {
  std::string header;
  std::string row;
  const auto add = [&](const std::string& column, const std::string& value) {
    if (!header.empty()) {
      header += ',';
      row += ',';
    }
    header += csv_cell(column);
    row += value;
  };
  const auto value_of = [](const std::string& field) -> std::string {
    if (field == "N")
      return "1e9";
    if (field == "N_active")
      return "2.5e8";
    if (field == "S")
      return "0.75";
    if (field == "D")
      return "2e10";
    if (field == "C")
      return "3e19";
    if (field == "loss")
      return "2.5";
    if (field == "lr")
      return "0.001";
    if (field == "warmup")
      return "0.01";
    if (field == "load_balance")
      return "0.01";
    if (field == "best_of")
      return "1";
    if (field == "name")
      return "r";
    return "";
  };
  std::set<std::string> columns;
  for (const auto& [field, source] : mapping.entries()) {
    if (source.column.empty() || !columns.insert(source.column).second)
      continue;
    add(source.column, value_of(field));
  }
  for (const std::string field : {"N", "D", "loss"}) {
    if (!mapping.is_mapped(field) && columns.insert(field).second)
      add(field, value_of(field));
  }
  return header + "\n" + row + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The lookups by name, on the whole input as a name.
  (void)moescope::canonical_field_name(text);
  (void)moescope::field_kind(text);
  if (text.size() <= 256)  // an edit distance: quadratic, and names are short
    (void)moescope::nearest_field(text);

  moescope::ColumnMapping mapping;
  try {
    mapping = moescope::ColumnMapping::parse(text);
  } catch (const moescope::InputError&) {
    return 0;
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "ColumnMapping::parse");
    return 0;
  }
  for (const std::string& field : moescope::canonical_fields()) {
    const moescope::ColumnMapping::Source source = mapping.source_of(field);
    if (mapping.is_ignored(field) && !source.column.empty())
      moescope::fuzz::finding("field " + field + " is ignored but has a source column");
    if (!mapping.is_mapped(field) && source.column != field)
      moescope::fuzz::finding("unmapped field " + field + " has source column " + source.column);
  }
  for (const auto& [field, source] : mapping.entries()) {
    if (!moescope::field_kind(field))
      moescope::fuzz::finding("the mapping holds a field that is no canonical field: " + field);
  }

  moescope::ReadOptions options;
  options.mapping = mapping;
  options.ignore_unknown_columns = true;
  try {
    (void)moescope::read_runs(csv_for(mapping), moescope::TableFormat::kCsv, "mapped.csv", options);
  } catch (const moescope::InputError&) {
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "read_runs with a fuzzed mapping");
  }
  return 0;
}

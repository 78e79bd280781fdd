#include "moescope/io/column_mapping.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>

#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
};

// The one list of fields: canonical_fields() (and so the export column order) and field_kind()
// both read it.
constexpr std::array<FieldSpec, 31> kFields{{
    {"id", FieldKind::kText},
    {"name", FieldKind::kText},
    {"provenance", FieldKind::kText},
    {"origin", FieldKind::kText},
    {"status", FieldKind::kText},
    {"d_model", FieldKind::kInteger},
    {"layers", FieldKind::kInteger},
    {"heads", FieldKind::kInteger},
    {"vocab", FieldKind::kInteger},
    {"context", FieldKind::kInteger},
    {"experts", FieldKind::kInteger},
    {"active", FieldKind::kInteger},
    {"granularity", FieldKind::kInteger},
    {"tied_embeddings", FieldKind::kBoolean},
    {"N", FieldKind::kReal},
    {"N_active", FieldKind::kReal},
    {"S", FieldKind::kReal},
    {"D", FieldKind::kReal},
    {"unique_tokens", FieldKind::kReal},
    {"C", FieldKind::kReal},
    {"loss", FieldKind::kReal},
    {"loss_unit", FieldKind::kText},
    {"tokenizer", FieldKind::kText},
    {"lr", FieldKind::kReal},
    {"warmup", FieldKind::kReal},
    {"load_balance", FieldKind::kReal},
    {"derived", FieldKind::kText},
    {"loss_curve", FieldKind::kList},
    {"downstream", FieldKind::kList},
    {"extras", FieldKind::kList},
    {"best_of", FieldKind::kInteger},
}};

// The paper's symbols, which users type more readily than the canonical names.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kAliases{{
    {"Na", "N_active"},
    {"E", "experts"},
    {"K", "active"},
    {"G", "granularity"},
    {"U", "unique_tokens"},
}};

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return text;
}

std::string valid_field_list() {
  std::string list;
  for (const FieldSpec& field : kFields) {
    if (!list.empty())
      list += ", ";
    list += field.name;
  }
  list += " (aliases:";
  for (const auto& [alias, canonical] : kAliases) {
    list.append(" ").append(alias).append("=").append(canonical);
  }
  return list + ")";
}

bool is_number_field(const std::string& field, const std::set<std::string>& extras) {
  const auto kind = field_kind(field);
  return kind == FieldKind::kReal || kind == FieldKind::kInteger || extras.count(field) > 0;
}

std::string listed(const std::set<std::string>& names) {
  std::string list;
  for (const std::string& name : names)
    list += (list.empty() ? "" : ", ") + name;
  return list;
}

// One FIELD=COLUMN[*SCALE] entry, or COLUMN= (a column left out), or the reason it is neither.
struct ParsedEntry {
  std::string field;
  ColumnMapping::Source source;
  std::string left_out_column;
  std::optional<Diagnostic> problem;
};

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Edits (insertions, deletions, substitutions) between two names, ignoring case.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The field, or allowed extra, `name` is likely a typo of: see nearest_field().
std::optional<std::string> nearest_name(std::string_view name,
                                        const std::set<std::string>& extras) {
  std::optional<std::string> nearest;
  // A third of the name's letters may be wrong: "Loss", "Nme", "los" are typos of a field;
  // "Model Size" or "x" is no field's typo, and suggesting one would mislead.
  std::size_t best = name.size() / 3 + 1;
  const auto consider = [&](std::string_view candidate, std::string_view field) {
    const std::size_t distance = edit_distance(name, candidate);
    if (distance < best) {
      best = distance;
      nearest = std::string(field);
    }
  };
  for (const FieldSpec& field : kFields)
    consider(field.name, field.name);
  for (const auto& [alias, canonical] : kAliases)
    consider(alias, canonical);
  for (const std::string& extra : extras)
    consider(extra, extra);
  return nearest;
}

ParsedEntry parse_entry(std::string_view entry, const std::set<std::string>& extras) {
  ParsedEntry parsed;
  const std::string quoted = "map entry '" + std::string(entry) + "': ";
  auto fail = [&](std::string message) {
    parsed.problem = Diagnostic{{"", 0, parsed.field, ""}, quoted + std::move(message)};
    return parsed;
  };
  const auto equals = entry.find('=');
  if (equals == std::string_view::npos)
    return fail("expected FIELD=COLUMN, with no '=' found");
  const std::string_view name = trim(entry.substr(0, equals));
  std::string_view column = trim(entry.substr(equals + 1));
  std::optional<std::string> field = canonical_field_name(name);
  if (!field && extras.count(std::string(name)) > 0)
    field = std::string(name);  // an extra the caller allowed: read as a number field
  if (!field && column.empty() && !name.empty()) {
    parsed.left_out_column = std::string(name);
    return parsed;
  }
  if (!field) {
    const auto typo = nearest_name(name, extras);
    return fail("unknown field '" + std::string(name) + "'" +
                (typo ? " (a typo of " + *typo + "?)" : "") +
                "; valid fields: " + valid_field_list() +
                (extras.empty() ? "" : "; extras read here: " + listed(extras)) +
                " (NAME= with no column leaves out a column that is not a field)");
  }
  parsed.field = *field;
  // The last '*' starts the scale, so a column name may itself hold a '*' when a scale follows.
  if (column.empty())
    return parsed;  // FIELD= : the file has no such field, whatever its columns are called
  if (const auto star = column.rfind('*'); star != std::string_view::npos) {
    const std::string_view scale_text = trim(column.substr(star + 1));
    const auto scale = parse_number(scale_text);
    if (!scale || !std::isfinite(*scale) || *scale <= 0) {
      return fail("bad scale '" + std::string(scale_text) +
                  "': a scale is a positive number, as in D=tokens*1e9");
    }
    if (!is_number_field(parsed.field, extras)) {
      return fail(std::string("field ") + parsed.field + " is not a number and takes no scale");
    }
    parsed.source.scale = *scale;
    column = trim(column.substr(0, star));
  }
  if (column.empty())
    return fail("empty column name");
  parsed.source.column = std::string(column);
  return parsed;
}

}  // namespace

ColumnMapping ColumnMapping::parse(std::string_view spec,
                                   const std::vector<std::string>& extra_names) {
  ColumnMapping mapping;
  std::vector<Diagnostic> problems;
  for (const std::string& name : extra_names) {
    if (is_reserved_variable_name(name))
      continue;  // a field already, read as one
    if (const auto problem = extra_name_problem(name)) {
      problems.push_back({{"", 0, "", ""}, "extra field: " + *problem});
      continue;
    }
    mapping.extra_fields_.insert(name);
  }
  if (mapping.extra_fields_.size() > kMaxRunExtras) {
    problems.push_back({{"", 0, "", ""},
                        std::to_string(mapping.extra_fields_.size()) +
                            " extra fields asked for; a run holds at most " +
                            std::to_string(kMaxRunExtras)});
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
  while (true) {
    const auto comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    if (!entry.empty()) {
      ParsedEntry parsed = parse_entry(entry, mapping.extra_fields_);
      if (!parsed.problem && mapping.fields_.count(parsed.field) > 0) {
        parsed.problem = Diagnostic{
            {"", 0, parsed.field, ""},
            "map entry '" + std::string(entry) + "': field " + parsed.field + " is mapped twice"};
      }
      if (parsed.problem) {
        problems.push_back(std::move(*parsed.problem));
      } else if (!parsed.left_out_column.empty()) {
        mapping.left_out_columns_.insert(std::move(parsed.left_out_column));
      } else {
        mapping.fields_.emplace(std::move(parsed.field), std::move(parsed.source));
      }
    }
    if (comma == std::string_view::npos)
      break;
    spec.remove_prefix(comma + 1);
  }
  if (!problems.empty())
    throw InputError(std::move(problems));
  return mapping;
}

ColumnMapping::Source ColumnMapping::source_of(const std::string& field) const {
  const auto mapped = fields_.find(field);
  return mapped != fields_.end() ? mapped->second : Source{field, 1.0};
}

const std::vector<std::string>& canonical_fields() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const FieldSpec& field : kFields)
      list.emplace_back(field.name);
    return list;
  }();
  return names;
}

std::optional<std::string> canonical_field_name(std::string_view name) {
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias)
      return std::string(canonical);
  }
  if (field_kind(name))
    return std::string(name);
  return std::nullopt;
}

std::optional<std::string> nearest_field(std::string_view name) {
  return nearest_name(name, {});
}

std::optional<FieldKind> field_kind(std::string_view field) {
  for (const FieldSpec& spec : kFields) {
    if (spec.name == field)
      return spec.kind;
  }
  return std::nullopt;
}

}  // namespace moescope

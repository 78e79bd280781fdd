#include "moescope/column_mapping.h"

#include <array>
#include <cmath>
#include <utility>

#include "moescope/diagnostic.h"
#include "moescope/number_format.h"

namespace moescope {
namespace {

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
};

// The one list of fields: canonical_fields() (and so the export column order) and field_kind()
// both read it.
constexpr std::array<FieldSpec, 26> kFields{{
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
    {"C", FieldKind::kReal},
    {"loss", FieldKind::kReal},
    {"lr", FieldKind::kReal},
    {"warmup", FieldKind::kReal},
    {"load_balance", FieldKind::kReal},
    {"derived", FieldKind::kText},
    {"loss_curve", FieldKind::kList},
    {"downstream", FieldKind::kList},
}};

// The paper's symbols, which users type more readily than the canonical names.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kAliases{{
    {"Na", "N_active"},
    {"E", "experts"},
    {"K", "active"},
    {"G", "granularity"},
}};

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return text;
}

std::optional<std::string> canonical_name(std::string_view name) {
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias)
      return std::string(canonical);
  }
  if (field_kind(name))
    return std::string(name);
  return std::nullopt;
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

bool is_number_field(const std::string& field) {
  const auto kind = field_kind(field);
  return kind == FieldKind::kReal || kind == FieldKind::kInteger;
}

// One FIELD=COLUMN[*SCALE] entry, or the reason it is not one.
struct ParsedEntry {
  std::string field;
  ColumnMapping::Source source;
  std::optional<Diagnostic> problem;
};

ParsedEntry parse_entry(std::string_view entry) {
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
  const auto field = canonical_name(name);
  if (!field) {
    return fail("unknown field '" + std::string(name) + "'; valid fields: " + valid_field_list());
  }
  parsed.field = *field;
  std::string_view column = trim(entry.substr(equals + 1));
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
    if (!is_number_field(parsed.field)) {
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

ColumnMapping ColumnMapping::parse(std::string_view spec) {
  ColumnMapping mapping;
  std::vector<Diagnostic> problems;
  while (true) {
    const auto comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    if (!entry.empty()) {
      ParsedEntry parsed = parse_entry(entry);
      if (!parsed.problem && mapping.fields_.count(parsed.field) > 0) {
        parsed.problem = Diagnostic{
            {"", 0, parsed.field, ""},
            "map entry '" + std::string(entry) + "': field " + parsed.field + " is mapped twice"};
      }
      if (parsed.problem) {
        problems.push_back(std::move(*parsed.problem));
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

std::optional<FieldKind> field_kind(std::string_view field) {
  for (const FieldSpec& spec : kFields) {
    if (spec.name == field)
      return spec.kind;
  }
  return std::nullopt;
}

}  // namespace moescope

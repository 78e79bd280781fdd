#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// Which column of a source file holds which field of a run, with an optional scale for values
// given in other units: "N=Model Size,D=tokens*1e9,loss=loss". Fields not mapped are looked for
// under their canonical names (see canonical_fields()).
class ColumnMapping {
 public:
  struct Source {
    std::string column;
    double scale = 1.0;
    bool operator==(const Source&) const = default;
  };

  // Entries are FIELD=COLUMN or FIELD=COLUMN*SCALE, separated by ','; blanks around names are
  // ignored, and so is an empty entry (a trailing comma). FIELD is a canonical name or one of the
  // aliases Na (N_active), E (experts), K (active), G (granularity), U (unique_tokens); the
  // canonical name is stored.
  // The scale, the text after the last '*', multiplies every value of a number field. FIELD=
  // (no column) says the file does not have that field, so a foreign column that happens to bear
  // a canonical name ("warmup" holding "long") is ignored. NAME= for a NAME that is no field
  // leaves out the column NAME: a reader refuses columns that map to no field unless they are
  // left out (see ReadOptions). Throws InputError listing every offending entry (unknown field
  // with a column, naming the field or extra it is likely a typo of; missing '='; empty column;
  // bad scale or a scale on a field that is not a number; a field mapped twice).
  //
  // `extra_names` are the names of extra numbers a caller reads besides the fields (the
  // variables of a user-defined law, run_variables.h): each is then a FIELD of its own, a number
  // (a scale allowed), mapped like any field or, where not mapped, read from a column of its own
  // name if the source has one; a reader keeps its values in Run::extras. A name in it that is a
  // field, an alias or a run variable (N, loss, U, L, ...) is a field already and adds nothing.
  // Throws InputError, too, for a name that is no extra's (extra_name_problem()) and for more
  // than kMaxRunExtras names.
  static ColumnMapping parse(std::string_view spec,
                             const std::vector<std::string>& extra_names = {});

  // The source column of `field`: the mapped one, else the canonical name itself.
  Source source_of(const std::string& field) const;
  bool is_mapped(const std::string& field) const { return fields_.count(field) > 0; }
  // Mapped to no column (FIELD=): the source has no such field.
  bool is_ignored(const std::string& field) const {
    const auto found = fields_.find(field);
    return found != fields_.end() && found->second.column.empty();
  }
  const std::map<std::string, Source>& entries() const { return fields_; }
  // Columns left out by NAME= entries whose NAME is no field.
  const std::set<std::string>& left_out_columns() const { return left_out_columns_; }
  // The extra names parse() was given that read as extras (not fields), sorted.
  const std::set<std::string>& extra_fields() const { return extra_fields_; }
  bool is_extra(const std::string& name) const { return extra_fields_.count(name) > 0; }

 private:
  std::map<std::string, Source> fields_;
  std::set<std::string> left_out_columns_;
  std::set<std::string> extra_fields_;
};

// Canonical field names, in export column order:
// id, name, provenance, origin, status, d_model, layers, heads, vocab, context, experts, active,
// granularity, tied_embeddings, N, N_active, S, D, unique_tokens, C, loss, loss_unit, tokenizer,
// lr, warmup, load_balance, derived, loss_curve, downstream, extras, best_of.
// extras holds a run's extras (Run::extras) as one JSON object {"name":value,...}, so that a run
// read with extras survives export and import without the reader being told their names.
const std::vector<std::string>& canonical_fields();

// The canonical name of a field name or alias (Na, E, K, G, U); nullopt for any other name.
std::optional<std::string> canonical_field_name(std::string_view name);

// The field a column name is likely a typo of, ignoring case ("Loss" -> loss, "Nme" -> name), or
// nullopt when no field is within a third of the name's letters (rounded down) of it.
std::optional<std::string> nearest_field(std::string_view name);

// What a field's values are; lists are compact JSON (see run_table.h): arrays, and for extras an
// object.
enum class FieldKind { kText, kReal, kInteger, kBoolean, kList };

// The kind of a canonical field; nullopt for any other name.
std::optional<FieldKind> field_kind(std::string_view field);

}  // namespace moescope

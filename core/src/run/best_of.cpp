#include "moescope/run/best_of.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/number_format.h"
#include "moescope/run/run_filter.h"

namespace moescope {
namespace {

constexpr std::array<std::string_view, 9> kIdentifyingFields{
    "N", "N_active", "S", "D", "unique_tokens", "C", "lr", "warmup", "load_balance"};

InputError best_of_error(const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.where.field = "--best-of";
  diagnostic.message = message;
  return InputError(std::move(diagnostic));
}

// The text of every identifying field not swept over, which equal runs of a group share.
std::string group_key(const Run& run, const std::vector<std::string>& swept) {
  std::string key;
  if (run.architecture) {
    const Architecture& a = *run.architecture;
    for (const int value : {a.d_model, a.n_layers, a.n_heads, a.vocab, a.context, a.experts,
                            a.active, a.granularity, a.tied_embeddings ? 1 : 0})
      key += std::to_string(value) + ',';
  }
  key += '|';
  for (const std::string_view field : kIdentifyingFields) {
    if (std::find(swept.begin(), swept.end(), field) != swept.end())
      continue;
    const std::optional<double> value = run_number_field(run, field);
    key += (value ? format_number(*value) : std::string("-")) + ',';
  }
  return key;
}

bool is_identifying(std::string_view field) {
  return std::find(kIdentifyingFields.begin(), kIdentifyingFields.end(), field) !=
         kIdentifyingFields.end();
}

std::string identifying_list() {
  std::string list;
  for (const std::string_view field : kIdentifyingFields)
    list += (list.empty() ? "" : ", ") + std::string(field);
  return list;
}

}  // namespace

std::vector<std::string> best_of_columns(const std::vector<std::string>& over) {
  if (over.empty())
    throw best_of_error("name the fields or columns swept over, e.g. lr,seed");
  std::vector<std::string> columns;
  for (const std::string& name : over) {
    const auto field = canonical_field_name(name);
    if (!field) {
      columns.push_back(name);
    } else if (!is_identifying(*field)) {
      throw best_of_error("'" + name + "' identifies no configuration; --best-of takes " +
                          identifying_list() + ", or columns of a file that are no field");
    }
  }
  return columns;
}

std::vector<BestOfGroup> best_of_groups(const std::vector<Run>& runs,
                                        const std::vector<std::string>& over) {
  best_of_columns(over);  // checks the names
  std::vector<std::string> swept;
  for (const std::string& name : over) {
    if (const auto field = canonical_field_name(name))
      swept.push_back(*field);
  }
  std::map<std::string, std::size_t> group_of_key;
  std::vector<BestOfGroup> groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    if (!run.loss) {
      throw best_of_error("run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")") +
                          " has no loss to compare");
    }
    const auto [entry, is_new] = group_of_key.try_emplace(group_key(run, swept), groups.size());
    if (is_new) {
      groups.push_back({i, run.best_of});
      continue;
    }
    BestOfGroup& group = groups[entry->second];
    group.rows += run.best_of;
    if (*run.loss < *runs[group.kept].loss)
      group.kept = i;
  }
  std::sort(groups.begin(), groups.end(),
            [](const BestOfGroup& x, const BestOfGroup& y) { return x.kept < y.kept; });
  return groups;
}

std::vector<Run> keep_best_of(const std::vector<Run>& runs, const std::vector<std::string>& over) {
  std::vector<Run> best;
  for (const BestOfGroup& group : best_of_groups(runs, over)) {
    best.push_back(runs[group.kept]);
    best.back().best_of = group.rows;
  }
  return best;
}

}  // namespace moescope

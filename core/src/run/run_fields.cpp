#include "run/run_fields.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "moescope/io/json_limits.h"
#include "moescope/io/number_format.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

using nlohmann::json;

// Architecture fields other than d_model, whose presence is what gives a run an architecture.
constexpr std::array<const char*, 8> kArchitectureDetails{
    "layers", "heads", "vocab", "context", "experts", "active", "granularity", "tied_embeddings"};

// Steps are counted in doubles on the way in; beyond 2^53 they would no longer be whole numbers.
constexpr double kMaxExactInteger = 9007199254740992.0;

std::string trim(std::string_view text) {
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && blank(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && blank(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return std::string(text);
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A cell quoted in a message; long ones (a loss curve) are cut, since the column is named anyway.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string quoted(1, '\'');
  quoted.append(text.substr(0, kMaxShown));
  return quoted.append(text.size() > kMaxShown ? "...'" : "'");
}

bool is_whole(double value) {
  return std::isfinite(value) && value == std::floor(value);
}

// Reads the fields of one record, collecting a problem for each field that cannot be read
// instead of stopping at the first, so a user fixes a row in one pass.
class FieldParser {
 public:
  FieldParser(const FieldTexts& texts, const ColumnMapping& mapping)
      : texts_(texts), mapping_(mapping) {}

  ParsedRun parse() && {
    Run run;
    run.id = verbatim("id");
    run.name = verbatim("name");
    run.origin = verbatim("origin");
    if (auto value = named("provenance", parse_provenance, "imported, local or remote")) {
      run.provenance = *value;
    }
    if (auto value = named("status", parse_run_status, "planned, running, done or failed")) {
      run.status = *value;
    }
    run.architecture = architecture();
    run.total_params = real("N");
    run.active_params = real("N_active");
    run.sparsity = real("S");
    run.tokens = real("D");
    run.unique_tokens = real("unique_tokens");
    run.compute = real("C");
    run.loss = real("loss");
    if (auto value = named("loss_unit", parse_loss_unit, loss_unit_names()))
      run.loss_unit = *value;
    run.tokenizer = verbatim("tokenizer");
    run.hyper.learning_rate = real("lr");
    run.hyper.warmup_fraction = real("warmup");
    run.hyper.load_balance = real("load_balance");
    if (auto value = named("derived", parse_quantity_set,
                           "names from N, N_active, S, D, C separated by ';'")) {
      run.derived = *value;
    }
    run.loss_curve = loss_curve();
    run.downstream = downstream();
    run.extras = extras();
    if (auto rows = positive_integer("best_of"))
      run.best_of = *rows;
    return ParsedRun{std::move(run), std::move(problems_)};
  }

 private:
  const std::string* text(const std::string& field) const {
    const auto found = texts_.find(field);
    return found != texts_.end() ? &found->second : nullptr;
  }

  void problem(const std::string& field, std::string message) {
    problems_.push_back({field, std::move(message)});
  }

  // Names, ids and origins are kept exactly as written: they are labels, and must round-trip.
  std::string verbatim(const std::string& field) const {
    const std::string* value = text(field);
    return value ? *value : std::string();
  }

  template <typename Value>
  std::optional<Value> named(const std::string& field,
                             std::optional<Value> (*parser)(std::string_view),
                             const char* expected) {
    const std::string* value = text(field);
    if (!value)
      return std::nullopt;
    auto parsed = parser(trim(*value));
    if (!parsed)
      problem(field, "unknown " + field + " " + excerpt(*value) + "; expected " + expected);
    return parsed;
  }

  std::optional<double> real(const std::string& field) {
    const std::string* value = text(field);
    if (!value)
      return std::nullopt;
    const auto number = parse_number(*value);
    if (!number) {
      problem(field, "not a number: " + excerpt(*value));
      return std::nullopt;
    }
    if (!std::isfinite(*number)) {
      problem(field, "not a finite number: " + excerpt(*value));
      return std::nullopt;
    }
    // -0 prints as "-0" and would hash to another run than 0; they are one value.
    const double scaled = *number * mapping_.source_of(field).scale;
    return scaled == 0 ? 0.0 : scaled;
  }

  std::optional<int> positive_integer(const std::string& field) {
    const auto number = real(field);
    if (!number)
      return std::nullopt;
    if (!is_whole(*number) || *number <= 0 || *number > INT_MAX) {
      problem(field, "must be a positive whole number, got " + format_number(*number));
      return std::nullopt;
    }
    return static_cast<int>(*number);
  }

  std::optional<bool> boolean(const std::string& field) {
    const std::string* value = text(field);
    if (!value)
      return std::nullopt;
    const std::string word = lowercase(trim(*value));
    if (word == "true" || word == "1")
      return true;
    if (word == "false" || word == "0")
      return false;
    problem(field, "expected true, false, 1 or 0, got " + excerpt(*value));
    return std::nullopt;
  }

  // A run has an architecture exactly when d_model is given; the other fields without it would
  // be silently dropped, and experts and active dropped would make an MoE run read as dense.
  std::optional<Architecture> architecture() {
    if (!text("d_model")) {
      reject_architecture_without_d_model();
      return std::nullopt;
    }
    Architecture arch;
    bool complete = true;
    const auto read = [&](const char* field, int& slot, bool required) {
      if (!text(field)) {
        if (required) {
          problem(field, std::string("missing: an architecture (a run with d_model) needs ") +
                             "layers, heads, experts and active");
          complete = false;
        }
        return;
      }
      const auto value = positive_integer(field);
      if (value)
        slot = *value;
      complete = complete && value.has_value();
    };
    read("d_model", arch.d_model, true);
    read("layers", arch.n_layers, true);
    read("heads", arch.n_heads, true);
    read("vocab", arch.vocab, false);
    read("context", arch.context, false);
    read("experts", arch.experts, true);
    read("active", arch.active, true);
    read("granularity", arch.granularity, false);
    if (text("tied_embeddings")) {
      const auto tied = boolean("tied_embeddings");
      if (tied)
        arch.tied_embeddings = *tied;
      complete = complete && tied.has_value();
    }
    return complete ? std::optional<Architecture>(arch) : std::nullopt;
  }

  void reject_architecture_without_d_model() {
    for (const char* field : kArchitectureDetails) {
      if (text(field)) {
        problem(field, std::string("given without d_model: an architecture needs d_model, ") +
                           "layers, heads, experts and active");
        return;
      }
    }
  }

  std::optional<json> json_list(const std::string& field, const char* shape) {
    const std::string* value = text(field);
    if (!value)
      return std::nullopt;
    // Checked before parsing: a value nested ~100,000 deep overflowed the stack when a message
    // quoted one of its points (json_limits.h).
    if (const std::optional<std::size_t> at = json_too_deep_at(*value)) {
      problem(field, "malformed " + field + ": arrays and objects nested more than " +
                         std::to_string(kMaxJsonDepth) + " deep (MoEScope's limit) at character " +
                         std::to_string(*at + 1) + " of the value; expected JSON " + shape);
      return std::nullopt;
    }
    json list = json::parse(*value, nullptr, /*allow_exceptions=*/false);
    if (list.is_discarded() || !list.is_array()) {
      problem(field,
              "malformed " + field + ": expected JSON " + shape + ", got " + excerpt(*value));
      return std::nullopt;
    }
    return list;
  }

  std::vector<LossPoint> loss_curve() {
    const char* shape = "[[step,tokens,loss],...]";
    const auto list = json_list("loss_curve", shape);
    if (!list)
      return {};
    std::vector<LossPoint> curve;
    for (const json& point : *list) {
      const bool numbers = point.is_array() && point.size() == 3 &&
                           std::all_of(point.begin(), point.end(),
                                       [](const json& value) { return value.is_number(); });
      if (!numbers || !is_whole(point[0].get<double>()) ||
          std::abs(point[0].get<double>()) > kMaxExactInteger) {
        problem("loss_curve",
                std::string("each point is [step,tokens,loss] with a whole step, got ") +
                    excerpt(point.dump()));
        return {};
      }
      curve.push_back({static_cast<std::int64_t>(point[0].get<double>()), point[1].get<double>(),
                       point[2].get<double>()});
    }
    return curve;
  }

  std::vector<TaskMetric> downstream() {
    const char* shape = R"([{"task":..,"kind":..,"value":..},...])";
    const auto list = json_list("downstream", shape);
    if (!list)
      return {};
    std::vector<TaskMetric> metrics;
    for (const json& entry : *list) {
      const bool well_formed = entry.is_object() && entry.size() == 3 && entry.contains("task") &&
                               entry["task"].is_string() && entry.contains("kind") &&
                               entry["kind"].is_string() && entry.contains("value") &&
                               entry["value"].is_number();
      if (!well_formed) {
        problem("downstream",
                std::string("each metric is exactly ") + shape + ", got " + excerpt(entry.dump()));
        return {};
      }
      const auto kind = parse_metric_kind(entry["kind"].get<std::string>());
      if (!kind) {
        problem("downstream", "unknown metric kind " + excerpt(entry["kind"].get<std::string>()) +
                                  "; expected accuracy, error, loss or other");
        return {};
      }
      metrics.push_back({entry["task"].get<std::string>(), *kind, entry["value"].get<double>()});
    }
    return metrics;
  }

  // The extras object of an export ({"name":value,...}) and the extras the mapping reads from
  // columns of their own, in one list sorted by name; a name given by both is a problem.
  std::vector<std::pair<std::string, double>> extras() {
    std::vector<std::pair<std::string, double>> list = extras_object();
    for (const std::string& name : mapping_.extra_fields()) {
      const std::optional<double> value = real(name);
      if (!value)
        continue;
      if (std::any_of(list.begin(), list.end(),
                      [&](const auto& extra) { return extra.first == name; })) {
        problem(name, "extra " + name + " is given twice: in its column and in extras");
        continue;
      }
      list.emplace_back(name, *value);
    }
    std::sort(list.begin(), list.end());
    if (list.size() > kMaxRunExtras) {
      problem("extras", std::to_string(list.size()) + " extras; a run holds at most " +
                            std::to_string(kMaxRunExtras));
      return {};
    }
    return list;
  }

  std::vector<std::pair<std::string, double>> extras_object() {
    const std::string* value = text("extras");
    if (!value)
      return {};
    const char* shape = R"({"name":number,...})";
    if (const std::optional<std::size_t> at = json_too_deep_at(*value)) {
      problem("extras", "malformed extras: nested more than " + std::to_string(kMaxJsonDepth) +
                            " deep (MoEScope's limit) at character " + std::to_string(*at + 1) +
                            "; expected JSON " + shape);
      return {};
    }
    // nlohmann keeps the last of a repeated key without a word; an extra given twice has no one
    // value.
    std::set<std::string> keys;
    std::string repeated;
    const json::parser_callback_t note_keys = [&](int depth, json::parse_event_t event,
                                                  json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() &&
          !keys.insert(parsed.get<std::string>()).second && repeated.empty()) {
        repeated = parsed.get<std::string>();
      }
      return true;
    };
    const json object = json::parse(*value, note_keys, /*allow_exceptions=*/false);
    if (object.is_discarded() || !object.is_object()) {
      problem("extras", std::string("malformed extras: expected a JSON object ") + shape +
                            ", got " + excerpt(*value));
      return {};
    }
    if (!repeated.empty()) {
      problem("extras", "extra '" + repeated + "' is given twice in one extras object");
      return {};
    }
    if (object.size() > kMaxRunExtras) {
      problem("extras", std::to_string(object.size()) + " extras; a run holds at most " +
                            std::to_string(kMaxRunExtras));
      return {};
    }
    std::vector<std::pair<std::string, double>> list;
    for (const auto& [name, number] : object.items()) {
      if (const auto why = extra_name_problem(name)) {
        problem("extras", *why);
        continue;
      }
      if (!number.is_number() || !std::isfinite(number.get<double>())) {
        problem("extras",
                "extra " + name + " must be a finite number, got " + excerpt(number.dump()));
        continue;
      }
      const double finite = number.get<double>();
      list.emplace_back(name, finite == 0 ? 0.0 : finite);
    }
    return list;
  }

  const FieldTexts& texts_;
  const ColumnMapping& mapping_;
  std::vector<FieldProblem> problems_;
};

void put(FieldTexts& texts, const char* field, std::string text) {
  if (!text.empty())
    texts[field] = std::move(text);
}

std::string number_text(const std::optional<double>& value) {
  return value ? format_number(*value) : std::string();
}

void put_architecture(FieldTexts& texts, const Architecture& arch) {
  put(texts, "d_model", std::to_string(arch.d_model));
  put(texts, "layers", std::to_string(arch.n_layers));
  put(texts, "heads", std::to_string(arch.n_heads));
  put(texts, "vocab", std::to_string(arch.vocab));
  put(texts, "context", std::to_string(arch.context));
  put(texts, "experts", std::to_string(arch.experts));
  put(texts, "active", std::to_string(arch.active));
  put(texts, "granularity", std::to_string(arch.granularity));
  put(texts, "tied_embeddings", arch.tied_embeddings ? "true" : "false");
}

std::string loss_curve_text(const std::vector<LossPoint>& curve) {
  if (curve.empty())
    return {};
  json list = json::array();
  for (const LossPoint& point : curve)
    list.push_back({point.step, point.tokens, point.loss});
  return list.dump();
}

std::string downstream_text(const std::vector<TaskMetric>& metrics) {
  if (metrics.empty())
    return {};
  // ordered_json keeps the keys in the documented task, kind, value order.
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const TaskMetric& metric : metrics) {
    list.push_back({{"task", metric.task},
                    {"kind", std::string(to_string(metric.kind))},
                    {"value", metric.value}});
  }
  // Task names from a Latin-1 file are not UTF-8; see format_runs_json().
  return list.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string extras_text(const std::vector<std::pair<std::string, double>>& extras) {
  if (extras.empty())
    return {};
  // ordered_json keeps the run's order (sorted by name).
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, value] : extras)
    object[name] = value;
  return object.dump();
}

}  // namespace

std::vector<std::string> fields_read(const ColumnMapping& mapping) {
  std::vector<std::string> fields = canonical_fields();
  fields.insert(fields.end(), mapping.extra_fields().begin(), mapping.extra_fields().end());
  return fields;
}

bool is_known_column(const std::string& column, const ColumnMapping& mapping,
                     const ColumnUse& use) {
  if (field_kind(column) || mapping.is_extra(column) ||
      mapping.left_out_columns().count(column) > 0)
    return true;
  for (const auto& [field, source] : mapping.entries()) {
    if (source.column == column)
      return true;
  }
  const auto named = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), column) != names.end();
  };
  return named(use.filter_columns) || named(use.best_of_columns);
}

std::string unknown_columns_message(const std::vector<std::string>& unknown,
                                    std::string_view noun) {
  std::string list;
  for (const std::string& column : unknown) {
    list += (list.empty() ? "'" : ", '") + column + "'";
    if (const auto field = nearest_field(column))
      list += " (a typo of " + *field + "?)";
  }
  const bool one = unknown.size() == 1;
  const std::string& first = unknown.front();
  std::string upper_noun(noun);
  for (char& c : upper_noun)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::string(noun) + (one ? " that maps" : "s that map") + " to no field: " + list +
         ". Map each to a field (--map \"FIELD=" + upper_noun + ",...\"), leave it out (--map \"" +
         first + "=\"), or pass --ignore-unknown to read the known " + std::string(noun) + "s only";
}

ParsedRun parse_fields(const FieldTexts& texts, const ColumnMapping& mapping) {
  return FieldParser(texts, mapping).parse();
}

FieldTexts format_fields(const Run& run) {
  FieldTexts texts;
  put(texts, "id", run.id);
  put(texts, "name", run.name);
  put(texts, "provenance", std::string(to_string(run.provenance)));
  put(texts, "origin", run.origin);
  put(texts, "status", std::string(to_string(run.status)));
  if (run.architecture)
    put_architecture(texts, *run.architecture);
  put(texts, "N", number_text(run.total_params));
  put(texts, "N_active", number_text(run.active_params));
  put(texts, "S", number_text(run.sparsity));
  put(texts, "D", number_text(run.tokens));
  put(texts, "unique_tokens", number_text(run.unique_tokens));
  put(texts, "C", number_text(run.compute));
  put(texts, "loss", number_text(run.loss));
  // Always written, so that an export read back never depends on the reader's default unit.
  put(texts, "loss_unit", std::string(to_string(run.loss_unit)));
  put(texts, "tokenizer", run.tokenizer);
  put(texts, "lr", number_text(run.hyper.learning_rate));
  put(texts, "warmup", number_text(run.hyper.warmup_fraction));
  put(texts, "load_balance", number_text(run.hyper.load_balance));
  put(texts, "derived", format_quantity_set(run.derived));
  put(texts, "loss_curve", loss_curve_text(run.loss_curve));
  put(texts, "downstream", downstream_text(run.downstream));
  put(texts, "extras", extras_text(run.extras));
  put(texts, "best_of", run.best_of != 1 ? std::to_string(run.best_of) : std::string());
  return texts;
}

}  // namespace moescope

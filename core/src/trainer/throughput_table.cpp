#include "moescope/trainer/throughput_table.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "moescope/io/atomic_file.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/json_limits.h"
#include "moescope/io/number_format.h"
#include "moescope/model/accounting.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {
namespace {

using Json = nlohmann::json;

constexpr const char* kIntegerKeys[] = {"d_model", "layers",      "heads",   "experts",
                                        "active",  "granularity", "context", "micro_batch_size"};
constexpr const char* kNumberKeys[] = {"tokens_per_s", "flops_per_s", "mfu"};

int* integer_field(ThroughputRow& row, std::string_view key) {
  if (key == "d_model")
    return &row.d_model;
  if (key == "layers")
    return &row.layers;
  if (key == "heads")
    return &row.heads;
  if (key == "experts")
    return &row.experts;
  if (key == "active")
    return &row.active;
  if (key == "granularity")
    return &row.granularity;
  if (key == "context")
    return &row.context;
  return &row.micro_batch_size;
}

double* number_field(ThroughputRow& row, std::string_view key) {
  if (key == "tokens_per_s")
    return &row.tokens_per_s;
  if (key == "flops_per_s")
    return &row.flops_per_s;
  return &row.mfu;
}

bool is_iso_date(const std::string& text) {
  static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)");
  return std::regex_match(text, pattern);
}

// Collects problems as (key, message), so that one refusal names every one.
class Problems {
 public:
  void add(std::string key, std::string message) {
    problems_.emplace_back(std::move(key), std::move(message));
  }
  bool empty() const { return problems_.empty(); }
  std::vector<std::string> lines() const {
    std::vector<std::string> lines;
    for (const auto& [key, message] : problems_)
      lines.push_back(key + ": " + message);
    return lines;
  }
  [[noreturn]] void refuse(const std::string& source) const {
    std::vector<Diagnostic> diagnostics;
    for (const auto& [key, message] : problems_) {
      Diagnostic diagnostic;
      diagnostic.where.file = source;
      diagnostic.message = key + ": " + message;
      diagnostics.push_back(std::move(diagnostic));
    }
    throw InputError(std::move(diagnostics));
  }

 private:
  std::vector<std::pair<std::string, std::string>> problems_;
};

void check_row(const ThroughputRow& row, const std::string& where, Problems& problems) {
  auto at_least = [&](const char* key, int value, int low) {
    if (value < low)
      problems.add(where + "." + key,
                   "must be >= " + std::to_string(low) + ", got " + std::to_string(value));
  };
  at_least("d_model", row.d_model, 1);
  at_least("layers", row.layers, 1);
  at_least("heads", row.heads, 1);
  at_least("experts", row.experts, 1);
  at_least("active", row.active, 1);
  at_least("granularity", row.granularity, 1);
  at_least("context", row.context, 1);
  at_least("micro_batch_size", row.micro_batch_size, 1);
  if (row.active > row.experts)
    problems.add(where + ".active", "must be <= experts (" + std::to_string(row.experts) +
                                        "), got " + std::to_string(row.active));
  auto positive = [&](const char* key, double value) {
    if (!std::isfinite(value) || value <= 0)
      problems.add(where + "." + key, "must be a finite number > 0, got " + format_number(value));
  };
  positive("tokens_per_s", row.tokens_per_s);
  positive("flops_per_s", row.flops_per_s);
  if (!std::isfinite(row.mfu) || row.mfu < 0 || row.mfu > 1)
    problems.add(where + ".mfu", "must be in [0, 1], got " + format_number(row.mfu));
}

void check_table(const ThroughputTable& table, Problems& problems) {
  if (table.device.empty())
    problems.add("device", "must not be empty");
  if (!std::isfinite(table.peak_flops) || table.peak_flops <= 0)
    problems.add("peak_flops",
                 "must be a finite number > 0, got " + format_number(table.peak_flops));
  if (!is_iso_date(table.measured))
    problems.add("measured", "must be an ISO 8601 date (YYYY-MM-DD, optionally THH:MM:SSZ), got '" +
                                 table.measured + "'");
  if (table.rows.empty())
    problems.add("rows", "must hold at least one measured configuration");
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    check_row(table.rows[i], "rows[" + std::to_string(i) + "]", problems);
}

std::string type_name(const Json& value) {
  return value.type_name();
}

ThroughputRow read_row(const Json& value, const std::string& where, Problems& problems) {
  ThroughputRow row;
  if (!value.is_object()) {
    problems.add(where, std::string("must be an object, got ") + type_name(value));
    return row;
  }
  for (const auto& [key, item] : value.items()) {
    const bool known =
        std::find(std::begin(kIntegerKeys), std::end(kIntegerKeys), key) !=
            std::end(kIntegerKeys) ||
        std::find(std::begin(kNumberKeys), std::end(kNumberKeys), key) != std::end(kNumberKeys);
    if (!known)
      problems.add(where + "." + key, "unknown key");
  }
  for (const char* key : kIntegerKeys) {
    const auto item = value.find(key);
    if (item == value.end())
      problems.add(where + "." + key, "missing");
    else if (!item->is_number_integer() || *item < 1 || *item > (1 << 24))
      problems.add(where + "." + key,
                   "must be a whole number in [1, 16777216], got " + item->dump());
    else
      *integer_field(row, key) = item->get<int>();
  }
  for (const char* key : kNumberKeys) {
    const auto item = value.find(key);
    if (item == value.end())
      problems.add(where + "." + key, "missing");
    else if (!item->is_number())
      problems.add(where + "." + key, std::string("must be a number, got ") + type_name(*item));
    else
      *number_field(row, key) = item->get<double>();
  }
  return row;
}

// Log N_a of a row or run: the axis the estimator interpolates along.
double log_active(const Architecture& arch) {
  return std::log(count_parameters(arch).active);
}

std::string shape(const ThroughputRow& row) {
  return "d" + std::to_string(row.d_model) + " L" + std::to_string(row.layers) + " E" +
         std::to_string(row.experts) + " K" + std::to_string(row.active);
}

}  // namespace

Architecture ThroughputRow::architecture() const {
  Architecture arch;
  arch.d_model = d_model;
  arch.n_layers = layers;
  arch.n_heads = heads;
  arch.vocab = kByteVocabulary;
  arch.context = context;
  arch.experts = experts;
  arch.active = active;
  arch.granularity = granularity;
  arch.tied_embeddings = true;
  return arch;
}

ThroughputRow ThroughputRow::shape_of(const Architecture& arch, int micro_batch_size) {
  ThroughputRow row;
  row.d_model = arch.d_model;
  row.layers = arch.n_layers;
  row.heads = arch.n_heads;
  row.experts = arch.experts;
  row.active = arch.active;
  row.granularity = arch.granularity;
  row.context = arch.context;
  row.micro_batch_size = micro_batch_size;
  return row;
}

std::vector<std::string> ThroughputTable::validate() const {
  Problems problems;
  check_table(*this, problems);
  return problems.lines();
}

nlohmann::ordered_json to_json(const ThroughputTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const ThroughputRow& row : table.rows) {
    rows.push_back({{"d_model", row.d_model},
                    {"layers", row.layers},
                    {"heads", row.heads},
                    {"experts", row.experts},
                    {"active", row.active},
                    {"granularity", row.granularity},
                    {"context", row.context},
                    {"micro_batch_size", row.micro_batch_size},
                    {"tokens_per_s", row.tokens_per_s},
                    {"flops_per_s", row.flops_per_s},
                    {"mfu", row.mfu}});
  }
  return {{"format", kThroughputFormat}, {"version", kThroughputVersion},
          {"device", table.device},      {"peak_flops", table.peak_flops},
          {"measured", table.measured},  {"rows", rows}};
}

ThroughputTable parse_throughput_table(std::string_view json_text, const std::string& source) {
  Problems problems;
  std::optional<std::string> limit = json_depth_problem(json_text);
  if (!limit)
    limit = json_nul_problem(json_text);
  if (limit) {
    problems.add("file", *limit);
    problems.refuse(source);
  }
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const Json::exception& error) {
    problems.add("file", std::string("not valid JSON: ") + error.what());
    problems.refuse(source);
  }
  if (!json.is_object()) {
    problems.add("file", std::string("must be a JSON object, got ") + type_name(json));
    problems.refuse(source);
  }
  static const char* const kTopKeys[] = {"format",     "version",  "device",
                                         "peak_flops", "measured", "rows"};
  for (const auto& [key, item] : json.items()) {
    if (std::find(std::begin(kTopKeys), std::end(kTopKeys), key) == std::end(kTopKeys))
      problems.add(key, "unknown key");
  }
  ThroughputTable table;
  const auto format = json.find("format");
  if (format == json.end() || *format != kThroughputFormat) {
    problems.add("format", std::string("must be \"") + std::string(kThroughputFormat) + "\", got " +
                               (format == json.end() ? "nothing" : format->dump()));
    problems.refuse(source);  // not a throughput table: its other keys mean nothing
  }
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || *version != kThroughputVersion) {
    problems.add("version", "must be " + std::to_string(kThroughputVersion) + ", got " +
                                (version == json.end() ? "nothing" : version->dump()));
  }
  auto text = [&](const char* key, std::string& out) {
    const auto item = json.find(key);
    if (item == json.end())
      problems.add(key, "missing");
    else if (!item->is_string())
      problems.add(key, std::string("must be a string, got ") + type_name(*item));
    else
      out = item->get<std::string>();
  };
  text("device", table.device);
  text("measured", table.measured);
  const auto peak = json.find("peak_flops");
  if (peak == json.end())
    problems.add("peak_flops", "missing");
  else if (!peak->is_number())
    problems.add("peak_flops", std::string("must be a number, got ") + type_name(*peak));
  else
    table.peak_flops = peak->get<double>();
  const auto rows = json.find("rows");
  if (rows == json.end()) {
    problems.add("rows", "missing");
  } else if (!rows->is_array()) {
    problems.add("rows", std::string("must be an array, got ") + type_name(*rows));
  } else {
    for (std::size_t i = 0; i < rows->size(); ++i)
      table.rows.push_back(read_row((*rows)[i], "rows[" + std::to_string(i) + "]", problems));
  }
  if (problems.empty())
    check_table(table, problems);
  if (!problems.empty())
    problems.refuse(source);
  return table;
}

ThroughputTable read_throughput_table(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    Diagnostic diagnostic;
    diagnostic.where.file = file.string();
    diagnostic.message = "cannot be opened";
    throw InputError(std::move(diagnostic));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_throughput_table(text.str(), file.string());
}

void write_throughput_table(const std::filesystem::path& file, const ThroughputTable& table) {
  const std::vector<std::string> problems = table.validate();
  if (!problems.empty()) {
    std::string message = "invalid throughput table:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  if (file.has_parent_path())
    std::filesystem::create_directories(file.parent_path());
  write_file_atomically(file, to_json(table).dump(2) + "\n");
}

std::filesystem::path throughput_table_file(std::string_view host_name,
                                            const std::filesystem::path& hosts_file) {
  return hosts_file.parent_path() / "throughput" / (std::string(host_name) + ".json");
}

ThroughputEstimate estimate_throughput(const ThroughputTable& table, const Architecture& arch) {
  // The most alike rows that exist.
  std::vector<const ThroughputRow*> rows;
  std::string scope;
  auto select = [&](auto&& keep, std::string name) {
    if (!rows.empty())
      return;
    for (const ThroughputRow& row : table.rows) {
      if (keep(row))
        rows.push_back(&row);
    }
    scope = std::move(name);
  };
  const std::string context = "context " + std::to_string(arch.context);
  select(
      [&](const ThroughputRow& r) {
        return r.context == arch.context && r.experts == arch.experts;
      },
      context + ", E" + std::to_string(arch.experts));
  select([&](const ThroughputRow& r) { return r.context == arch.context; }, context);
  select([](const ThroughputRow&) { return true; }, "any context");
  if (rows.empty())
    throw std::invalid_argument("estimate_throughput: the throughput table has no rows");

  // log N_a -> mean log FLOP/s, and a row of each N_a to name.
  std::map<double, std::pair<double, int>> by_size;
  std::map<double, const ThroughputRow*> named;
  for (const ThroughputRow* row : rows) {
    const double x = log_active(row->architecture());
    auto& [sum, count] = by_size[x];
    sum += std::log(row->flops_per_s);
    ++count;
    named.emplace(x, row);
  }
  const double x = log_active(arch);
  auto mean = [&](auto it) { return it->second.first / it->second.second; };
  const auto above = by_size.lower_bound(x);
  if (above == by_size.begin() || above == by_size.end() || above->first == x) {
    const auto nearest = above == by_size.end() ? std::prev(above) : above;
    return {std::exp(mean(nearest)),
            "nearest measured: " + shape(*named.at(nearest->first)) + " (" + scope + ")"};
  }
  const auto below = std::prev(above);
  const double t = (x - below->first) / (above->first - below->first);
  return {std::exp(mean(below) + t * (mean(above) - mean(below))),
          "interpolated between " + shape(*named.at(below->first)) + " and " +
              shape(*named.at(above->first)) + " (" + scope + ")"};
}

}  // namespace moescope

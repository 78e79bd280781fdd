// Fuzz target of the run filter, RunFilter::parse() of run_filter.h: the hold-out rule, `runs
// delete --where` (Scope::kRunFields) and `import --where` (Scope::kFileColumns).
//
// The input is the rule text. Refusal is InputError. A rule that parses is matched against a
// few runs (full, bare, NaN-free extremes) and rows of file cells, and, at file scope, used to
// read a small CSV file holding the columns it names.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/run_table.h"
#include "moescope/run/run.h"
#include "moescope/run/run_filter.h"

namespace {

std::vector<moescope::Run> sample_runs() {
  moescope::Run full;
  full.id = "r0123456789abcdef";
  full.name = "full \"run\"";
  full.origin = "fuzz";
  full.total_params = 1e9;
  full.active_params = 2.5e8;
  full.sparsity = 0.75;
  full.tokens = 2e10;
  full.compute = 3e19;
  full.loss = 2.5;
  full.hyper.learning_rate = 1e-3;
  full.hyper.warmup_fraction = 0.01;
  full.hyper.load_balance = 0.01;
  full.best_of = 3;
  moescope::Architecture architecture;
  architecture.d_model = 512;
  architecture.n_layers = 8;
  architecture.n_heads = 8;
  architecture.experts = 8;
  architecture.active = 2;
  full.architecture = architecture;

  moescope::Run extreme = full;
  extreme.total_params = std::numeric_limits<double>::max();
  extreme.sparsity = 0.0;
  extreme.compute = std::numeric_limits<double>::denorm_min();
  extreme.loss = -0.0;

  return {full, extreme, moescope::Run{}};
}

std::string csv_cell(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"')
      quoted += '"';
  }
  return quoted + "\"";
}

void use(const moescope::RunFilter& filter, moescope::RunFilter::Scope scope) {
  const std::vector<moescope::Run> runs = sample_runs();
  (void)filter.matches(runs);
  for (const char* name : {"S", "C", "loss", "name", "label", "Model Size"})
    (void)filter.reads(name);
  (void)filter.compared_as_text();
  (void)filter.text();
  if (scope != moescope::RunFilter::Scope::kFileColumns)
    return;

  const std::vector<std::string> columns = filter.columns();
  for (const char* value : {"", "1e9", "-0", "x", "\"quoted\"", "nan", "1e400"}) {
    std::map<std::string, std::string> cells;
    for (const std::string& column : columns)
      cells[column] = value;
    for (const moescope::Run& run : runs)
      (void)filter.matches(run, cells);
  }

  // The reader's path: a file with the columns the rule names beside N, D and loss.
  std::string header = "N,D,loss";
  std::string row = "1e9,2e10,2.5";
  for (const std::string& column : columns) {
    if (column == "N" || column == "D" || column == "loss")
      continue;
    header += "," + csv_cell(column);
    row += ",1";
  }
  moescope::ReadOptions options;
  options.where = filter;
  try {
    (void)moescope::read_runs(header + "\n" + row + "\n", moescope::TableFormat::kCsv, "where.csv",
                              options);
  } catch (const moescope::InputError&) {
  } catch (const std::exception& error) {
    moescope::fuzz::undocumented(error, "read_runs with a fuzzed --where");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto scope :
       {moescope::RunFilter::Scope::kRunFields, moescope::RunFilter::Scope::kFileColumns}) {
    try {
      const moescope::RunFilter filter = moescope::RunFilter::parse(text, scope, "rule");
      use(filter, scope);
    } catch (const moescope::InputError&) {
    } catch (const std::exception& error) {
      moescope::fuzz::undocumented(error, "RunFilter::parse");
    }
  }
  return 0;
}

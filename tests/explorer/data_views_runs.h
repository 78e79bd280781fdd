#pragma once

// The runs the data views' tests (run_table_view_test, import_dialog_test) show, store and import.

#include <QByteArray>
#include <optional>
#include <string>
#include <vector>

#include "moescope/io/run_table.h"
#include "moescope/run/run.h"

namespace moescope::explorer::testing_support {

inline Run makeRun(const std::string& name, std::optional<double> total_params,
                   std::optional<double> sparsity = std::nullopt,
                   std::optional<double> compute = std::nullopt) {
  Run run;
  run.id = "r-" + name;
  run.name = name;
  run.origin = "fixture";
  run.total_params = total_params;
  run.sparsity = sparsity;
  run.compute = compute;
  return run;
}

// The runs of a CSV text as the core reads them: valid, derived, with content ids.
inline std::vector<Run> readCsv(const std::string& text) {
  return moescope::read_runs(text, moescope::TableFormat::kCsv, "fixture.csv").runs;
}

inline const QByteArray kGoodCsv =
    "name,N,N_active,D,loss\n"
    "small,2e8,2e8,4e9,3.1\n"
    "sparse,1e9,1.25e8,8e9,2.9\n"
    "large,3e10,3e10,6e11,2.2\n";

}  // namespace moescope::explorer::testing_support

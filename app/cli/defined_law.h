#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data_source.h"
#include "moescope/fit/law_validation.h"
#include "moescope/law/defined_law_fit.h"
#include "moescope/law/law_definition.h"
#include "moescope/law/law_rows.h"
#include "moescope/run/run.h"

// User-defined laws on the command line (issue 18): which law `--form NAME` or `--law-file
// LAW.json` names, `--fix NAME=VALUE`, the variables a law needs of the data, and `--at
// NAME=VALUE`, shared by `fit law`, `predict`, `optimum` and `fit compare`.
namespace moescope::cli {

// The compiled forms (law_fit.h), fitted by fit_law_to_runs: abnar, chinchilla.
bool is_compiled_form(const std::string& name);
// Every name --form takes: the compiled forms, then the built-in laws (builtin_law_names()).
std::vector<std::string> law_form_names();
// "abnar, chinchilla, clark, data-constrained, ...", for help texts.
std::string law_form_list();

// The law named by --form (a built-in law) or read from --law-file, with `fixes` ("NAME=VALUE",
// from --fix) applied. A law file may use, besides the run variables, an extra column: a name
// that --map maps (`mapping`, --map's text), or a name that is no near-miss of a run variable or
// of the law's own names (which is taken for a typo and named as one). Throws InputError: the
// file's problems located as "law.json:3:17" or "law.json: expression:1:14: ...", an unknown
// --fix name (listing the law's parameters), a --fix value that is no finite number.
law::LawDefinition load_defined_law(const std::string& form, const std::string& law_file,
                                    const std::vector<std::string>& fixes,
                                    const std::string& mapping);

// `law` with each "NAME=VALUE" of `fixes` made a fixed value (a free parameter) or given a new
// value (a fixed one); `variables` as the law was parsed with.
law::LawDefinition with_fixes(const law::LawDefinition& law, const std::vector<std::string>& fixes,
                              const std::vector<std::string>& variables);

// The law's variables that are no run variables: the extras a data source must read.
std::vector<std::string> law_extras(const law::LawDefinition& law);

// Throws InputError where no run has one of the law's variables: "the law uses U (unique
// tokens); runs.csv has no unique_tokens column: add one or --map U=COLUMN".
void require_law_variables(const law::LawDefinition& law, const std::vector<Run>& runs,
                           const std::string& source);

// Checks of --fix and --at at parse time (bad usage, exit 2): each entry NAME=VALUE with VALUE a
// finite number ("1e999", "nan" and "inf" refused).
CLI::Validator name_value_list();

// --at NAME=VALUE,... (repeatable): values given for variables of a law. Throws InputError for
// a malformed entry, a value that is no finite number, a name given twice.
std::vector<std::pair<std::string, double>> parse_at(const std::vector<std::string>& entries);

// The text and JSON of a defined law's validation (the compiled forms' format).
nlohmann::ordered_json validation_json(const LawValidation& validation);
void print_validation(const LawValidation& validation);

// `moescope fit law` for a defined law.
struct DefinedFitArguments {
  DataSource source;
  law::LawDefinition law;
  std::string holdout;
  law::DefinedLawFitOptions options;
  std::string validate;  // "", "budgets" or "forward"
  std::string save;
  bool json = false;
};
void run_defined_law_fit(DefinedFitArguments args);

}  // namespace moescope::cli

// Law files: reading, every validation rule with its location text, the compiled evaluator and
// its exact gradient, and the round trip through to_json.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "moescope/io/diagnostic.h"
#include "moescope/law/law_definition.h"

namespace moescope::law {
namespace {

using Json = nlohmann::ordered_json;

Json chinchilla_json() {
  return Json::parse(R"({
    "format": "moescope-law", "version": 1,
    "name": "chinchilla-user",
    "citation": "Hoffmann et al. 2022, Eq. 10",
    "expression": "E + A / N^alpha + B / D^beta",
    "parameters": {
      "A": {"init": [1, 148.4, 22026], "lower": 0, "upper": 1e12, "scale": "log"},
      "B": {"init": [1, 148.4], "scale": "log"},
      "alpha": {"init": [0, 0.5, 1], "lower": 0, "upper": 2},
      "beta": {"init": [0.5]}
    },
    "fixed": {"E": 1.69}
  })");
}

// The full text of the InputError `json` raises.
std::string problems_of(const Json& json) {
  try {
    parse_law_definition(json, "law.json", run_variables());
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "accepted: " << json.dump();
  return "";
}

void expect_problem(const Json& json, const std::string& expected) {
  const std::string text = problems_of(json);
  EXPECT_NE(text.find(expected), std::string::npos) << "expected '" << expected << "' in\n" << text;
}

TEST(LawFile, ReadsAndEvaluatesWithExactGradient) {
  const LawDefinition law = parse_law_definition(chinchilla_json(), "law.json", run_variables());
  EXPECT_EQ(law.name(), "chinchilla-user");
  EXPECT_EQ(law.variables(), (std::vector<std::string>{"N", "D"}));  // run_variables() order
  ASSERT_EQ(law.parameters().size(), 4u);
  EXPECT_EQ(law.parameters()[0].name, "A");
  EXPECT_FALSE(law.parameters()[0].lower.has_value());  // 0 on the log scale: no bound
  EXPECT_EQ(law.parameters()[2].upper, 2.0);
  EXPECT_EQ(law.start_count(), 18u);
  ASSERT_EQ(law.fixed().size(), 1u);
  EXPECT_EQ(law.objective().loss, ObjectiveLoss::kHuber);
  EXPECT_EQ(law.objective().delta, 1e-3);

  const double variables[] = {1e8, 2e10};
  const double values[] = {406.4, 410.7, 0.34, 0.28};
  const double expected = 1.69 + 406.4 / std::pow(1e8, 0.34) + 410.7 / std::pow(2e10, 0.28);
  EXPECT_NEAR(law.predict_loss(variables, values), expected, 1e-12);
  double gradient[4];
  EXPECT_NEAR(law.log_prediction(variables, values, gradient), std::log(expected), 1e-12);
  for (int k = 0; k < 4; ++k) {
    double up[4], down[4];
    std::copy(values, values + 4, up);
    std::copy(values, values + 4, down);
    const double h = 1e-6 * std::abs(values[k]);
    up[k] += h;
    down[k] -= h;
    const double fd = (law.log_prediction(variables, up, nullptr) -
                       law.log_prediction(variables, down, nullptr)) /
                      (2 * h);
    EXPECT_NEAR(gradient[k], fd, 1e-6 * std::max(1.0, std::abs(fd))) << k;
  }
}

TEST(LawFile, DefinitionsInFileOrderAndLogLoss) {
  Json json = Json::parse(R"json({
    "name": "data-constrained",
    "expression": "log(E0 + A / N^alpha + B / Dp^beta)",
    "predicts": "log_loss",
    "definitions": {"Rd": "15", "Dp": "U + U*Rd*(1-exp(-(D/U-1)/Rd))"},
    "parameters": {"A": {"init": [100]}, "B": {"init": [100]}, "alpha": {"init": [0.3]},
                   "beta": {"init": [0.3]}, "E0": {"init": [1.7]}},
    "objective": {"loss": "squared"},
    "fit_to": "budget_optima"
  })json");
  const LawDefinition law = parse_law_definition(json, "law.json", run_variables());
  EXPECT_EQ(law.variables(), (std::vector<std::string>{"N", "D", "U"}));
  EXPECT_EQ(law.predicts(), Predicts::kLogLoss);
  EXPECT_EQ(law.fit_to(), FitTo::kBudgetOptima);
  EXPECT_EQ(law.objective().loss, ObjectiveLoss::kSquared);
  const double variables[] = {1e8, 4e9, 1e9};  // N, D, U
  const double values[] = {400, 2000, 0.34, 0.28, 1.8};
  const double dp = 1e9 + 1e9 * 15 * (1 - std::exp(-(4.0 - 1) / 15));
  const double expected = 1.8 + 400 / std::pow(1e8, 0.34) + 2000 / std::pow(dp, 0.28);
  EXPECT_NEAR(law.predict_loss(variables, values), expected, 1e-12);
}

TEST(LawFile, RoundTripsThroughJson) {
  const LawDefinition law = parse_law_definition(chinchilla_json(), "law.json", run_variables());
  const Json written = to_json(law);
  const LawDefinition again = parse_law_definition(written, "again.json", run_variables());
  EXPECT_EQ(to_json(again), written);
  EXPECT_EQ(again.variables(), law.variables());
  const double variables[] = {3e8, 6e9};
  const double values[] = {406.4, 410.7, 0.34, 0.28};
  EXPECT_EQ(again.predict_loss(variables, values), law.predict_loss(variables, values));
}

TEST(LawFile, ReadsTheExampleFileAndRefusesBadText) {
  const auto example = std::filesystem::path(MOESCOPE_SOURCE_DIR) / "resources" / "laws" /
                       "examples" / "chinchilla-epoch.json";
  const LawDefinition law = read_law_file(example, run_variables());
  EXPECT_EQ(law.start_count(), 4500u);
  EXPECT_EQ(law.variables(), (std::vector<std::string>{"N", "D"}));

  const auto refused = [](const std::string& text) {
    try {
      parse_law_text(text, "law.json", run_variables());
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    ADD_FAILURE() << "accepted";
    return std::string();
  };
  EXPECT_NE(refused(std::string(100000, '[')).find("nested more than"), std::string::npos);
  EXPECT_NE(refused("{\"name\": 1,").find("not valid JSON"), std::string::npos);
  EXPECT_NE(refused(R"({"name": "a", "name": "b"})").find("key 'name' is given more than once"),
            std::string::npos);
  EXPECT_NE(refused(std::string("{\"name\"\0:1}", 11)).find("NUL"), std::string::npos);
  EXPECT_NE(refused(R"({"expression": "x", "parameters": {"x": {"init": [1e999]}}})")
                .find("not valid JSON"),
            std::string::npos);
}

TEST(LawFile, EachValidationErrorIsLocated) {
  Json json = chinchilla_json();
  json["parameters"]["alpha"]["init"] = Json::parse(R"([0, 0.5, "x"])");
  expect_problem(json, "law.json: parameters.alpha.init[2]: must be a finite number, got \"x\"");

  json = chinchilla_json();
  json["expresion"] = "x";
  expect_problem(json, "law.json: unknown key 'expresion' (did you mean 'expression'?)");

  json = chinchilla_json();
  json["parameters"]["A"]["uper"] = 1;
  expect_problem(json, "law.json: parameters.A: unknown key 'uper' (did you mean 'upper'?)");

  json = chinchilla_json();
  json["fixed"]["alpha"] = 0.3;
  expect_problem(json, "law.json: fixed.alpha: 'alpha' is both a parameter and fixed");

  json = chinchilla_json();
  json["parameters"]["2x"] = Json::parse(R"({"init": [1]})");
  expect_problem(json, "law.json: parameters.2x: '2x' is not a name");

  json = chinchilla_json();
  json["parameters"]["exp"] = Json::parse(R"({"init": [1]})");
  expect_problem(json, "law.json: parameters.exp: 'exp' is a function's name");

  json = chinchilla_json();
  json["parameters"]["beta"]["init"] = Json::array();
  expect_problem(json, "law.json: parameters.beta.init: must be a non-empty list of start values");

  json = chinchilla_json();
  json["parameters"]["alpha"]["init"] = Json::parse("[0.5, 3]");
  expect_problem(json,
                 "law.json: parameters.alpha.init[1]: start value 3 lies outside [lower, "
                 "upper]");

  json = chinchilla_json();
  json["definitions"] = Json::parse(R"({"Dp": "D", "Dp2": "Dp * 2"})");
  json["definitions"]["alpha"] = "1";
  expect_problem(json, "law.json: definitions.alpha: 'alpha' is already defined");

  json = chinchilla_json();
  json["parameters"]["A"]["lower"] = -1;
  expect_problem(json, "law.json: parameters.A.lower: must be positive (or 0, or absent)");

  json = chinchilla_json();
  json["parameters"]["B"]["init"] = Json::parse("[0, 1]");
  expect_problem(json, "law.json: parameters.B.init[0]: start value 0 must be positive");

  json = chinchilla_json();
  json["expression"] = "E + A / N^alpah + B / D^beta";
  expect_problem(json, "law.json: expression:1:11: unknown name 'alpah' (did you mean 'alpha'?)");

  json = chinchilla_json();
  json["expression"] = "E + A / N^alpha + B / D^beta + W";  // W: no variable of a run
  expect_problem(json, "law.json: expression:1:32: unknown name 'W'");

  json = chinchilla_json();
  json["expression"] = "E + A / N^alpha + B / D^0.3";
  expect_problem(json, "law.json: parameters.beta: the law does not depend on it");

  json = chinchilla_json();
  json["predicts"] = "losses";
  expect_problem(json, "law.json: predicts: must be one of \"loss\", \"log_loss\", got \"losses\"");

  json = chinchilla_json();
  json["format"] = "other";
  json["version"] = 2;
  const std::string both = problems_of(json);
  EXPECT_NE(both.find("law.json: format: must be \"moescope-law\""), std::string::npos) << both;
  EXPECT_NE(both.find("law.json: version: must be 1"), std::string::npos) << both;

  json = chinchilla_json();
  json["objective"] = Json::parse(R"({"loss": "squared", "delta": 0.1})");
  expect_problem(json, "law.json: objective.delta: applies to the Huber loss only");

  json = chinchilla_json();
  json.erase("name");
  expect_problem(json, "law.json: name: is missing or empty");

  json = chinchilla_json();
  for (const char* name : {"p1", "p2", "p3", "p4", "p5", "p6", "p7"})
    json["parameters"][name] = Json::parse(R"({"init": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})");
  expect_problem(json, "law.json: parameters: the init lists give more than 5000000 starts");

  // A definition that uses a later one, or a parse error inside a definition.
  json = chinchilla_json();
  json["definitions"] = Json::parse(R"({"Dp": "Dq * 2", "Dq": "D"})");
  expect_problem(json, "law.json: definitions.Dp:1:1: unknown name 'Dq'");
}

TEST(LawFile, CollectsEveryProblemAtOnce) {
  Json json = chinchilla_json();
  json["parameters"]["alpha"]["init"] = Json::parse(R"(["x"])");
  json["colour"] = "red";
  json["fit_to"] = "everything";
  try {
    parse_law_definition(json, "law.json", run_variables());
    FAIL();
  } catch (const InputError& error) {
    EXPECT_GE(error.diagnostics().size(), 3u) << error.what();
  }
}

TEST(LawFile, NameShadowsVariable) {
  // E is both a run field (experts) and Chinchilla's floor: the law's E wins.
  const LawDefinition law = parse_law_definition(chinchilla_json(), "law.json", run_variables());
  EXPECT_EQ(std::count(law.variables().begin(), law.variables().end(), "E"), 0);
}

}  // namespace
}  // namespace moescope::law

// Issue 18's command line through the binary: built-in laws (--form kaplan), law files
// (--law-file), --fix, saved defined laws read back by predict and optimum, fit compare, and the
// refusals a user meets (a parse error, a variable the data lack, hostile values).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/json_checks.h"
#include "support/run_program.h"
#include "support/small_chinchilla.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::run_program;

// Kaplan et al. 2020, Eq. 1.5, with the published coefficients.
constexpr double kNc = 8.8e13, kDc = 5.4e13, kAlphaN = 0.076, kAlphaD = 0.095;
double kaplan(double n, double d, double nc = kNc, double dc = kDc, double alpha_n = kAlphaN,
              double alpha_d = kAlphaD) {
  return std::pow(std::pow(nc / n, alpha_n / alpha_d) + dc / d, alpha_d);
}
using moescope::testing_support::chinchilla;
using moescope::testing_support::has_non_finite;
using moescope::testing_support::kChinchillaLaw;

class CliLawFileTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  // 4 budgets x 5 sizes from `law`, with a relative wiggle of `noise` (0, +noise, -noise, ...).
  template <typename Law>
  std::string grid(const std::string& name, Law law, double noise = 0,
                   const std::string& extra_header = "", const std::string& extra_cell = "") {
    std::ostringstream csv;
    csv.precision(17);
    csv << "N,D,loss" << extra_header << '\n';
    int k = 0;
    for (const double budget : {1e18, 1e19, 1e20, 1e21}) {
      for (const double n : {3e7, 1e8, 3e8, 1e9, 3e9}) {
        const double d = budget / (6 * n);
        csv << n << ',' << d << ',' << law(n, d) * (1 + noise * ((k++ % 3) - 1)) << extra_cell
            << '\n';
      }
    }
    return write(name, csv.str());
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-law-file"};
  const fs::path& dir_ = folder_.path();
};

TEST_F(CliLawFileTest, FormKaplanRecoversItsGeneratingCoefficients) {
  const std::string data = grid("kaplan.csv", [](double n, double d) { return kaplan(n, d); });
  const Outcome outcome = moescope({"fit", "law", "--form", "kaplan", "--data", data, "--holdout",
                                    "", "--threads", "2", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_FALSE(has_non_finite(json));
  EXPECT_EQ(json["law"], "kaplan");
  EXPECT_NEAR(json["params"]["N_c"].get<double>() / kNc, 1, 1e-3);
  EXPECT_NEAR(json["params"]["D_c"].get<double>() / kDc, 1, 1e-3);
  EXPECT_NEAR(json["params"]["alpha_N"].get<double>(), kAlphaN, 1e-5);
  EXPECT_NEAR(json["params"]["alpha_D"].get<double>(), kAlphaD, 1e-5);
  EXPECT_EQ(json["fit"]["points"], 20);
  EXPECT_TRUE(json.contains("law_definition"));
  EXPECT_FALSE(json.contains("replicates"));  // kept in the saved file only
}

// An interval that a bound stops is marked as such: here the data's beta (0.28) lies above the
// law's upper bound 0.2, so every refit ends on it.
TEST_F(CliLawFileTest, AnIntervalStoppedByABoundIsMarked) {
  const std::string law = write("bounded.json", R"({"name": "bounded",
    "expression": "E + A / N^alpha + B / D^beta",
    "parameters": {"A": {"init": [400], "lower": 0, "scale": "log"},
                   "B": {"init": [2000], "lower": 0, "scale": "log"},
                   "E": {"init": [1.7], "lower": 0, "scale": "log"},
                   "alpha": {"init": [0.34]}, "beta": {"init": [0.15], "lower": 0, "upper": 0.2}}})");
  const std::string data = grid("c.csv", [](double n, double d) { return chinchilla(n, d); });
  const Outcome outcome = moescope({"fit", "law", "--law-file", law, "--data", data, "--holdout",
                                    "", "--bootstrap", "20", "--threads", "2"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("*: the interval reaches the parameter's bound"), std::string::npos)
      << outcome.out;
  const std::size_t beta = outcome.out.find("\nbeta");
  ASSERT_NE(beta, std::string::npos) << outcome.out;
  const std::string row = outcome.out.substr(beta + 1, outcome.out.find('\n', beta + 1) - beta - 1);
  EXPECT_EQ(row.back(), '*') << row;
  const std::size_t alpha = outcome.out.find("\nalpha");
  const std::string alpha_row =
      outcome.out.substr(alpha + 1, outcome.out.find('\n', alpha + 1) - alpha - 1);
  EXPECT_NE(alpha_row.back(), '*') << alpha_row;
}

TEST_F(CliLawFileTest, ParseErrorsNameTheFileAndColumn) {
  const std::string law = write("typo.json", R"({"name": "typo",
    "expression": "E + A / N^alpha + B / D^bet",
    "parameters": {"A": {"init": [1]}, "B": {"init": [1]}, "E": {"init": [1]},
                   "alpha": {"init": [0.3]}, "beta": {"init": [0.3]}}})");
  const std::string data = grid("c.csv", [](double n, double d) { return chinchilla(n, d); });
  const Outcome typo = moescope({"fit", "law", "--law-file", law, "--data", data});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_NE(typo.err.find("typo.json: expression:1:25: unknown name 'bet'"), std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find("did you mean 'beta'"), std::string::npos) << typo.err;
  const std::string broken = write("broken.json", "{\"name\": \"x\",\n  \"expression\": ,\n}");
  const Outcome syntax = moescope({"fit", "law", "--law-file", broken, "--data", data});
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.err.find("broken.json"), std::string::npos) << syntax.err;
  EXPECT_NE(syntax.err.find("line 2"), std::string::npos) << syntax.err;
  EXPECT_NE(syntax.err.find("column"), std::string::npos) << syntax.err;
  // --law-file and --form exclude each other.
  EXPECT_EQ(
      moescope({"fit", "law", "--law-file", law, "--form", "kaplan", "--data", data}).exit_code, 2);
}

TEST_F(CliLawFileTest, FixHoldsAParameterAndRefusesUnknownNamesAndHugeValues) {
  const std::string data = grid("kaplan.csv", [](double n, double d) { return kaplan(n, d); });
  const Outcome fixed =
      moescope({"fit", "law", "--form", "kaplan", "--fix", "alpha_N=0.076", "--fix",
                "alpha_D=0.095", "--data", data, "--threads", "2", "--json"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  const auto json = nlohmann::json::parse(fixed.out);
  EXPECT_FALSE(json["params"].contains("alpha_N"));
  EXPECT_EQ(json["fixed"]["alpha_N"], 0.076);
  EXPECT_EQ(json["fixed"]["alpha_D"], 0.095);
  EXPECT_NEAR(json["params"]["N_c"].get<double>() / kNc, 1, 1e-3);
  EXPECT_EQ(json["law_definition"]["fixed"]["alpha_N"], 0.076);

  const Outcome unknown =
      moescope({"fit", "law", "--form", "kaplan", "--fix", "Nc=1e13", "--data", data});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("'Nc' is no parameter of the law 'kaplan' (did you mean 'N_c'?); its "
                             "parameters are N_c, "
                             "D_c, alpha_N, alpha_D"),
            std::string::npos)
      << unknown.err;
  for (const char* value : {"alpha_N=1e999", "alpha_N=nan", "alpha_N=inf", "alpha_N"}) {
    const Outcome huge =
        moescope({"fit", "law", "--form", "kaplan", "--fix", value, "--data", data});
    EXPECT_EQ(huge.exit_code, 2) << value;
    EXPECT_NE(huge.err.find("--fix"), std::string::npos) << huge.err;
  }
  EXPECT_EQ(
      moescope({"fit", "law", "--form", "chinchilla", "--fix", "A=1", "--data", data}).exit_code,
      2);
}

TEST_F(CliLawFileTest, SavedLawPredictsWhatTheFitPredicts) {
  const std::string data = grid(
      "kaplan.csv", [](double n, double d) { return kaplan(n, d); }, 0.01);
  const std::string fit = (dir_ / "kaplan-fit.json").string();
  const Outcome fitted = moescope({"fit", "law", "--form", "kaplan", "--data", data, "--threads",
                                   "2", "--bootstrap", "10", "--save", fit});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  const auto saved = nlohmann::json::parse(std::ifstream(fit));
  EXPECT_EQ(saved["kind"], "law");
  EXPECT_EQ(saved["replicates"].size(), 10u);
  const auto& p = saved["params"];
  const std::string points = write("points.csv", "N,D\n1e9,2e10\n5e10,1e12\n");
  const Outcome predicted = moescope({"predict", "--law", fit, "--data", points, "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto out = nlohmann::json::parse(predicted.out);
  EXPECT_EQ(out["law"], "kaplan");
  ASSERT_EQ(out["predictions"].size(), 2u);
  const double rows[2][2] = {{1e9, 2e10}, {5e10, 1e12}};
  for (int i = 0; i < 2; ++i) {
    const double expected =
        kaplan(rows[i][0], rows[i][1], p["N_c"].get<double>(), p["D_c"].get<double>(),
               p["alpha_N"].get<double>(), p["alpha_D"].get<double>());
    const auto& prediction = out["predictions"][i];
    EXPECT_NEAR(prediction["loss"].get<double>(), expected, 1e-9 * expected);
    EXPECT_LE(prediction["lo"].get<double>(), prediction["hi"].get<double>());
  }
  // A value tampered with is refused, naming the field.
  auto tampered = saved;
  tampered["params"]["alpha_N"] = 1e300;
  write("tampered.json", tampered.dump());
  const Outcome refused =
      moescope({"predict", "--fit", (dir_ / "tampered.json").string(), "--data", points});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("params.alpha_N"), std::string::npos) << refused.err;
  // A reader of the compiled forms names the defined law instead of misreading it.
  const Outcome compiled = moescope({"optimum", "--law", fit, "--budget", "1e20", "--at", "U=1e9"});
  EXPECT_NE(compiled.exit_code, 0);
}

TEST_F(CliLawFileTest, OptimumThroughALawFileMatchesABruteForceGrid) {
  const std::string law = write("chinchilla-mine.json", kChinchillaLaw);
  const std::string data = grid("c.csv", [](double n, double d) { return chinchilla(n, d); });
  const std::string fit = (dir_ / "fit.json").string();
  ASSERT_EQ(
      moescope({"fit", "law", "--law-file", law, "--data", data, "--threads", "2", "--save", fit})
          .exit_code,
      0);
  const auto saved = nlohmann::json::parse(std::ifstream(fit));
  const auto& p = saved["params"];
  const Outcome optimum = moescope({"optimum", "--law", fit, "--budget", "1e21", "--json"});
  ASSERT_EQ(optimum.exit_code, 0) << optimum.err;
  const auto json = nlohmann::json::parse(optimum.out);
  EXPECT_FALSE(has_non_finite(json));
  double best_n = 0, best_loss = INFINITY;
  for (double log_n = std::log(1e6); log_n < std::log(1e12); log_n += 1e-4) {
    const double n = std::exp(log_n);
    const double loss =
        chinchilla(n, 1e21 / (6 * n), p["A"].get<double>(), p["B"].get<double>(),
                   p["E"].get<double>(), p["alpha"].get<double>(), p["beta"].get<double>());
    if (loss < best_loss) {
      best_loss = loss;
      best_n = n;
    }
  }
  EXPECT_NEAR(json["N"].get<double>() / best_n, 1, 2e-3);
  EXPECT_NEAR(json["loss"].get<double>(), best_loss, 1e-9);
  EXPECT_NEAR(json["D"].get<double>(), 1e21 / (6 * json["N"].get<double>()), 1e6);
  // A law with a variable besides N, D and C needs it given.
  const std::string with_u = write("u.json", R"({"name": "with-u",
    "expression": "E + A / N^alpha + B / min(D, U)^beta",
    "parameters": {"A": {"init": [400]}, "B": {"init": [2000]}, "E": {"init": [1.7]},
                   "alpha": {"init": [0.34]}, "beta": {"init": [0.28]}}})");
  std::string csv = "N,D,unique_tokens,loss\n";
  for (int i = 0; i < 8; ++i) {
    const double n = 1e8 * (i + 1), d = 2e9 * (8 - i);
    csv += std::to_string(n) + "," + std::to_string(d) + ",1e12," +
           std::to_string(chinchilla(n, d)) + "\n";
  }
  const std::string u_data = write("u.csv", csv);
  const std::string u_fit = (dir_ / "u-fit.json").string();
  ASSERT_EQ(moescope({"fit", "law", "--law-file", with_u, "--data", u_data, "--fix", "E=1.7",
                      "--threads", "2", "--save", u_fit})
                .exit_code,
            0);
  const Outcome blocked = moescope({"optimum", "--law", u_fit, "--budget", "1e21"});
  EXPECT_EQ(blocked.exit_code, 1);
  EXPECT_NE(blocked.err.find("it uses U (unique tokens)"), std::string::npos) << blocked.err;
  EXPECT_NE(blocked.err.find("--at U=VALUE"), std::string::npos) << blocked.err;
  EXPECT_EQ(moescope({"optimum", "--law", u_fit, "--budget", "1e21", "--at", "U=1e12"}).exit_code,
            0);
}

TEST_F(CliLawFileTest, FitCompareRanksTheGeneratingLawFirst) {
  const std::string data = grid(
      "c.csv", [](double n, double d) { return chinchilla(n, d); }, 0.002);
  const std::string compiled = (dir_ / "chinchilla.json").string();
  const std::string defined = (dir_ / "kaplan.json").string();
  ASSERT_EQ(moescope({"fit", "law", "--form", "chinchilla", "--data", data, "--threads", "2",
                      "--save", compiled})
                .exit_code,
            0);
  ASSERT_EQ(moescope({"fit", "law", "--form", "kaplan", "--data", data, "--threads", "2", "--save",
                      defined})
                .exit_code,
            0);
  const Outcome text =
      moescope({"fit", "compare", compiled, defined, "--data", data, "--threads", "2"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("chinchilla (compiled, 5 free parameters)"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("kaplan (defined, 4 free parameters)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("assume Gaussian log-residuals"), std::string::npos) << text.out;
  const Outcome json_outcome =
      moescope({"fit", "compare", compiled, defined, "--data", data, "--threads", "2", "--json"});
  ASSERT_EQ(json_outcome.exit_code, 0) << json_outcome.err;
  const auto json = nlohmann::json::parse(json_outcome.out);
  EXPECT_FALSE(has_non_finite(json));
  ASSERT_EQ(json["fits"].size(), 2u);
  EXPECT_TRUE(json["information_criteria"]["comparable"].get<bool>());
  const auto& chinchilla_fit = json["fits"][0];
  const auto& kaplan_fit = json["fits"][1];
  EXPECT_LT(chinchilla_fit["aic"].get<double>(), kaplan_fit["aic"].get<double>());
  EXPECT_LT(chinchilla_fit["bic"].get<double>(), kaplan_fit["bic"].get<double>());
  EXPECT_LT(chinchilla_fit["fit"]["mse"].get<double>(), kaplan_fit["fit"]["mse"].get<double>());
  EXPECT_GT(chinchilla_fit["leave_one_budget_out"]["points"].get<int>(), 0);
  EXPECT_GT(kaplan_fit["leave_one_budget_out"]["points"].get<int>(), 0);

  // A law fitted to the budget optima scores other rows: no AIC.
  const std::string envelope = (dir_ / "envelope.json").string();
  ASSERT_EQ(moescope({"fit", "law", "--form", "envelope", "--data", data, "--threads", "2", "--fix",
                      "E=1.7", "--save", envelope})
                .exit_code,
            0);
  const Outcome mixed =
      moescope({"fit", "compare", compiled, envelope, "--data", data, "--no-validate", "--json"});
  ASSERT_EQ(mixed.exit_code, 0) << mixed.err;
  const auto mixed_json = nlohmann::json::parse(mixed.out);
  EXPECT_FALSE(mixed_json["information_criteria"]["comparable"].get<bool>());
  EXPECT_TRUE(mixed_json["fits"][1]["aic"].is_null());
}

TEST_F(CliLawFileTest, DataConstrainedNeedsUniqueTokensAndMapFindsThem) {
  const std::string data = grid("c.csv", [](double n, double d) { return chinchilla(n, d); });
  const Outcome refused = moescope({"fit", "law", "--form", "data-constrained", "--data", data});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("the law uses U (unique tokens); " + data +
                             " has no unique_tokens column: add one or --map U=COLUMN"),
            std::string::npos)
      << refused.err;
  const std::string with_u = grid(
      "u.csv", [](double n, double d) { return chinchilla(n, d); }, 0, ",uniq", ",1e10");
  const Outcome mapped = moescope({"fit", "law", "--form", "data-constrained", "--data", with_u,
                                   "--map", "U=uniq", "--threads", "2", "--json"});
  ASSERT_EQ(mapped.exit_code, 0) << mapped.err;
  EXPECT_EQ(nlohmann::json::parse(mapped.out)["fit"]["points"], 20);
}

TEST_F(CliLawFileTest, ALawFileMayReadAColumnOfItsOwnAndIsJustAPath) {
  // An extra column (epochs) read by its name; the file's name has shell metacharacters.
  const std::string law = write("law; $(touch pwned) `x`.json", R"({"name": "epochs-law",
    "expression": "E + A / N^alpha + B / D^beta + 0 * epochs",
    "parameters": {"A": {"init": [100, 1000], "lower": 0, "scale": "log"},
                   "B": {"init": [100, 1000], "lower": 0, "scale": "log"},
                   "E": {"init": [1, 2], "lower": 0, "scale": "log"},
                   "alpha": {"init": [0.2, 0.5]}, "beta": {"init": [0.2, 0.5]}}})");
  const std::string data = grid(
      "e.csv", [](double n, double d) { return chinchilla(n, d); }, 0, ",epochs", ",1");
  const Outcome outcome =
      moescope({"fit", "law", "--law-file", law, "--data", data, "--threads", "2", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["variables"], nlohmann::json::parse(R"(["N", "D", "epochs"])"));
  EXPECT_NEAR(json["params"]["alpha"].get<double>(), 0.34, 1e-4);
  EXPECT_FALSE(fs::exists(dir_ / "pwned"));
}

}  // namespace

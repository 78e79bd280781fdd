// moescope flops: parameter and FLOP accounting for one architecture (paper Appendix C).
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.h"
#include "moescope/io/diagnostic.h"
#include "moescope/model/accounting.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct FlopsArguments {
  Architecture arch;
  int heads = 0;  // 0: d_model / 64
  bool untied = false;
  std::optional<double> tokens;
  bool json = false;
};

Architecture checked_architecture(const FlopsArguments& args) {
  Architecture arch = args.arch;
  arch.n_heads = args.heads > 0 ? args.heads : std::max(1, arch.d_model / 64);
  arch.tied_embeddings = !args.untied;
  std::vector<Diagnostic> diagnostics;
  for (const FieldProblem& problem : validate(arch)) {
    Diagnostic diagnostic;
    diagnostic.message = problem.message;
    diagnostics.push_back(std::move(diagnostic));
  }
  if (!diagnostics.empty())
    throw InputError(std::move(diagnostics));
  return arch;
}

void run_flops(const FlopsArguments& args) {
  const Architecture arch = checked_architecture(args);
  const ParameterCount count = count_parameters(arch);
  const double eq9 = flops_per_token_eq9(arch);
  const double six_na = flops_per_token_6na(arch);
  if (args.json) {
    nlohmann::ordered_json out;
    out["N"] = count.total;
    out["N_active"] = count.active;
    out["S"] = sparsity(arch);
    out["flops_per_token_eq9"] = eq9;
    out["flops_per_token_6Na"] = six_na;
    out["ratio"] = eq9 / six_na;
    if (args.tokens) {
      out["D"] = *args.tokens;
      out["C_eq9"] = eq9 * *args.tokens;
      out["C_6NaD"] = six_na * *args.tokens;
    }
    std::cout << out.dump(2) << '\n';
    return;
  }
  TextTable table({"quantity", "value"});
  table.add_row({"N (total parameters)", brief(count.total)});
  table.add_row({"N_a (active parameters)", brief(count.active)});
  table.add_row({"S = (E-K)/E", brief(sparsity(arch))});
  table.add_row({"FLOPs/token, Eq. 9", brief(eq9)});
  table.add_row({"FLOPs/token, 6 N_a", brief(six_na)});
  table.add_row({"Eq. 9 / 6 N_a", brief(eq9 / six_na)});
  if (args.tokens) {
    table.add_row({"D (tokens)", brief(*args.tokens)});
    table.add_row({"C by Eq. 9", brief(eq9 * *args.tokens)});
    table.add_row({"C = 6 N_a D", brief(six_na * *args.tokens)});
  }
  table.print(std::cout);
}

}  // namespace

void add_flops_command(CLI::App& app) {
  auto args = std::make_shared<FlopsArguments>();
  CLI::App* command = app.add_subcommand(
      "flops", "Parameters and FLOPs per token of an MoE architecture (Eq. 9 and 6 N_a)");
  command->add_option("--d-model", args->arch.d_model, "Model width")
      ->required()
      ->check(whole_number(1));
  command->add_option("--layers", args->arch.n_layers, "Number of layers")
      ->required()
      ->check(whole_number(1));
  command->add_option("--experts", args->arch.experts, "Total experts E per layer")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--active", args->arch.active, "Active experts K per token")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--granularity", args->arch.granularity, "Expert granularity G")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--ctx", args->arch.context, "Context length")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--vocab", args->arch.vocab, "Vocabulary size")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--heads", args->heads, "Attention heads (default d_model/64)")
      ->check(whole_number(1));
  command->add_flag("--untied", args->untied, "Separate input embedding and un-embedding");
  command->add_option("--tokens", args->tokens, "Training tokens D, to print total FLOPs")
      ->check(finite_number(kPositive));
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_flops(*args); });
}

}  // namespace moescope::cli

#include "moescope/run/derive.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "moescope/io/utf8.h"
#include "moescope/model/accounting.h"
#include "moescope/run/loss_units.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

void set_derived(Run& run, std::optional<double>& slot, Quantity quantity, double value) {
  slot = value;
  run.derived.insert(quantity);
}

// In a dense run every parameter is active: N and N_a are one number.
void fill_dense_counterpart(Run& run) {
  if (!run.sparsity || *run.sparsity != 0.0)
    return;
  if (run.total_params && !run.active_params) {
    set_derived(run, run.active_params, Quantity::kActiveParams, *run.total_params);
  } else if (run.active_params && !run.total_params) {
    set_derived(run, run.total_params, Quantity::kTotalParams, *run.active_params);
  }
}

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Smallest magnitudes a real run can have; anything below is a value given in other units.
constexpr double kMinParams = 1e4;
constexpr double kMinTokens = 1e4;
constexpr double kMinCompute = 1e9;
// Cross-entropy in nats of a byte-level model is below ln(256) ~ 5.5 and of any tokenizer in
// use below ln(vocab) ~ 12; 20 leaves room for diverged runs but rejects perplexities.
constexpr double kMaxLoss = 20;

void check_utf8(std::vector<FieldProblem>& problems, const char* field, std::string_view text) {
  const std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos)
    return;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[at]));
  problems.push_back({field, std::string("not valid UTF-8 (byte ") + byte + " at position " +
                                 std::to_string(at + 1) + "): save the file as UTF-8"});
}

// A size given beside an architecture must be the architecture's: two values for one quantity
// would let the fit see one and the read-outs the other.
void check_against_count(std::vector<FieldProblem>& problems, const char* field,
                         const std::optional<double>& given, double counted) {
  if (!given || !std::isfinite(*given) || counted <= 0)
    return;
  const double off = std::abs(*given / counted - 1.0);
  if (off <= kArchitectureCountTolerance)
    return;
  problems.push_back({field, std::string(field) + "=" + number(*given) + " is " +
                                 number(100 * off) + "% off the given architecture's count " +
                                 number(counted) + " (Appendix C accounting; tolerance " +
                                 number(100 * kArchitectureCountTolerance) + "%): drop " + field +
                                 " to take the count, or drop the architecture to keep " + field});
}

void check_extras(std::vector<FieldProblem>& problems,
                  const std::vector<std::pair<std::string, double>>& extras) {
  if (extras.size() > kMaxRunExtras) {
    problems.push_back({"extras", std::to_string(extras.size()) + " extras; a run holds at most " +
                                      std::to_string(kMaxRunExtras)});
  }
  for (std::size_t i = 0; i < extras.size(); ++i) {
    const auto& [name, value] = extras[i];
    if (const auto why = extra_name_problem(name)) {
      problems.push_back({"extras", *why});
    } else if (i > 0 && !(extras[i - 1].first < name)) {
      problems.push_back(
          {"extras", "extra " + name +
                         (extras[i - 1].first == name ? " is given twice"
                                                      : " is out of order (sorted by name)")});
    }
    if (!std::isfinite(value))
      problems.push_back({"extras", "extra " + name + " must be finite, got " + number(value)});
  }
}

}  // namespace

void derive_missing(Run& run) {
  if (run.architecture && validate(*run.architecture).empty()) {
    const Architecture& arch = *run.architecture;
    const ParameterCount count = count_parameters(arch);
    if (!run.sparsity)
      set_derived(run, run.sparsity, Quantity::kSparsity, sparsity(arch));
    if (!run.total_params)
      set_derived(run, run.total_params, Quantity::kTotalParams, count.total);
    if (!run.active_params) {
      set_derived(run, run.active_params, Quantity::kActiveParams, count.active);
    }
  }
  if (!run.sparsity && !run.architecture &&
      (!run.active_params || !run.total_params || *run.active_params == *run.total_params)) {
    set_derived(run, run.sparsity, Quantity::kSparsity, 0.0);
  }
  fill_dense_counterpart(run);
  if (!run.compute && run.active_params && run.tokens) {
    set_derived(run, run.compute, Quantity::kCompute,
                training_flops_6nad(*run.active_params, *run.tokens));
  } else if (!run.tokens && run.compute && run.active_params) {
    set_derived(run, run.tokens, Quantity::kTokens, *run.compute / (6.0 * *run.active_params));
  } else if (!run.active_params && run.compute && run.tokens) {
    set_derived(run, run.active_params, Quantity::kActiveParams,
                *run.compute / (6.0 * *run.tokens));
  }
  // N_a may only now be known (from C and D); a dense run's N is that too.
  fill_dense_counterpart(run);
}

std::vector<FieldProblem> check_run(const Run& run) {
  std::vector<FieldProblem> problems;
  auto finite = [&](const char* field, const std::optional<double>& value) {
    if (value && !std::isfinite(*value)) {
      problems.push_back({field, "must be a finite number, got " + number(*value)});
      return false;
    }
    return value.has_value();
  };
  auto at_least = [&](const char* field, const std::optional<double>& value, double minimum,
                      const char* unit_hint) {
    if (!finite(field, value))
      return;
    if (*value <= 0) {
      problems.push_back({field, "must be positive, got " + number(*value)});
    } else if (*value < minimum) {
      problems.push_back({field, number(*value) + " is implausibly small (< " + number(minimum) +
                                     "): " + unit_hint});
    }
  };
  // The magnitude floors catch a person's unit slip in a file (N in millions); a run MoEScope
  // trained itself carries the trainer's own counts, and a smoke-test run is legitimately tiny.
  const bool typed_by_a_person = run.provenance == Provenance::kImported;
  const char* count_hint = "give counts in units, or scale the column in --map (N=COLUMN*1e6)";
  const double floor_params = typed_by_a_person ? kMinParams : 0;
  at_least("N", run.total_params, floor_params, count_hint);
  at_least("N_active", run.active_params, floor_params, count_hint);
  at_least("D", run.tokens, typed_by_a_person ? kMinTokens : 0, count_hint);
  // U is a count of tokens as D is, so slips in its units are D's. It may exceed D: a run that
  // saw part of its data.
  at_least("unique_tokens", run.unique_tokens, typed_by_a_person ? kMinTokens : 0, count_hint);
  at_least("C", run.compute, typed_by_a_person ? kMinCompute : 0,
           "give C in FLOPs, or scale it in --map (C=COLUMN*1e15)");
  if (finite("S", run.sparsity) && !(*run.sparsity >= 0.0 && *run.sparsity < 1.0)) {
    problems.push_back({"S", "sparsity must lie in [0, 1), got " + number(*run.sparsity) +
                                 (*run.sparsity >= 1.0 && *run.sparsity < 100.0
                                      ? " (a percentage? map it as S=COLUMN*0.01)"
                                      : "")});
  }
  // kMaxLoss nats, in the run's unit: more in bits.
  const double max_loss = *convert_loss(
      kMaxLoss, is_per_token(run.loss_unit) ? LossUnit::kNatsPerToken : LossUnit::kNatsPerByte,
      run.loss_unit, std::nullopt);
  if (finite("loss", run.loss) && !(*run.loss > 0.0 && *run.loss <= max_loss)) {
    problems.push_back({"loss", "a loss in " + std::string(to_string(run.loss_unit)) +
                                    " lies in (0, " + number(max_loss) + "], got " +
                                    number(*run.loss)});
  }
  if (run.total_params && run.active_params &&
      *run.active_params > *run.total_params * (1 + 1e-9)) {
    problems.push_back({"N_active", "N_a=" + number(*run.active_params) +
                                        " exceeds N=" + number(*run.total_params)});
  }
  if (run.architecture) {
    std::vector<FieldProblem> architecture_problems = validate(*run.architecture);
    if (architecture_problems.empty()) {
      const ParameterCount count = count_parameters(*run.architecture);
      if (!run.derived.contains(Quantity::kTotalParams))
        check_against_count(problems, "N", run.total_params, count.total);
      if (!run.derived.contains(Quantity::kActiveParams))
        check_against_count(problems, "N_active", run.active_params, count.active);
    }
    for (FieldProblem& problem : architecture_problems)
      problems.push_back(std::move(problem));
    const Architecture& arch = *run.architecture;
    if (run.sparsity && arch.experts > 0 && arch.active <= arch.experts &&
        std::abs(*run.sparsity - sparsity(arch)) > 1e-9) {
      problems.push_back({"S", "S=" + number(*run.sparsity) +
                                   " disagrees with (E-K)/E=" + number(sparsity(arch)) +
                                   " for E=" + std::to_string(arch.experts) +
                                   ", K=" + std::to_string(arch.active)});
    }
  }
  if (run.compute && run.active_params && run.tokens && *run.compute > 0 &&
      *run.active_params > 0 && *run.tokens > 0) {
    const double ratio = *run.compute / training_flops_6nad(*run.active_params, *run.tokens);
    if (ratio > kComputeUnitTolerance || ratio < 1.0 / kComputeUnitTolerance) {
      problems.push_back({"C", "C=" + number(*run.compute) + " is " + number(ratio) +
                                   " x 6*N_a*D: check the units of C, N_a and D"});
    }
  }
  if (finite("lr", run.hyper.learning_rate) && *run.hyper.learning_rate <= 0) {
    problems.push_back({"lr", "learning rate must be positive"});
  }
  if (finite("warmup", run.hyper.warmup_fraction) &&
      !(*run.hyper.warmup_fraction >= 0 && *run.hyper.warmup_fraction <= 1)) {
    problems.push_back({"warmup", "warm-up is a fraction of training steps in [0, 1]"});
  }
  if (finite("load_balance", run.hyper.load_balance) && *run.hyper.load_balance < 0) {
    problems.push_back({"load_balance", "load-balance factor must be >= 0"});
  }
  for (const LossPoint& point : run.loss_curve) {
    if (!std::isfinite(point.loss) || !std::isfinite(point.tokens) || point.step < 0) {
      problems.push_back({"loss_curve", "point at step " + std::to_string(point.step) +
                                            " is not finite or has a negative step"});
      break;
    }
  }
  for (const TaskMetric& metric : run.downstream) {
    if (!std::isfinite(metric.value)) {
      problems.push_back({"downstream", "task '" + metric.task + "' has a non-finite value"});
    }
    check_utf8(problems, "downstream", metric.task);
  }
  check_extras(problems, run.extras);
  check_utf8(problems, "id", run.id);
  check_utf8(problems, "name", run.name);
  check_utf8(problems, "origin", run.origin);
  if (run.best_of < 1) {
    problems.push_back(
        {"best_of", "a run stands for at least 1 row, got " + std::to_string(run.best_of)});
  }
  return problems;
}

}  // namespace moescope

#include "moescope/launch/trained_run.h"

#include "moescope/model/accounting.h"
#include "moescope/run/run_identity.h"

namespace moescope {
namespace {

std::vector<LossPoint> loss_curve(const MetricsLog& metrics) {
  return metrics.validation.empty() ? metrics.training : metrics.validation;
}

Run started_run(const RunSource& source, RunStatus status) {
  Run run;
  run.name = source.name;
  run.provenance = source.provenance;
  run.origin = source.host;
  run.status = status;
  run.loss_unit = kTrainerLossUnit;
  run.tokenizer = kTrainerTokenizer;
  return run;
}

}  // namespace

Run run_from_result(const std::filesystem::path& result_file, const SpecSummary& spec,
                    const MetricsLog& metrics, const RunSource& source) {
  const TrainResult result = read_train_result(result_file);
  Run run = started_run(source, RunStatus::kDone);
  run.architecture = result.architecture;
  run.total_params = result.total_params;
  run.active_params = result.active_params;
  run.sparsity = result.sparsity;
  run.tokens = result.tokens;
  run.compute = result.compute;
  run.loss = result.validation_loss;
  run.hyper = result.hyper.value_or(spec.hyper);
  run.loss_curve = loss_curve(metrics);
  run.downstream = result.downstream;
  run.id = content_identity(run);
  return run;
}

Run run_from_failed_job(const SpecSummary& spec, const MetricsLog& metrics,
                        const RunSource& source) {
  Run run = started_run(source, RunStatus::kFailed);
  run.architecture = spec.architecture;
  if (spec.architecture) {
    const ParameterCount count = count_parameters(*spec.architecture);
    run.total_params = count.total;
    run.active_params = count.active;
    run.sparsity = sparsity(*spec.architecture);
    if (spec.tokens) {
      run.tokens = spec.tokens;
      run.compute = flops_per_token_eq9(*spec.architecture) * *spec.tokens;
    }
  }
  run.hyper = spec.hyper;
  run.loss_curve = loss_curve(metrics);
  run.id = content_identity(run);
  return run;
}

}  // namespace moescope

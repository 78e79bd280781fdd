#pragma once

#include <memory>

#include "moescope/explore/explorer_data.h"
#include "moescope/fit/law_validation.h"
#include "worker_job.h"

namespace moescope::explorer {

// Validates the law across budgets (validate_explorer_law: a refit per budget) on a worker
// thread, with progress (budgets refitted) and Cancel, for Figure 6.
class ValidationJob : public WorkerJob {
  Q_OBJECT

 public:
  using WorkerJob::WorkerJob;

  // `data` is shared with the worker, which reads it only.
  void start(std::shared_ptr<const moescope::ExplorerData> data, moescope::ValidationScheme scheme);
  moescope::ValidationScheme scheme() const { return scheme_; }

 signals:
  void finished(std::shared_ptr<moescope::LawValidation> validation);

 private:
  moescope::ValidationScheme scheme_ = moescope::ValidationScheme::kLeaveOneBudgetOut;
};

}  // namespace moescope::explorer

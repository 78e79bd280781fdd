#pragma once

#include <memory>
#include <vector>

#include "moescope/plan/active_design.h"
#include "moescope/run/run.h"
#include "worker_job.h"

namespace moescope::explorer {

// Active design (propose_next_runs) on a worker thread: it fits each budget's surface with 100
// bootstrap replicates and takes seconds. It takes no FitControl, so it reports no progress steps
// and a cancel() waits for it to end; the panel shows a busy bar and accepts no second request
// meanwhile.
class ProposalJob : public WorkerJob {
  Q_OBJECT

 public:
  using WorkerJob::WorkerJob;

  void start(std::vector<moescope::Run> runs, const moescope::ActiveDesignOptions& options);

 signals:
  void finished(std::shared_ptr<moescope::ActiveDesign> design);
};

}  // namespace moescope::explorer

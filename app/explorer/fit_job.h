#pragma once

#include <memory>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/run/run.h"
#include "worker_job.h"

namespace moescope::explorer {

// Fits what the explorer shows (the law, its bootstrap, the surfaces and Approach 2's curves) on
// a worker thread, with progress (the law's starts) and Cancel.
class FitJob : public WorkerJob {
  Q_OBJECT

 public:
  using WorkerJob::WorkerJob;

  void start(std::vector<moescope::Run> runs, const moescope::ExplorerLoadOptions& options);

 signals:
  void finished(std::shared_ptr<moescope::ExplorerLoad> load);
};

}  // namespace moescope::explorer

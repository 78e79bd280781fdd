#include "worker_job.h"

namespace moescope::explorer {

WorkerJob::WorkerJob(QObject* parent) : QObject(parent) {}

WorkerJob::~WorkerJob() {
  stopWorker();
}

void WorkerJob::stopWorker() {
  if (!worker_.joinable())
    return;
  cancel_ = true;
  worker_.join();
  cancel_ = false;
}

void WorkerJob::cancel() {
  if (!running_)
    return;
  stopWorker();
  running_ = false;
  ++generation_;
  emit cancelled();
}

}  // namespace moescope::explorer

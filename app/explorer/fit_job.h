#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/run.h"

// Fits what the explorer shows (the law, its bootstrap and the surfaces) on a worker thread, so
// the window stays live through a fit of half a minute, with progress and Cancel.
//
// Signals are emitted on the thread that owns the job (the GUI thread). A new start() cancels the
// fit under way; only the latest fit reports, so a superseded fit's result never reaches the
// window.
class FitJob : public QObject {
  Q_OBJECT

 public:
  explicit FitJob(QObject* parent = nullptr);
  // Cancels a fit under way and waits for its thread (a cancelled fit stops within milliseconds).
  ~FitJob() override;

  void start(std::vector<moescope::Run> runs, const moescope::ExplorerLoadOptions& options);
  void cancel();
  bool isRunning() const { return running_; }

 signals:
  // Starts of the law's multi-start fit done, of total.
  void progress(qint64 done, qint64 total);
  void finished(std::shared_ptr<moescope::ExplorerLoad> load);
  void failed(QString message);
  void cancelled();

 private:
  void stopWorker();

  std::thread worker_;
  std::atomic<bool> cancel_{false};
  // Which start() the worker's reports belong to; a report of an earlier one is dropped.
  std::uint64_t generation_ = 0;
  bool running_ = false;
};

#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <thread>

#include "moescope/explore/explorer_data.h"
#include "moescope/fit/law_validation.h"

// Validates the law across budgets (validate_explorer_law: a refit per budget) on a worker
// thread, with progress and Cancel, for Figure 6. Signals are emitted on the thread that owns the
// job; a new start() cancels the one under way, whose result never arrives.
class ValidationJob : public QObject {
  Q_OBJECT

 public:
  explicit ValidationJob(QObject* parent = nullptr);
  // Cancels a validation under way and waits for its thread.
  ~ValidationJob() override;

  // `data` is shared with the worker, which reads it only.
  void start(std::shared_ptr<const moescope::ExplorerData> data, moescope::ValidationScheme scheme);
  void cancel();
  bool isRunning() const { return running_; }
  moescope::ValidationScheme scheme() const { return scheme_; }

 signals:
  // Budgets refitted, of total.
  void progress(qint64 done, qint64 total);
  void finished(std::shared_ptr<moescope::LawValidation> validation);
  void failed(QString message);
  void cancelled();

 private:
  void stopWorker();

  std::thread worker_;
  std::atomic<bool> cancel_{false};
  std::uint64_t generation_ = 0;
  bool running_ = false;
  moescope::ValidationScheme scheme_ = moescope::ValidationScheme::kLeaveOneBudgetOut;
};

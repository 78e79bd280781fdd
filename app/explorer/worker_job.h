#pragma once

#include <QMetaObject>
#include <QObject>
#include <QString>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <thread>
#include <utility>

#include "moescope/fit/fit_control.h"
#include "moescope/fit/fit_refused.h"

namespace moescope::explorer {

// One long computation at a time on a worker thread, with progress and Cancel, for the fits the
// explorer runs (FitJob, ValidationJob): the window stays live through half a minute of fitting.
//
// Signals are emitted on the thread that owns the job (the GUI thread). A new run cancels the
// one under way; only the latest reports, so a superseded computation's result never reaches the
// window. Subclasses declare their own `finished` signal, for their result's type.
class WorkerJob : public QObject {
  Q_OBJECT

 public:
  explicit WorkerJob(QObject* parent = nullptr);
  // Cancels the computation under way and waits for its thread (a cancelled fit stops within
  // milliseconds).
  ~WorkerJob() override;

  void cancel();
  bool isRunning() const { return running_; }

 signals:
  // Steps done (the law's starts, the budgets refitted), of total.
  void progress(qint64 done, qint64 total);
  void failed(QString message);
  void cancelled();

 protected:
  // Runs `work(control)` on a worker thread, `control` carrying this job's Cancel and progress,
  // and hands its result, as a shared_ptr, to `done` on this object's thread. A FitRefused
  // other than a cancellation, or any other exception, is reported as failed().
  template <class Work, class Done>
  void run(Work work, Done done);

 private:
  void stopWorker();
  // Calls `deliver` on this object's thread, unless a later run or cancel() superseded
  // `generation` by then; `this` as the call's context drops it if the job is destroyed first.
  template <class Deliver>
  void report(std::uint64_t generation, Deliver deliver);

  std::thread worker_;
  std::atomic<bool> cancel_{false};
  // Which run the worker's reports belong to; a report of an earlier one is dropped.
  std::uint64_t generation_ = 0;
  bool running_ = false;
};

template <class Deliver>
void WorkerJob::report(std::uint64_t generation, Deliver deliver) {
  QMetaObject::invokeMethod(
      this,
      [this, generation, deliver] {
        if (generation == generation_)
          deliver();
      },
      Qt::QueuedConnection);
}

template <class Work, class Done>
void WorkerJob::run(Work work, Done done) {
  stopWorker();
  const std::uint64_t generation = ++generation_;
  running_ = true;
  worker_ = std::thread([this, generation, work = std::move(work), done]() mutable {
    moescope::FitControl control;
    control.cancel = &cancel_;
    control.progress = [this, generation](std::size_t steps, std::size_t total) {
      report(generation, [this, steps, total] {
        emit progress(static_cast<qint64>(steps), static_cast<qint64>(total));
      });
    };
    const auto fail = [this, generation](const char* what) {
      report(generation, [this, message = QString::fromUtf8(what)] {
        running_ = false;
        emit failed(message);
      });
    };
    try {
      auto result = std::make_shared<decltype(work(control))>(work(control));
      report(generation, [this, done, result] {
        running_ = false;
        done(result);
      });
    } catch (const moescope::FitRefused& refused) {
      if (refused.reason() != moescope::RefusalReason::kCancelled)
        fail(refused.what());  // a cancellation was reported by cancel()
    } catch (const std::exception& error) {
      fail(error.what());
    }
  });
}

}  // namespace moescope::explorer

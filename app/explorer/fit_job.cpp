#include "fit_job.h"

#include <QMetaObject>

#include "moescope/diagnostic.h"
#include "moescope/fit/fit_refused.h"

FitJob::FitJob(QObject* parent) : QObject(parent) {}

FitJob::~FitJob() {
  stopWorker();
}

void FitJob::stopWorker() {
  if (!worker_.joinable())
    return;
  cancel_ = true;
  worker_.join();
  cancel_ = false;
}

void FitJob::cancel() {
  if (!running_)
    return;
  stopWorker();
  running_ = false;
  ++generation_;
  emit cancelled();
}

void FitJob::start(std::vector<moescope::Run> runs, const moescope::ExplorerLoadOptions& options) {
  stopWorker();
  const std::uint64_t generation = ++generation_;
  running_ = true;
  // Reports travel to this object's thread as queued calls; `this` as their context drops them
  // if the job is destroyed first, and the generation drops those of a superseded fit.
  auto report = [this, generation](auto deliver) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, deliver] {
          if (generation == generation_)
            deliver();
        },
        Qt::QueuedConnection);
  };
  worker_ = std::thread([this, report, runs = std::move(runs), options]() mutable {
    moescope::FitControl control;
    control.cancel = &cancel_;
    control.progress = [&report, this](std::size_t done, std::size_t total) {
      report([this, done, total] {
        emit progress(static_cast<qint64>(done), static_cast<qint64>(total));
      });
    };
    try {
      auto load = std::make_shared<moescope::ExplorerLoad>(
          moescope::load_explorer_data(std::move(runs), options, control));
      report([this, load] {
        running_ = false;
        emit finished(load);
      });
    } catch (const moescope::FitRefused& refused) {
      if (refused.reason() == moescope::RefusalReason::kCancelled)
        return;  // cancel() has reported it
      const QString message = QString::fromUtf8(refused.what());
      report([this, message] {
        running_ = false;
        emit failed(message);
      });
    } catch (const std::exception& error) {
      const QString message = QString::fromUtf8(error.what());
      report([this, message] {
        running_ = false;
        emit failed(message);
      });
    }
  });
}

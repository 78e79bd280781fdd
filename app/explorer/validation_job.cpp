#include "validation_job.h"

#include <QMetaObject>

#include "moescope/explore/validation.h"
#include "moescope/fit/fit_refused.h"

ValidationJob::ValidationJob(QObject* parent) : QObject(parent) {}

ValidationJob::~ValidationJob() {
  stopWorker();
}

void ValidationJob::stopWorker() {
  if (!worker_.joinable())
    return;
  cancel_ = true;
  worker_.join();
  cancel_ = false;
}

void ValidationJob::cancel() {
  if (!running_)
    return;
  stopWorker();
  running_ = false;
  ++generation_;
  emit cancelled();
}

void ValidationJob::start(std::shared_ptr<const moescope::ExplorerData> data,
                          moescope::ValidationScheme scheme) {
  stopWorker();
  const std::uint64_t generation = ++generation_;
  running_ = true;
  scheme_ = scheme;
  auto report = [this, generation](auto deliver) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, deliver] {
          if (generation == generation_)
            deliver();
        },
        Qt::QueuedConnection);
  };
  worker_ = std::thread([this, report, data = std::move(data), scheme] {
    moescope::FitControl control;
    control.cancel = &cancel_;
    control.progress = [&report, this](std::size_t done, std::size_t total) {
      report([this, done, total] {
        emit progress(static_cast<qint64>(done), static_cast<qint64>(total));
      });
    };
    try {
      auto validation = std::make_shared<moescope::LawValidation>(
          moescope::validate_explorer_law(*data, scheme, control));
      report([this, validation] {
        running_ = false;
        emit finished(validation);
      });
    } catch (const moescope::FitRefused& refused) {
      if (refused.reason() == moescope::RefusalReason::kCancelled)
        return;
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

#include "headline_job.h"

#include <QMetaObject>

#include "moescope/fit/fit_refused.h"

namespace moescope::explorer {

HeadlineJob::HeadlineJob(QObject* parent) : QObject(parent) {}

HeadlineJob::~HeadlineJob() {
  cancel_ = true;
  join();
}

void HeadlineJob::join() {
  if (worker_.joinable())
    worker_.join();
}

void HeadlineJob::cancel() {
  ++generation_;
  waiting_.reset();
  cancel_ = true;
}

void HeadlineJob::start(std::shared_ptr<const moescope::ExplorerData> data,
                        moescope::ExplorerState state) {
  Request request{std::move(data), state};
  if (running_) {
    // Superseded: the one under way stops after its current cap, and this one follows.
    cancel_ = true;
    waiting_ = std::move(request);
    return;
  }
  run(std::move(request));
}

void HeadlineJob::run(Request request) {
  join();
  cancel_ = false;
  running_ = true;
  const std::uint64_t generation = ++generation_;
  worker_ = std::thread([this, generation, request = std::move(request)] {
    auto rows = std::make_shared<std::vector<moescope::CappedReadOut>>();
    moescope::ExplorerState state = request.state;
    state.replicate_intervals = true;
    const std::vector<double> caps = moescope::read_out_caps(*request.data);
    std::vector<std::optional<double>> columns(caps.begin(), caps.end());
    if (!caps.empty())
      columns.push_back(std::nullopt);
    // As capped_read_outs computes them, a cap at a time so that a newer request can cut in.
    for (const std::optional<double>& cap : columns) {
      if (cancel_)
        break;
      moescope::CappedReadOut row;
      row.cap = cap;
      state.max_total_params = cap;
      try {
        row.read_out = moescope::read_out(*request.data, state);
      } catch (const moescope::FitRefused& refused) {
        row.refused = refused.what();
      }
      rows->push_back(std::move(row));
    }
    const bool complete = !cancel_;
    const double budget = request.state.budget;
    QMetaObject::invokeMethod(
        this,
        [this, generation, complete, budget, rows] {
          running_ = false;
          if (waiting_) {
            Request next = std::move(*waiting_);
            waiting_.reset();
            run(std::move(next));
            return;
          }
          if (complete && generation == generation_)
            emit finished(budget, rows);
        },
        Qt::QueuedConnection);
  });
}

}  // namespace moescope::explorer

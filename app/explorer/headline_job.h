#pragma once

#include <QObject>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/read_out.h"

namespace moescope::explorer {

// The read-out's headline with its intervals (S* under a few caps, capped_read_outs with the
// replicates) on a worker thread: twenty bootstrap optima per cap cost a second or two, too long
// for the UI thread after every step of the budget slider. The window shows the point values at
// once and the intervals when they arrive.
//
// One computation at a time: a start() while one runs replaces any start() still waiting and
// runs once the current one ends (a computation checks for cancellation between caps). Signals
// are emitted on the thread that owns the job.
class HeadlineJob : public QObject {
  Q_OBJECT

 public:
  explicit HeadlineJob(QObject* parent = nullptr);
  // Stops the computation under way (after the cap it is on) and waits for it.
  ~HeadlineJob() override;

  void start(std::shared_ptr<const moescope::ExplorerData> data, moescope::ExplorerState state);
  // Drops the computation under way and any waiting; nothing more is reported.
  void cancel();
  bool isRunning() const { return running_; }

 signals:
  void finished(double budget, std::shared_ptr<std::vector<moescope::CappedReadOut>> rows);

 private:
  struct Request {
    std::shared_ptr<const moescope::ExplorerData> data;
    moescope::ExplorerState state;
  };
  void run(Request request);
  void join();

  std::thread worker_;
  std::atomic<bool> cancel_{false};
  std::optional<Request> waiting_;
  std::uint64_t generation_ = 0;
  bool running_ = false;
};

}  // namespace moescope::explorer

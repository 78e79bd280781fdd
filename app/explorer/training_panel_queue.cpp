// The training panel's queue: launching planned runs (on this machine or a host), cancelling and
// launching again, polling every executor's jobs, and handing the queue over at exit.
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QProcess>
#include <QSpinBox>
#include <algorithm>
#include <set>

#include "moescope/plan/planning.h"
#include "training_panel.h"

namespace moescope::explorer {

bool TrainingPanel::launchPlanned() {
  if (planned_.empty()) {
    say(tr("Nothing planned: plan a cell or the gaps first."), true);
    return false;
  }
  if (cost_.refused) {
    say(QString::fromStdString(cost_.refusal), true);
    return false;
  }
  QString problem;
  const std::optional<moescope::Host> host = chosenHost(&problem);
  if (!problem.isEmpty()) {
    say(problem, true);
    return false;
  }
  // A host trains with its own moescope-train; this machine needs one built here.
  if ((!host && trainer_.empty()) || !localQueue()) {
    say(tr("Runs cannot be trained here: %1").arg(message_->text()), true);
    return false;
  }
  const std::optional<std::filesystem::path> store = choose_store_ ? choose_store_() : std::nullopt;
  if (!store) {
    say(tr("Not launched: trained runs need a store (File > Open store)."), true);
    return false;
  }
  try {
    // Each spec trains in the folder of its name beside it: names in use are passed over.
    moescope::RunQueue& queue = host ? executors()->queue_for(*host) : *localQueue();
    const std::vector<std::filesystem::path> specs =
        moescope::write_specs(planned_, moescope::TrainingSettings{}, queue_directory_ / "runs",
                              moescope::SpecNames::kFresh);
    std::vector<moescope::JobRequest> requests;
    for (const std::filesystem::path& spec : specs) {
      requests.push_back({spec, spec.parent_path() / spec.stem(),
                          host ? std::vector<std::string>{host->trainer} : trainer_});
    }
    queue.set_concurrency_limit(concurrency_->value());
    queue.add(requests, *store);
  } catch (const std::exception& error) {
    say(tr("Not launched: %1").arg(QString::fromUtf8(error.what())), true);
    return false;
  }
  say(tr("Launched %1 runs on %2; they land in %3 as they finish.")
          .arg(planned_.size())
          .arg(host ? QString::fromStdString(host->name) : tr("this machine"))
          .arg(QString::fromStdString(store->string())));
  clearPlanned();
  poll();
  return true;
}

bool TrainingPanel::cancelJob(int id) {
  try {
    moescope::QueueExecutors* all = executors();
    const std::optional<moescope::Job> job = all ? all->queues().front().job(id) : std::nullopt;
    moescope::RunQueue* queue = job ? all->queue_of(job->executor) : nullptr;
    if (job && !queue) {
      say(tr("Run %1 trains on %2, which this window cannot reach: see moescope hosts list")
              .arg(id)
              .arg(QString::fromStdString(job->executor)),
          true);
      return false;
    }
    const bool cancelled = queue && queue->cancel(id);
    poll();
    return cancelled;
  } catch (const std::exception& error) {
    say(QString::fromUtf8(error.what()), true);
    return false;
  }
}

bool TrainingPanel::launchAgain(int id) {
  try {
    moescope::QueueExecutors* all = executors();
    const std::optional<moescope::Job> job = all ? all->queues().front().job(id) : std::nullopt;
    if (!job || !moescope::is_finished(job->state) || job->state == moescope::JobState::kDone) {
      say(tr("Only a failed or cancelled run can be launched again."), true);
      return false;
    }
    moescope::RunQueue* queue = all->queue_of(job->executor);
    if (!queue) {
      say(tr("Run %1 trained on %2, which is no longer in the host registry")
              .arg(id)
              .arg(QString::fromStdString(job->executor)),
          true);
      return false;
    }
    queue->add({job->request}, job->store);
  } catch (const std::exception& error) {
    say(tr("Not launched again: %1").arg(QString::fromUtf8(error.what())), true);
    return false;
  }
  say(tr("Run %1 launched again; it resumes from its checkpoint.").arg(id));
  poll();
  return true;
}

std::vector<moescope::Job> TrainingPanel::jobs() const {
  return executors_ ? executors_->queues().front().jobs() : std::vector<moescope::Job>{};
}

void TrainingPanel::poll() {
  moescope::QueueExecutors* queues = executors();
  if (!queues)
    return;
  try {
    moescope::QueueUpdate update;
    for (moescope::RunQueue& queue : queues->queues()) {
      // This machine's jobs need its trainer; a host's run with the host's.
      const bool local = &queue == &queues->queues().front();
      const moescope::QueueUpdate one =
          local && trainer_.empty() ? queue.refresh() : queue.update();
      update.finished.insert(update.finished.end(), one.finished.begin(), one.finished.end());
    }
    const std::vector<moescope::Job> all = queues->queues().front().jobs();
    showJobs(all);
    showHostStatus();
    std::set<std::filesystem::path> landed;
    for (const int id : update.finished) {
      const auto job =
          std::find_if(all.begin(), all.end(), [id](const moescope::Job& j) { return j.id == id; });
      if (job != all.end() && job->state != moescope::JobState::kCancelled)
        landed.insert(job->store);
    }
    for (const std::filesystem::path& store : landed)
      emit runsLanded(QString::fromStdString(store.string()));
  } catch (const std::exception& error) {
    say(QString::fromUtf8(error.what()), true);
  }
  showLossCurve();
}

bool TrainingPanel::handOverQueue() {
  if (!executors_)
    return false;
  const std::vector<moescope::Job> all = jobs();
  const bool waiting = std::any_of(all.begin(), all.end(), [](const moescope::Job& job) {
    return job.state == moescope::JobState::kQueued;
  });
  const QString moescope = QDir(QCoreApplication::applicationDirPath()).filePath("moescope");
  if (!waiting || !QFileInfo::exists(moescope))
    return false;
  return QProcess::startDetached(
      moescope, {"train", "drive", "--queue", QString::fromStdString(queue_directory_.string())});
}

}  // namespace moescope::explorer

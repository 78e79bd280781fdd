// The training panel's hosts: where launched runs train (this machine or a host of the registry),
// the chosen host's status, and the executors of every job in the queue's folder.
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <algorithm>

#include "moescope/launch/host_check.h"
#include "training_panel.h"

namespace moescope::explorer {
namespace {

// How long a check may take before the panel says the host does not answer.
constexpr std::chrono::seconds kCheckTimeout{20};

}  // namespace

QWidget* TrainingPanel::buildHostRow() {
  host_box_ = new QComboBox;
  host_box_->setObjectName(QStringLiteral("host"));
  host_box_->setToolTip(
      tr("Where launched runs train: this machine, or a host added with "
         "moescope hosts add (an SSH host or a Slurm cluster)"));
  host_box_->addItem(tr("this machine"), QString());
  auto* check_button = new QPushButton(tr("Chec&k host"));
  check_button->setToolTip(tr("Connect to the host: its trainer, GPU, free disk, partition"));
  connect(check_button, &QPushButton::clicked, this, &TrainingPanel::checkHost);
  connect(host_box_, &QComboBox::currentIndexChanged, this, [this] {
    host_check_.clear();
    showHostStatus();
    showPlanned();  // the wall times are the host's
  });
  host_status_ = new QLabel;
  host_status_->setWordWrap(true);
  host_status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  hostNames();

  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(tr("Train on")));
  layout->addWidget(host_box_);
  layout->addWidget(check_button);
  layout->addWidget(host_status_, 1);
  return row;
}

QStringList TrainingPanel::hostNames() {
  QStringList names;
  const QString chosen = host_box_->currentData().toString();
  try {
    for (const moescope::Host& host : moescope::read_hosts(moescope::default_hosts_file()))
      names << QString::fromStdString(host.name);
  } catch (const std::exception& error) {
    say(tr("The host registry cannot be read: %1").arg(QString::fromUtf8(error.what())), true);
  }
  const QSignalBlocker quiet(host_box_);
  while (host_box_->count() > 1)
    host_box_->removeItem(1);
  for (const QString& name : names)
    host_box_->addItem(name, name);
  host_box_->setCurrentIndex(std::max(0, host_box_->findData(chosen)));
  return names;
}

bool TrainingPanel::setHost(const QString& name) {
  hostNames();
  const int index = host_box_->findData(name);
  if (index < 0) {
    say(tr("No host '%1' in %2 (moescope hosts add)")
            .arg(name, QString::fromStdString(moescope::default_hosts_file().string())),
        true);
    return false;
  }
  host_box_->setCurrentIndex(index);
  return true;
}

QString TrainingPanel::host() const {
  return host_box_->currentData().toString();
}

std::optional<moescope::Host> TrainingPanel::chosenHost(QString* problem) const {
  if (host().isEmpty())
    return std::nullopt;
  try {
    const std::optional<moescope::Host> found = moescope::find_host(
        moescope::read_hosts(moescope::default_hosts_file()), host().toStdString());
    if (!found)
      *problem = tr("Host %1 is no longer in the registry (moescope hosts list)").arg(host());
    return found;
  } catch (const std::exception& error) {
    *problem = QString::fromUtf8(error.what());
    return std::nullopt;
  }
}

bool TrainingPanel::checkHost() {
  QString problem;
  const std::optional<moescope::Host> chosen = chosenHost(&problem);
  if (!chosen) {
    host_check_ = problem.isEmpty()
                      ? tr("this machine trains with %1")
                            .arg(trainer_.empty() ? tr("no moescope-train (not built here)")
                                                  : QString::fromStdString(trainer_.front()))
                      : problem;
    showHostStatus();
    return problem.isEmpty() && !trainer_.empty();
  }
  QGuiApplication::setOverrideCursor(Qt::WaitCursor);
  moescope::HostCheck check;
  try {
    check = moescope::check_host(*chosen, moescope::default_control_dir(), kCheckTimeout);
  } catch (const std::exception& error) {
    check.unreachable_reason = error.what();
  }
  QGuiApplication::restoreOverrideCursor();
  QStringList facts;
  for (const std::string& fact : check.facts)
    facts << QString::fromStdString(fact).trimmed();
  if (!check.reachable) {
    host_check_ =
        tr("unreachable: %1").arg(QString::fromStdString(check.unreachable_reason).trimmed());
  } else {
    host_check_ =
        (check.usable ? tr("usable") : tr("cannot train runs")) +
        (check.trainer_version.empty() ? QString()
                                       : "; " + QString::fromStdString(check.trainer_version));
  }
  host_status_->setToolTip(facts.join('\n'));
  showHostStatus();
  return check.usable;
}

QString TrainingPanel::hostStatus() const {
  return host_status_->text();
}

void TrainingPanel::showHostStatus() {
  int queued = 0;
  int running = 0;
  for (const moescope::Job& job : jobs()) {
    const bool here = host().isEmpty()
                          ? job.executor == "local"
                          : moescope::host_of_executor_kind(job.executor) == host().toStdString();
    if (!here)
      continue;
    queued += job.state == moescope::JobState::kQueued;
    running += job.state == moescope::JobState::kRunning;
  }
  QString text = tr("%1 queued, %2 running").arg(queued).arg(running);
  if (!host_check_.isEmpty())
    text += " · " + host_check_;
  host_status_->setText(text);
}

QString TrainingPanel::whereJobRuns(const moescope::Job& job) const {
  const std::string origin = executors_ ? executors_->origin(job) : std::string();
  return origin.empty() ? tr("this machine") : QString::fromStdString(origin);
}

moescope::QueueExecutors* TrainingPanel::executors() {
  try {
    if (!executors_) {
      executors_ = std::make_unique<moescope::QueueExecutors>(queue_directory_, false);
    } else {
      // A job another process launched to a host this panel has no executor for yet.
      const std::vector<moescope::Job> all = executors_->queues().front().jobs();
      const bool unknown = std::any_of(all.begin(), all.end(), [&](const moescope::Job& job) {
        return !executors_->knows(job.executor);
      });
      if (unknown)
        executors_ = std::make_unique<moescope::QueueExecutors>(queue_directory_, false);
    }
  } catch (const std::exception& error) {
    say(tr("No run queue: %1").arg(QString::fromUtf8(error.what())), true);
  }
  return executors_.get();
}

moescope::RunQueue* TrainingPanel::localQueue() {
  moescope::QueueExecutors* all = executors();
  return all ? &all->queues().front() : nullptr;
}

}  // namespace moescope::explorer

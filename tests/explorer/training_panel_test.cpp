// The explorer's training panel: cells and gaps become architectures through the core's planner,
// a refused cell says why, and a launched run of the real moescope-train is followed live and
// lands in the store; a cancelled run stops, lands nowhere, and can be launched again; a run
// launched to an SSH host (a real sshd on 127.0.0.1) shows its host and its live loss curve, copied
// back as it trains, and lands in the store as a remote run.
#include "training_panel.h"

#include <QDir>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

#include "default_data.h"
#include "moescope/io/run_table.h"
#include "moescope/launch/hosts.h"
#include "moescope/model/sparsity_law.h"
#include "moescope/store/run_store.h"
#include "support/ssh_server.h"

using namespace moescope::explorer;

namespace {

std::vector<std::string> trainer() {
  return {MOESCOPE_TRAIN_BINARY, "--data", MOESCOPE_BINARY_DIR "/training-data"};
}

// A small run: 64-token sequences, 8 to a step.
void use_tiny_batches(TrainingPanel& panel) {
  panel.findChild<QSpinBox*>("context")->setValue(64);
  panel.findChild<QSpinBox*>("batchSize")->setValue(8);
}

std::optional<moescope::Job> job_named(const TrainingPanel& panel, moescope::JobState state) {
  const std::vector<moescope::Job> jobs = panel.jobs();
  const auto found = std::find_if(jobs.begin(), jobs.end(),
                                  [&](const moescope::Job& job) { return job.state == state; });
  return found == jobs.end() ? std::nullopt : std::optional<moescope::Job>(*found);
}

}  // namespace

class TrainingPanelTest : public QObject {
  Q_OBJECT

 private slots:
  void plansACellWithinTheTolerance();
  void refusesAnImpossibleCellInline();
  void plansTheGapsAroundTheLawsOptimum();
  void launchedRunIsFollowedAndLandsInTheStore();
  void cancelledRunStopsAndLandsNowhere();
  void runLaunchedToAnSshHostIsFollowedLiveAndLandsAsRemote();
};

void TrainingPanelTest::plansACellWithinTheTolerance() {
  QTemporaryDir queue;
  TrainingPanel panel({}, queue.path().toStdString());
  QVERIFY2(panel.planCell(1e13, 1.75e6, 0.75), qPrintable(panel.message()));
  QCOMPARE(panel.plannedCount(), 1);
  QVERIFY2(panel.message().contains("Planned"), qPrintable(panel.message()));
  // Without a trainer nothing launches, and the panel says so.
  QVERIFY(!panel.launchPlanned());
  QVERIFY2(panel.message().contains("cannot be trained"), qPrintable(panel.message()));
}

void TrainingPanelTest::refusesAnImpossibleCellInline() {
  QTemporaryDir queue;
  TrainingPanel panel({}, queue.path().toStdString());
  // No E and K <= 8 give S = 0.3 exactly.
  QVERIFY(!panel.planCell(1e13, 2e6, 0.3));
  QCOMPARE(panel.plannedCount(), 0);
  QVERIFY2(panel.message().contains("0.3"), qPrintable(panel.message()));
}

void TrainingPanelTest::plansTheGapsAroundTheLawsOptimum() {
  QTemporaryDir queue;
  TrainingPanel panel({}, queue.path().toStdString());
  panel.setRuns(moescope::app::read_embedded(*moescope::app::embedded_data("synthetic")).runs);
  QVERIFY(!panel.planGaps(1e14));
  QVERIFY2(panel.message().contains("Eq. 6"), qPrintable(panel.message()));
  // At a budget the data do not have, every curve lacks every target size.
  panel.setLaw(moescope::SparsityLaw::table3());
  QVERIFY2(panel.planGaps(1e14), qPrintable(panel.message()));
  QVERIFY(panel.plannedCount() > 0);
  QVERIFY2(panel.message().startsWith("35 gaps"), qPrintable(panel.message()));
}

void TrainingPanelTest::launchedRunIsFollowedAndLandsInTheStore() {
  QTemporaryDir directory;
  const std::filesystem::path store = directory.filePath("runs.sqlite").toStdString();
  TrainingPanel panel(trainer(), directory.filePath("queue").toStdString());
  panel.setStoreChooser([&] { return std::optional(store); });
  QSignalSpy landed(&panel, &TrainingPanel::runsLanded);
  use_tiny_batches(panel);
  QVERIFY2(panel.planCell(3e10, 2.5e5, 0.5), qPrintable(panel.message()));
  QVERIFY2(panel.launchPlanned(), qPrintable(panel.message()));
  QCOMPARE(panel.plannedCount(), 0);

  QTRY_VERIFY_WITH_TIMEOUT(landed.count() == 1, 180'000);
  QCOMPARE(landed.first().first().toString(), QString::fromStdString(store.string()));
  const std::optional<moescope::Job> done = job_named(panel, moescope::JobState::kDone);
  QVERIFY2(done, qPrintable(panel.message()));
  panel.selectJob(done->id);
  QVERIFY(panel.lossCurvePoints() > 0);

  const std::vector<moescope::Run> runs = moescope::RunStore::open(store).runs();
  QCOMPARE(runs.size(), std::size_t{1});
  QVERIFY(runs.front().status == moescope::RunStatus::kDone);
  QVERIFY(runs.front().provenance == moescope::Provenance::kTrainedLocally);
  QCOMPARE(runs.front().sparsity.value_or(0), 0.5);
  QVERIFY(runs.front().loss.has_value());
}

void TrainingPanelTest::cancelledRunStopsAndLandsNowhere() {
  QTemporaryDir directory;
  const std::filesystem::path store = directory.filePath("runs.sqlite").toStdString();
  TrainingPanel panel(trainer(), directory.filePath("queue").toStdString());
  panel.setStoreChooser([&] { return std::optional(store); });
  use_tiny_batches(panel);
  // Thousands of steps: it is still training when cancelled.
  QVERIFY2(panel.planCell(3e12, 2.5e5, 0.5), qPrintable(panel.message()));
  QVERIFY(panel.launchPlanned());
  QTRY_VERIFY_WITH_TIMEOUT(job_named(panel, moescope::JobState::kRunning), 30'000);
  const int id = job_named(panel, moescope::JobState::kRunning)->id;
  QVERIFY(!panel.launchAgain(id));  // running: nothing to launch again
  QVERIFY(panel.cancelJob(id));
  const moescope::Job cancelled = *job_named(panel, moescope::JobState::kCancelled);
  QCOMPARE(moescope::RunStore::open(store).size(), std::size_t{0});

  // Launched again: a new job in the same run directory, where the trainer resumes.
  QVERIFY2(panel.launchAgain(cancelled.id), qPrintable(panel.message()));
  const std::vector<moescope::Job> all = panel.jobs();
  QCOMPARE(all.size(), std::size_t{2});
  QCOMPARE(all.back().request.out_dir, cancelled.request.out_dir);
  QVERIFY(!moescope::is_finished(all.back().state));
  QVERIFY(panel.cancelJob(all.back().id));
}

void TrainingPanelTest::runLaunchedToAnSshHostIsFollowedLiveAndLandsAsRemote() {
  if (const auto why = moescope::testing_support::SshServer::missing())
    QSKIP(why->c_str());
  QTemporaryDir directory;
  const std::filesystem::path folder = directory.path().toStdString();
  moescope::testing_support::SshServer server(folder / "sshd");
  // The registry of this test: one host, this machine's sshd, training with this build's trainer.
  const std::filesystem::path hosts_file = folder / "hosts.json";
  qputenv("MOESCOPE_HOSTS_FILE", QByteArray::fromStdString(hosts_file.string()));
  moescope::Host host;
  host.name = "loop";
  host.ssh = server.target();
  host.remote_dir = (folder / "remote").string();
  host.trainer = MOESCOPE_TRAIN_BINARY;
  host.data_dir = MOESCOPE_BINARY_DIR "/training-data";
  moescope::write_hosts(hosts_file, {host});

  const std::filesystem::path store = folder / "runs.sqlite";
  TrainingPanel panel(trainer(), folder / "queue");
  panel.resize(1400, 560);
  panel.setStoreChooser([&] { return std::optional(store); });
  QSignalSpy landed(&panel, &TrainingPanel::runsLanded);
  use_tiny_batches(panel);
  QCOMPARE(panel.hostNames(), QStringList{"loop"});
  QVERIFY(!panel.setHost("nowhere"));
  QVERIFY2(panel.setHost("loop"), qPrintable(panel.message()));
  QVERIFY2(panel.checkHost(), qPrintable(panel.hostStatus()));
  QVERIFY2(panel.hostStatus().contains("usable; moescope-train 0.1.0"),
           qPrintable(panel.hostStatus()));
  // About a thousand steps: the curve is seen while the run still trains on the host.
  QVERIFY2(panel.planCell(1e12, 2.5e5, 0.5), qPrintable(panel.message()));
  QVERIFY2(panel.launchPlanned(), qPrintable(panel.message()));
  QVERIFY2(panel.message().contains("on loop"), qPrintable(panel.message()));
  QTRY_VERIFY_WITH_TIMEOUT(job_named(panel, moescope::JobState::kRunning), 60'000);
  const moescope::Job running = *job_named(panel, moescope::JobState::kRunning);
  QCOMPARE(running.executor, std::string("ssh:loop"));
  QCOMPARE(panel.whereJobRuns(running), QString("loop"));
  const auto followed_live = [&] {
    panel.selectJob(running.id);
    return panel.lossCurvePoints() > 3 && job_named(panel, moescope::JobState::kRunning);
  };
  QTRY_VERIFY_WITH_TIMEOUT(followed_live(), 120'000);
  panel.show();
  QTest::qWait(200);
  const QString screenshots = QStringLiteral(MOESCOPE_BINARY_DIR "/tests/explorer/screenshots");
  QDir().mkpath(screenshots);
  QVERIFY(panel.grab().save(screenshots + "/training-panel-remote.png"));

  QTRY_VERIFY_WITH_TIMEOUT(landed.count() == 1, 300'000);
  const std::vector<moescope::Run> runs = moescope::RunStore::open(store).runs();
  QCOMPARE(runs.size(), std::size_t{1});
  QVERIFY(runs.front().status == moescope::RunStatus::kDone);
  QVERIFY(runs.front().provenance == moescope::Provenance::kRemote);
  QCOMPARE(runs.front().origin, std::string("loop"));
  qunsetenv("MOESCOPE_HOSTS_FILE");
}

QTEST_MAIN(TrainingPanelTest)
#include "training_panel_test.moc"

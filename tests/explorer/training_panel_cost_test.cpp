// The training panel states what a plan costs before Launch, as `moescope train plan` does: per
// run and in total, the refusal of runs over 4 epochs of the corpus (Launch refuses them until
// repeats are allowed), wall times from the chosen host's throughput table, and "Plan the gaps"
// at the slider's budget on the embedded synthetic grid (paper scale) planning the largest budget
// the corpus feeds. Writes the panel's picture.
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "default_data.h"
#include "moescope/io/run_table.h"
#include "moescope/model/sparsity_law.h"
#include "moescope/plan/plan_cost.h"
#include "training_panel.h"

using namespace moescope::explorer;

class TrainingPanelCostTest : public QObject {
  Q_OBJECT

 private slots:
  void init() {
    // No registry, hence no throughput table, unless a test writes one.
    qputenv("MOESCOPE_HOSTS_FILE", QByteArray(config_.filePath("hosts.json").toUtf8()));
  }
  void aRunOverFourEpochsIsRefusedUntilRepeatsAreAllowed();
  void wallTimesComeFromTheHostsTable();
  void theGapsAtTheSlidersBudgetOnTheSyntheticGridArePlannable();

 private:
  void write_table();
  QTemporaryDir config_;
};

void TrainingPanelCostTest::aRunOverFourEpochsIsRefusedUntilRepeatsAreAllowed() {
  QTemporaryDir queue;
  TrainingPanel panel({"/bin/true"}, queue.path().toStdString());
  // 1e15 FLOPs on 1.74e6 parameters: 5.1 epochs of debian-v1.
  QVERIFY2(panel.planCell(1e15, 1.74e6, 0.75), qPrintable(panel.message()));
  QVERIFY(panel.planCost().refused);
  const auto* note = panel.findChild<QLabel*>("costMessage");
  QVERIFY2(note->text().contains("5.1 epochs"), qPrintable(note->text()));
  QVERIFY2(note->text().contains("no throughput measured for host local; run "
                                 "`moescope hosts check local --benchmark`"),
           qPrintable(note->text()));
  QVERIFY(!panel.launchPlanned());
  QVERIFY2(panel.message().contains("repeat"), qPrintable(panel.message()));
  // The table has the run and a total row, with the epochs shown.
  const auto* table = panel.findChild<QTableWidget*>("planned");
  QCOMPARE(table->rowCount(), 2);
  QCOMPARE(table->item(0, 10)->text(), QStringLiteral("5.148"));
  QCOMPARE(table->item(0, 11)->text(), QStringLiteral("—"));
  panel.setAllowRepeats(true);
  QVERIFY(!panel.planCost().refused);
  QVERIFY2(!note->text().contains("5.1 epochs"), qPrintable(note->text()));
}

// A measured table for this machine: the configuration of d_model 128, 2 layers, E=4, K=1.
void TrainingPanelCostTest::write_table() {
  moescope::ThroughputRow row;
  row.d_model = 128;
  row.layers = 2;
  row.heads = 2;
  row.experts = 4;
  row.active = 1;
  row.context = 512;
  row.micro_batch_size = 32;
  row.tokens_per_s = 4e6;
  row.flops_per_s = 2e13;
  row.mfu = 0.025;
  moescope::write_throughput_table(config_.filePath("throughput/local.json").toStdString(),
                                   {"NVIDIA H100 80GB HBM3", 8e14, "2026-12-06", {row}});
}

void TrainingPanelCostTest::wallTimesComeFromTheHostsTable() {
  write_table();
  QTemporaryDir queue;
  TrainingPanel panel({"/bin/true"}, queue.path().toStdString());
  QVERIFY(panel.planCell(1e14, 1.74e6, 0.75));
  QVERIFY(panel.planCell(1e15, 1.74e6, 0.75));
  const moescope::PlanCost& cost = panel.planCost();
  QVERIFY(cost.runs[0].wall_seconds && cost.runs[1].wall_seconds);
  // The measured configuration itself: at least its FLOPs at 2e13 FLOP/s, plus validation.
  QVERIFY(*cost.runs[1].wall_seconds > 1e15 / 2e13);
  QCOMPARE(*cost.total.wall_seconds, *cost.runs[0].wall_seconds + *cost.runs[1].wall_seconds);
  const auto* table = panel.findChild<QTableWidget*>("planned");
  QCOMPARE(table->item(2, 11)->text(),
           QString::fromStdString(moescope::describe_duration(*cost.total.wall_seconds)));
  QFile::remove(config_.filePath("throughput/local.json"));
}

void TrainingPanelCostTest::theGapsAtTheSlidersBudgetOnTheSyntheticGridArePlannable() {
  QTemporaryDir queue;
  TrainingPanel panel({"/bin/true"}, queue.path().toStdString());
  panel.setRuns(moescope::app::read_embedded(*moescope::app::embedded_data("synthetic")).runs);
  panel.setLaw(moescope::SparsityLaw::table3());
  panel.setBudget(1e20);  // the window's default: the middle budget of the grid
  QVERIFY2(panel.planGaps(std::nullopt), qPrintable(panel.message()));
  QVERIFY2(panel.message().contains("instead"), qPrintable(panel.message()));
  QVERIFY(panel.plannedCount() > 0);
  QVERIFY2(!panel.planCost().refused, panel.planCost().refusal.c_str());
  for (const moescope::RunCost& run : panel.planCost().runs)
    QVERIFY(run.epochs <= moescope::kMaxUsefulEpochs);

  // The picture: those gaps, a cell over 4 epochs (refused) and a measured host whose total time
  // is over the limit set, all stated before Launch.
  QVERIFY(panel.planCell(1e15, 1.74e6, 0.75));
  QVERIFY(panel.planCost().refused);
  QVERIFY(!panel.planCost().runs.back().wall_seconds);
  write_table();
  panel.findChild<QDoubleSpinBox*>()->setValue(0.05);  // 3 min; re-reads the table
  QVERIFY(panel.planCost().total.wall_seconds);
  const QString note = panel.findChild<QLabel*>("costMessage")->text();
  QVERIFY2(note.contains("Warning: the plan takes about"), qPrintable(note));
  QVERIFY2(note.contains("5.1 epochs"), qPrintable(note));
  QVERIFY2(note.contains("Total of"), qPrintable(note));

  panel.resize(1400, 900);
  panel.show();
  QTest::qWait(200);
  const QString screenshots = QStringLiteral(MOESCOPE_BINARY_DIR "/tests/explorer/screenshots");
  QDir().mkpath(screenshots);
  QVERIFY(panel.grab().save(screenshots + "/training-panel-plan-cost.png"));
  QFile::remove(config_.filePath("throughput/local.json"));
}

QTEST_MAIN(TrainingPanelCostTest)
#include "training_panel_cost_test.moc"

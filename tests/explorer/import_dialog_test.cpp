// The explorer's import dialog with the command line's curation (--where, --best-of,
// --ignore-unknown), driven against real files and a real temporary run store: the preview, bad
// files, rules and mappings shown inline, and a store that refuses the import.
#include "import_dialog.h"

#include <sqlite3.h>

#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <optional>
#include <vector>

#include "data_views_runs.h"
#include "moescope/store/run_store.h"

using namespace moescope::explorer;

namespace {

using moescope::Run;
using moescope::explorer::testing_support::kGoodCsv;
using moescope::explorer::testing_support::makeRun;
using moescope::explorer::testing_support::readCsv;

QString writeFile(const QString& path, const QByteArray& contents) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
    qFatal("cannot write the fixture %s", qPrintable(path));
  return path;
}

// The bytes the store occupies on disk: its file and, in WAL mode, the log not yet checkpointed.
qint64 storeBytes(const QString& path) {
  return QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
}

// Makes the store refuse every insert, as a full disk or a broken file would, through a trigger
// added behind the RunStore's back.
bool makeStoreRefuseInserts(const QString& store_path) {
  sqlite3* db = nullptr;
  const bool refused = sqlite3_open(QFile::encodeName(store_path).constData(), &db) == SQLITE_OK &&
                       sqlite3_exec(db,
                                    "CREATE TRIGGER refuse_inserts BEFORE INSERT ON runs "
                                    "BEGIN SELECT RAISE(ABORT, 'inserts refused by the test'); END",
                                    nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return refused;
}

// Pictures the Qt tests take for docs/images, kept in the build tree.
QString screenshotPath(const QString& name) {
  const QString directory = QStringLiteral(MOESCOPE_BINARY_DIR "/tests/explorer/screenshots");
  QDir().mkpath(directory);
  return QDir(directory).filePath(name);
}

// More than a background: enough distinct colours.
bool looksDrawn(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 3) {
    for (int x = 0; x < image.width(); x += 3)
      colours.insert(image.pixel(x, y));
  }
  return colours.size() > 20;
}

QPushButton* importButtonOf(const ImportDialog& dialog) {
  const auto* buttons = dialog.findChild<QDialogButtonBox*>();
  for (QAbstractButton* button : buttons->buttons()) {
    if (buttons->buttonRole(button) == QDialogButtonBox::AcceptRole)
      return qobject_cast<QPushButton*>(button);
  }
  return nullptr;
}

// Two experiments (dataset), a learning-rate sweep and a seed column: what --where, --best-of and
// --ignore-unknown are for.
const QByteArray kSweepCsv =
    "name,N,D,loss,lr,dataset,seed\n"
    "a,1e8,2e9,3.0,1e-3,rw,1\n"
    "a,1e8,2e9,2.9,3e-3,rw,1\n"
    "b,2e8,2e9,2.8,1e-3,rw,1\n"
    "b,2e8,2e9,2.7,3e-3,rw,1\n"
    "c,4e8,2e9,2.6,1e-3,c4,1\n";

}  // namespace

class ImportDialogTest : public QObject {
  Q_OBJECT

 private slots:
  // Each test gets its own folder, so no store or fixture leaks from one test into the next.
  void init() {
    temp_dir_.emplace();
    QVERIFY(temp_dir_->isValid());
  }
  void cleanup() { temp_dir_.reset(); }

  void importDialogPreviewsAndImportsAGoodFile() {
    const QString csv = writeFile(tempPath(QStringLiteral("good.csv")), kGoodCsv);
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    store.insert({makeRun("already there", 5e8)});
    ImportDialog dialog(store);
    QVERIFY(!dialog.canImport());

    dialog.setFilePath(csv);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 3);
    QVERIFY(dialog.canImport());
    QVERIFY(importButtonOf(dialog)->isEnabled());

    dialog.show();
    QTest::mouseClick(importButtonOf(dialog), Qt::LeftButton);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
    QCOMPARE(store.size(), std::size_t{4});
    QCOMPARE(dialog.lastSummary(), QStringLiteral("Imported 3 runs from good.csv"));

    // The same file again adds nothing and says so.
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{4});
    QCOMPARE(dialog.lastSummary(),
             QStringLiteral("Imported 0 runs from good.csv (3 already in the store)"));
  }

  void importDialogCuratesAsTheCommandLineDoes() {
    const QString csv = writeFile(tempPath(QStringLiteral("sweep.csv")), kSweepCsv);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    const qint64 bytes_before = storeBytes(store_path);
    ImportDialog dialog(store);

    // Unknown columns stop the import, each named, and nothing is written.
    dialog.setFilePath(csv);
    QVERIFY2(dialog.errorText().contains(
                 csv + QStringLiteral(":1: columns that map to no field: 'dataset', 'seed'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());
    QVERIFY(!dialog.importNow());
    QCOMPARE(store.size(), std::size_t{0});
    QCOMPARE(storeBytes(store_path), bytes_before);

    // A rule that reads a column accounts for it; the other is still named.
    dialog.setWhere(QStringLiteral("dataset == \"rw\""));
    QVERIFY(dialog.whereError().isEmpty());
    QVERIFY2(dialog.errorText().contains(QStringLiteral("column that maps to no field: 'seed'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.errorText().contains(QStringLiteral("'dataset'")));
    QVERIFY(!dialog.canImport());

    dialog.setIgnoreUnknown(true);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 4);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("4 runs to import (1 of 5 rows left out by --where):"));

    dialog.setBestOf(QStringLiteral("lr"));
    QCOMPARE(dialog.previewRunCount(), 2);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("2 runs to import (1 of 5 rows left out by --where; 4 rows as the "
                            "best 2 runs by --best-of):"));

    // The dialog with its new controls, for docs/images/explorer-import.png.
    dialog.resize(1100, 520);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    const QImage picture = dialog.grab().toImage();
    QVERIFY(looksDrawn(picture));
    QVERIFY(picture.save(screenshotPath(QStringLiteral("explorer-import.png"))));

    QVERIFY(dialog.importNow());
    QCOMPARE(dialog.lastSummary(),
             QStringLiteral("Imported 2 runs from sweep.csv (1 of 5 rows left out by --where; 4 "
                            "rows as the best 2 runs by --best-of)"));
    const std::vector<Run> stored = store.runs();
    QCOMPARE(stored.size(), std::size_t{2});
    QCOMPARE(*stored[0].loss, 2.9);  // the better learning rate of each size
    QCOMPARE(*stored[1].loss, 2.7);
    QCOMPARE(stored[0].best_of, 2);
  }

  void importDialogShowsABadRuleInlineAndReadsNothing() {
    const QString csv = writeFile(tempPath(QStringLiteral("sweep.csv")), kSweepCsv);
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setIgnoreUnknown(true);
    dialog.setFilePath(csv);
    QCOMPARE(dialog.previewRunCount(), 5);

    dialog.setWhere(QStringLiteral("loss < lots"));
    QVERIFY2(dialog.whereError().contains(QStringLiteral("--where")) &&
                 dialog.whereError().contains(QStringLiteral("'lots' is not a number")),
             qPrintable(dialog.whereError()));
    auto* shown = dialog.findChild<QLabel*>(QStringLiteral("whereError"));
    QVERIFY(shown && !shown->isHidden() && shown->text() == dialog.whereError());
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.canImport());
    QVERIFY(!importButtonOf(dialog)->isEnabled());
    QVERIFY(dialog.previewSummary().contains(QStringLiteral("until the rule (--where) is fixed")));

    // Typed, the rule is checked as the user pauses.
    auto* where_field = dialog.findChild<QLineEdit*>(QStringLiteral("where"));
    where_field->clear();
    QTest::keyClicks(where_field, QStringLiteral("loss < 2.75"));
    QTRY_COMPARE(dialog.previewRunCount(), 2);
    QVERIFY(dialog.whereError().isEmpty());
    QVERIFY(shown->isHidden());
    QVERIFY(dialog.canImport());
  }

  void importDialogSaysRepeatedRowsAreRunsOfTheirOwn() {
    const QString csv = writeFile(tempPath(QStringLiteral("twice.csv")),
                                  "name,N,D,loss\nsame,1e8,2e9,3.0\nsame,1e8,2e9,3.0\n"
                                  "other,2e8,2e9,2.9\n");
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    QCOMPARE(dialog.previewRunCount(), 3);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("3 runs to import (1 row repeats an earlier row, a run of its own):"));
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{3});
    QCOMPARE(dialog.lastSummary(), QStringLiteral("Imported 3 runs from twice.csv"));
  }

  void importDialogReadsJsonAndNamesAnUnknownFileType() {
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setFilePath(writeFile(tempPath(QStringLiteral("runs.json")),
                                 R"({"format": "moescope-runs", "version": 1, "runs": [
                                       {"name": "a", "N": 1e8, "D": 2e9, "loss": 2.5},
                                       {"name": "b", "N": 2e8, "D": 2e9, "loss": 2.4}]})"));
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 2);

    const QString text_file = writeFile(tempPath(QStringLiteral("runs.txt")), kGoodCsv);
    dialog.setFilePath(text_file);
    QVERIFY2(dialog.errorText().contains(text_file + QStringLiteral(": unknown file type '.txt'")),
             qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.canImport());
  }

  void storeThatRefusesTheImportKeepsTheDialogOpen() {
    const QString csv = writeFile(tempPath(QStringLiteral("good.csv")), kGoodCsv);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    QVERIFY(makeStoreRefuseInserts(store_path));
    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    QVERIFY(dialog.canImport());

    dialog.show();
    QTest::mouseClick(importButtonOf(dialog), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("inserts refused by the test")),
             qPrintable(dialog.errorText()));
    QVERIFY(dialog.lastSummary().isEmpty());
    QCOMPARE(store.size(), std::size_t{0});
    // Nothing was wrong with the file: a retry stays possible.
    QVERIFY(dialog.canImport());
  }

  void importDialogRejectsABadFileAndLeavesTheStoreAlone_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");
    QTest::newRow("non-numeric N on line 3")
        << QByteArray("name,N,D,loss\na,1e8,2e9,2.5\nb,abc,2e9,2.4\n") << 3 << "N"
        << "not a number: 'abc'";
    QTest::newRow("required column heads missing")
        << QByteArray("name,d_model,layers,experts,active,D,loss\nmoe,512,8,8,2,2e9,2.5\n") << 2
        << "heads"
        << "missing: an architecture";
  }

  void importDialogRejectsABadFileAndLeavesTheStoreAlone() {
    QFETCH(QByteArray, contents);
    QFETCH(int, line);
    QFETCH(QString, field);
    QFETCH(QString, message);
    const QString csv = writeFile(tempPath(QStringLiteral("bad.csv")), contents);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    store.insert(readCsv(kGoodCsv.toStdString()));
    const std::vector<Run> runs_before = store.runs();
    const qint64 bytes_before = storeBytes(store_path);

    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    const QString expected =
        QStringLiteral("%1:%2: field %3: %4").arg(csv).arg(line).arg(field, message);
    QVERIFY2(dialog.errorText().contains(expected),
             qPrintable(dialog.errorText() + QStringLiteral("\ndoes not contain\n") + expected));
    QVERIFY(!dialog.canImport());
    QVERIFY(!importButtonOf(dialog)->isEnabled());
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.importNow());
    QVERIFY(dialog.lastSummary().isEmpty());

    QVERIFY(store.runs() == runs_before);
    QCOMPARE(storeBytes(store_path), bytes_before);
  }

  void badMappingIsReportedAndAGoodOneMakesTheFileImportable() {
    const QString csv = writeFile(tempPath(QStringLiteral("renamed.csv")),
                                  "name,d_model,n_layers,heads,experts,active,D,loss\n"
                                  "moe-a,512,8,8,8,2,2e9,2.5\n"
                                  "moe-b,768,12,12,16,2,4e9,2.3\n");
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);

    dialog.setFilePath(csv);
    // The column the file calls n_layers is named at the header, as the likely typo it is.
    QVERIFY2(dialog.errorText().contains(
                 csv + QStringLiteral(":1: column that maps to no field: 'n_layers' (a typo of "
                                      "layers?)")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());

    dialog.setMapping(QStringLiteral("depth=n_layers"));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("unknown field 'depth'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());

    // Typed, the preview follows as the user pauses.
    auto* mapping_field = dialog.findChild<QLineEdit*>(QStringLiteral("mapping"));
    mapping_field->clear();
    QTest::keyClicks(mapping_field, QStringLiteral("layers=n_layers"));
    QTRY_COMPARE(dialog.previewRunCount(), 2);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QVERIFY(importButtonOf(dialog)->isEnabled());
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{2});
    QCOMPARE(store.runs().at(1).architecture->n_layers, 12);
  }

 private:
  QString tempPath(const QString& name) const { return temp_dir_->filePath(name); }

  std::optional<QTemporaryDir> temp_dir_;
};

QTEST_MAIN(ImportDialogTest)
#include "import_dialog_test.moc"

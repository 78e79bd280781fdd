// Fit > New Law (issue 18): the law editor shows the law engine's parse errors inline, at their
// column, and disables Fit until the law parses; a tiny fit on the default data joins the
// window's collection of fits, Figure 2b draws it over the main law and the residual view shows
// one point per run it can be evaluated at. With MOESCOPE_SCREENSHOTS=DIR it saves the editor
// with an error to DIR/law-editor.png.
#include <QApplication>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QTextBlock>
#include <memory>

#include "law_editor_dialog.h"
#include "main_window.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/law_collection.h"
#include "run_source.h"

using namespace moescope::explorer;

class LawEditorTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void parseErrorIsInlineAtItsColumn();
  void fixedLawEnablesFitAndCountsStarts();
  void tinyFitJoinsTheFitsAndItsResidualsShow();
  void figureDrawsTheUserLawOverTheMainOne();
  void cleanupTestCase();

 private:
  std::unique_ptr<MainWindow> window_;
  LawEditorDialog* editor_ = nullptr;
};

void LawEditorTest::initTestCase() {
  window_ = std::make_unique<MainWindow>(moescope::ExplorerLoadOptions::quick());
  window_->resize(1500, 950);
  window_->openSource(RunSource::defaultData());
  window_->show();
  QVERIFY2(window_->waitForFit(), qPrintable(window_->fitStatus()));
  editor_ = window_->openLawEditor();
  QVERIFY(editor_ != nullptr);
  QVERIFY(editor_->law().has_value());  // the starter law parses
}

void LawEditorTest::parseErrorIsInlineAtItsColumn() {
  QPlainTextEdit* expression = editor_->expressionEditor();
  expression->clear();
  // Typed, as a user would: every keystroke is parsed.
  QTest::keyClicks(expression, "E0 + A / N^alpah");
  QVERIFY(!editor_->law().has_value());
  // 'alpah' starts at column 12.
  QVERIFY2(editor_->errorText().contains("expression:1:12: unknown name 'alpah'"),
           qPrintable(editor_->errorText()));
  QVERIFY(editor_->errorText().contains("did you mean 'alpha'"));
  QVERIFY(!editor_->canFit());
  QVERIFY(!editor_->findChild<QPushButton*>("lawFit")->isEnabled());
  const QList<QTextEdit::ExtraSelection> marks = expression->extraSelections();
  QCOMPARE(marks.size(), 1);
  QCOMPARE(marks.front().cursor.selectionStart(), 11);
  if (const QByteArray directory = qgetenv("MOESCOPE_SCREENSHOTS"); !directory.isEmpty()) {
    QApplication::processEvents();
    QVERIFY(editor_->grab().save(QString::fromUtf8(directory) + "/law-editor.png"));
  }
}

void LawEditorTest::fixedLawEnablesFitAndCountsStarts() {
  QPlainTextEdit* expression = editor_->expressionEditor();
  QTest::keyClick(expression, Qt::Key_End);
  for (int i = 0; i < 3; ++i)
    QTest::keyClick(expression, Qt::Key_Backspace);
  QTest::keyClicks(expression, "pha");
  QCOMPARE(expression->toPlainText(), QStringLiteral("E0 + A / N^alpha"));
  QVERIFY2(editor_->errorText().isEmpty(), qPrintable(editor_->errorText()));
  QVERIFY(editor_->law().has_value());
  QVERIFY(editor_->canFit());
  QVERIFY(expression->extraSelections().isEmpty());
  QCOMPARE(editor_->startsText(), QStringLiteral("2 \u00d7 2 \u00d7 2 = 8 starts"));
}

void LawEditorTest::tinyFitJoinsTheFitsAndItsResidualsShow() {
  // Two parameters, four starts: L = A / N^alpha.
  editor_->expressionEditor()->setPlainText("A / N^alpha");
  QTableWidget* table = editor_->parameterTable();
  table->removeRow(0);  // E0
  QVERIFY2(editor_->law().has_value(), qPrintable(editor_->errorText()));
  QCOMPARE(editor_->startsText(), QStringLiteral("2 \u00d7 2 = 4 starts"));
  QVERIFY(editor_->startFit());
  QVERIFY(editor_->isFitting() || editor_->summaryText().contains("objective"));
  QVERIFY2(editor_->waitForFit(), qPrintable(editor_->summaryText()));
  QCOMPARE(window_->lawFits().size(), std::size_t{1});
  QVERIFY2(editor_->summaryText().contains("objective"), qPrintable(editor_->summaryText()));
  QVERIFY(editor_->summaryText().contains("alpha"));

  // Its residuals: one per finished run with N and a loss.
  const moescope::FitResiduals expected =
      moescope::user_fit_residuals(window_->lawFits().at(0), window_->runs());
  QVERIFY(expected.residuals.size() > 50);
  window_->setResidualFit(0);
  QVERIFY(window_->showView("residuals"));
  const moescope::Figure* residuals = window_->currentFigure();
  QVERIFY(residuals != nullptr);
  QCOMPARE(residuals->id, moescope::FigureId::kResiduals);
  std::size_t points = 0;
  for (const moescope::Series& series : residuals->points)
    points += series.x.size();
  QCOMPARE(points, expected.residuals.size());
  QVERIFY(residuals->title.find("RMS") != std::string::npos);
  // By sparsity instead of budget: the same points, other groups.
  window_->setResidualColouring(moescope::ResidualColouring::kSparsity);
  points = 0;
  for (const moescope::Series& series : window_->currentFigure()->points) {
    QVERIFY(series.sparsity.has_value());
    points += series.x.size();
  }
  QCOMPARE(points, expected.residuals.size());
}

void LawEditorTest::figureDrawsTheUserLawOverTheMainOne() {
  QVERIFY(window_->showView("loss-vs-params"));
  const moescope::Figure* figure = window_->currentFigure();
  QVERIFY(figure != nullptr);
  std::size_t user = 0, main = 0;
  for (const moescope::Series& curve : figure->curves) {
    user += curve.fit_colour.has_value() ? 1 : 0;
    main += curve.kind == moescope::SeriesKind::kLaw ? 1 : 0;
  }
  QVERIFY(main > 0);
  QCOMPARE(user, main);  // one per curve of the main law
  // Hidden: none.
  window_->lawFits().set_visible(0, false);
  window_->onLawFitsChanged();
  for (const moescope::Series& curve : window_->currentFigure()->curves)
    QVERIFY(!curve.fit_colour.has_value());
}

void LawEditorTest::cleanupTestCase() {
  window_.reset();
}

QTEST_MAIN(LawEditorTest)
#include "law_editor_test.moc"

// The window on data that cannot answer everything (issue 11): dense data gets no sparsity
// recommendation and its sparsity views say why they are empty; a refused law leaves the runs,
// the surface and the refusal in the status bar and the read-out; a budget beyond the data is
// hatched on the slider and flagged in the read-out; the headline's caps are the read-outs at
// those caps; Figure 6 validates the law across budgets on a worker thread; the law's form
// follows the data by default and is saved with the session.
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>

#include "budget_slider.h"
#include "explorer_session.h"
#include "figure_view.h"
#include "fit_settings_dialog.h"
#include "main_window.h"
#include "moescope/explore/read_out.h"
#include "moescope/explore/validation.h"
#include "moescope/io/number_format.h"
#include "moescope/io/run_table.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "read_out_panel.h"
#include "support/routed_lm_law.h"

using namespace moescope::explorer;

namespace {

QString brief(double value) {
  return QString::fromStdString(moescope::format_brief(value));
}

// A runs file in `directory`, returned as the source to open.
RunSource writeRuns(const QTemporaryDir& directory, const QString& name,
                    const std::vector<moescope::Run>& runs) {
  const QString path = directory.filePath(name);
  moescope::write_runs(path.toStdString(), runs);
  return RunSource::file(path);
}

// Routed-LM results: N, S and the loss at one token count, no architecture and no C.
std::vector<moescope::Run> routedRuns() {
  std::vector<moescope::Run> runs;
  for (const auto& routed : moescope::testing_support::routed_runs(0.002, 7)) {
    moescope::Run run;
    run.total_params = routed.total_params;
    run.sparsity = routed.sparsity;
    run.loss = routed.loss;
    run.tokens = 1.3e11;
    run.status = moescope::RunStatus::kDone;
    runs.push_back(run);
  }
  return runs;
}

}  // namespace

class HonestWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void denseDataGetsNoSparsityRecommendation();
  void aReadOutNoRefitMovedShowsNoZeroWidthInterval();
  void aRefusedLawLeavesTheRunsTheSurfaceAndTheMessage();
  void aBudgetBeyondTheDataIsHatchedAndFlagged();
  void theHeadlineRowsAreTheReadOutsAtTheirCaps();
  void figureSixValidatesAcrossBudgets();
  void theFormFollowsTheDataByDefaultAndIsSaved();

 private:
  QTemporaryDir directory_;
};

void HonestWindowTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
  QCoreApplication::setOrganizationName("MoEScopeTest");
  QCoreApplication::setApplicationName("honest_window_test");
  QVERIFY(directory_.isValid());
}

// MoEScope's own study read through Eq. 6 puts S* at 0 in every bootstrap refit: the panel says
// so rather than show "[0, 0]", which would read as certainty.
void HonestWindowTest::aReadOutNoRefitMovedShowsNoZeroWidthInterval() {
  moescope::ReadOut read_out;
  read_out.budget = 3e14;
  read_out.point = {0.0, 3.2e5, 3.2e5, 1.6e8, 1.18, false, false};
  moescope::BudgetOptimumIntervals intervals;
  intervals.sparsity = {0.0, 0.0};
  intervals.total_params = {2.5e5, 5.3e5};
  intervals.active_params = {2.5e5, 5.3e5};
  intervals.tokens = {9.4e7, 2.0e8};
  intervals.loss = {1.106, 1.26};
  intervals.replicates_used = 100;
  read_out.intervals = intervals;
  ReadOutPanel panel;
  panel.showReadOut(read_out, {}, std::nullopt);
  QVERIFY2(panel.text().contains("S*  0  (every refit)"), qPrintable(panel.text()));
  QVERIFY2(!panel.text().contains("[0, 0]"), qPrintable(panel.text()));
  QVERIFY2(panel.text().contains("[2.5e5, 5.3e5]"), qPrintable(panel.text()));
}

void HonestWindowTest::denseDataGetsNoSparsityRecommendation() {
  moescope::SyntheticGridOptions grid;
  grid.sparsities = {0.0};
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(writeRuns(directory_, "dense.csv", moescope::generate_synthetic_grid(grid)));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  QVERIFY2(window.fitStatus().startsWith("Chinchilla-form law (S = 0) fitted to"),
           qPrintable(window.fitStatus()));

  auto* panel = window.findChild<ReadOutPanel*>();
  QVERIFY(panel);
  QVERIFY2(panel->lawDescription().contains("No sparsity recommendation"),
           qPrintable(panel->lawDescription()));
  QVERIFY2(panel->lawDescription().contains("Eq. 6's sparsity terms are not identified"),
           qPrintable(panel->lawDescription()));
  QVERIFY2(panel->text().startsWith("S*  0 (fixed: one level)"), qPrintable(panel->text()));
  QVERIFY(!panel->text().contains("N <= "));  // no caps headline
  QVERIFY(window.cappedReadOuts().empty());
  QCOMPARE(window.readOut().point.sparsity, 0.0);

  // Every sparsity view is empty and says why, on screen.
  auto* tabs = window.findChild<QTabWidget*>();
  for (const char* name :
       {"loss-vs-sparsity", "optimal-params-vs-sparsity", "optimal-active-vs-sparsity",
        "optimal-loss-vs-sparsity", "optimal-sparsity-vs-params"}) {
    QVERIFY(window.showView(name));
    QApplication::processEvents();
    const moescope::Figure* figure = window.currentFigure();
    QVERIFY(figure);
    QVERIFY2(figure->curves.empty() && figure->points.empty(), name);
    auto* view = tabs->currentWidget()->findChild<FigureView*>();
    if (view == nullptr)
      view = qobject_cast<FigureView*>(tabs->currentWidget());
    QVERIFY(view);
    QVERIFY2(view->shownMessage().startsWith("The data has one sparsity level, S = 0"),
             qPrintable(view->shownMessage()));
  }
  QVERIFY(window.showView("surface"));
  QVERIFY2(QString::fromStdString(window.surfaceScene().message).contains("one sparsity level"),
           window.surfaceScene().message.c_str());
  QVERIFY(window.surfaceScene().z.empty());
  // The dense views are there: loss against size per budget, N* and D* against the budget.
  QVERIFY(window.showView("loss-vs-params"));
  QVERIFY(!window.currentFigure()->curves.empty() && !window.currentFigure()->points.empty());
  for (const char* name : {"optimal-params-vs-budget", "optimal-tokens-vs-budget"}) {
    QVERIFY(window.showView(name));
    QVERIFY2(!window.currentFigure()->points.empty(), name);
    QVERIFY2(window.currentFigure()->message.empty(), window.currentFigure()->message.c_str());
  }
}

void HonestWindowTest::aRefusedLawLeavesTheRunsTheSurfaceAndTheMessage() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(writeRuns(directory_, "routed.csv", routedRuns()));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  const moescope::ExplorerData* data = window.data();
  QVERIFY(data && !data->law);
  const QString refusal = QString::fromStdString(data->law_refused);
  QVERIFY(!refusal.isEmpty());
  // The status bar and the read-out say that the law was refused, and why.
  QVERIFY2(window.fitStatus().startsWith("Law refused: " + refusal),
           qPrintable(window.fitStatus()));
  auto* panel = window.findChild<ReadOutPanel*>();
  QVERIFY2(panel->text().contains(refusal), qPrintable(panel->text()));
  QCOMPARE(window.runs().size(), std::size_t{56});
  // The runs' surface, with its runs, and no law over it.
  QVERIFY(window.showView("surface"));
  const SurfaceScene& scene = window.surfaceScene();
  QVERIFY2(QString::fromStdString(scene.title).startsWith("Eq. 8 IsoFLOP surface"),
           scene.title.c_str());
  // Those without C (49: the dense runs have C = 6 N D, each a budget of its own).
  QCOMPARE(data->surfaces.size(), std::size_t{1});
  QCOMPARE(scene.points.size(), data->surfaces[0].points);
  QCOMPARE(scene.points.size(), std::size_t{49});
  QVERIFY(!scene.z.empty() && scene.overlay_z.empty());
  // Figure 6 cannot validate a law there is none of.
  QVERIFY(!window.setValidationScheme(moescope::ValidationScheme::kForward));
  QVERIFY(window.showView("law-fit-vs-held-out"));
  QVERIFY2(QString::fromStdString(window.currentFigure()->message).contains(refusal),
           window.currentFigure()->message.c_str());
}

void HonestWindowTest::aBudgetBeyondTheDataIsHatchedAndFlagged() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::embedded("synthetic"));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  auto* slider = window.findChild<BudgetSlider*>("budgetSlider");
  QVERIFY(slider);
  // The data's budgets are 3e19 .. 1e21: hatched below 1.5e19 and above 2e21.
  QVERIFY(slider->extrapolatedBelow() && slider->extrapolatedAbove());
  QCOMPARE(slider->dataBudgetPositions().size(), std::size_t{5});
  QVERIFY(slider->isExtrapolated(slider->maximum()));
  QVERIFY(slider->isExtrapolated(slider->minimum()));
  auto position = [&](double budget) {
    int best = 0;
    for (int p = 0; p <= MainWindow::sliderSteps(); ++p) {
      if (std::abs(std::log(window.budgetAtPosition(p) / budget)) <
          std::abs(std::log(window.budgetAtPosition(best) / budget)))
        best = p;
    }
    return best;
  };
  QVERIFY(!slider->isExtrapolated(position(1e20)));
  QVERIFY(!slider->isExtrapolated(position(1.9e21)));
  QVERIFY(slider->isExtrapolated(position(2.2e21)));

  window.setBudget(5e21);
  QVERIFY(window.budgetIsExtrapolated());
  QVERIFY(window.readOut().extrapolation && window.readOut().extrapolation->budget);
  auto* panel = window.findChild<ReadOutPanel*>();
  QVERIFY2(panel->text().contains("Extrapolated") &&
               panel->text().contains("C = 5e21 is 5 times above the data's largest budget"),
           qPrintable(panel->text()));
  auto* label = window.findChild<QLabel*>("budgetLabel");
  QVERIFY2(label->text().contains("Extrapolated"), qPrintable(label->text()));
  QVERIFY(window.showView("surface"));
  QVERIFY2(QString::fromStdString(window.surfaceScene().title).contains("extrapolated"),
           window.surfaceScene().title.c_str());

  window.setBudget(1e20);
  QVERIFY(!window.budgetIsExtrapolated());
  QVERIFY(!panel->text().contains("Extrapolated"));
  QVERIFY(!label->text().contains("Extrapolated"));
}

void HonestWindowTest::theHeadlineRowsAreTheReadOutsAtTheirCaps() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::embedded("synthetic"));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  window.setBudget(3e20);
  // Point values at once; the intervals come from a worker thread.
  QCOMPARE(window.cappedBudget().value_or(0), 3e20);
  window.waitForHeadline();
  const std::vector<moescope::CappedReadOut>& rows = window.cappedReadOuts();
  moescope::ExplorerState state;
  state.budget = 3e20;
  const std::vector<moescope::CappedReadOut> expected =
      moescope::capped_read_outs(*window.data(), state);
  QCOMPARE(rows.size(), expected.size());
  QVERIFY(rows.size() >= 2);
  auto* panel = window.findChild<ReadOutPanel*>();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    QVERIFY(rows[i].read_out && expected[i].read_out);
    QCOMPARE(rows[i].cap, expected[i].cap);
    QCOMPARE(rows[i].read_out->point.sparsity, expected[i].read_out->point.sparsity);
    QVERIFY(rows[i].read_out->intervals && expected[i].read_out->intervals);
    QCOMPARE(rows[i].read_out->intervals->sparsity.lo,
             expected[i].read_out->intervals->sparsity.lo);
    QCOMPARE(rows[i].read_out->intervals->sparsity.hi,
             expected[i].read_out->intervals->sparsity.hi);
    const QString line = (rows[i].cap ? "N <= " + brief(*rows[i].cap) : QString("no cap")) + "  " +
                         QString::fromStdString(moescope::sparsity_cell(expected[i]));
    QVERIFY2(panel->text().split('\n').contains(line),
             qPrintable(line + " not in\n" + panel->text()));
  }
  // The unconstrained row sits at the bound, the smallest cap binds.
  QVERIFY(rows.back().read_out->point.sparsity_at_bound);
  QVERIFY(rows.front().read_out->point.params_at_cap);

  // While the budget slider is held the rows stay those of their budget.
  auto* slider = window.findChild<BudgetSlider*>("budgetSlider");
  slider->setSliderDown(true);
  slider->setValue(slider->value() + slider->pageStep());
  QCOMPARE(window.cappedBudget().value_or(0), 3e20);
  QVERIFY2(!panel->text().contains('['), qPrintable(panel->text()));
  slider->setSliderDown(false);
  QCOMPARE(window.cappedBudget().value_or(0), window.budget());
}

void HonestWindowTest::figureSixValidatesAcrossBudgets() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::embedded("synthetic"));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  QVERIFY(window.showView("law-fit-vs-held-out"));
  auto* mode = window.findChild<QComboBox*>("validationMode");
  QVERIFY(mode && mode->isEnabled());
  for (const auto scheme :
       {moescope::ValidationScheme::kForward, moescope::ValidationScheme::kLeaveOneBudgetOut}) {
    QVERIFY(window.setValidationScheme(scheme));
    QVERIFY(window.isValidating());
    QVERIFY(window.waitForValidation());
    const moescope::LawValidation* validation = window.validation();
    QVERIFY(validation && validation->scheme == scheme);
    const moescope::Figure expected = moescope::validation_figure(*window.data(), *validation);
    const moescope::Figure* shown = window.currentFigure();
    QVERIFY(shown);
    QCOMPARE(shown->title, expected.title);
    QCOMPARE(shown->points.size(), validation->budgets.size());
    for (std::size_t b = 0; b < shown->points.size(); ++b) {
      QCOMPARE(shown->points[b].label, expected.points[b].label);
      QVERIFY(QString::fromStdString(shown->points[b].label).contains("MSE"));
      QCOMPARE(shown->points[b].y, expected.points[b].y);
    }
  }
  // Back to the fit: the runs fitted (those held out are Figure 6b's, law-held-out).
  QVERIFY(window.setValidationScheme(std::nullopt));
  QVERIFY2(window.currentFigure()->title.find("fit: predicted vs observed") != std::string::npos,
           window.currentFigure()->title.c_str());
  QCOMPARE(window.currentFigure()->points.size(), std::size_t{1});
}

void HonestWindowTest::theFormFollowsTheDataByDefaultAndIsSaved() {
  FitSettingsDialog automatic(moescope::ExplorerLoadOptions{});
  auto* form = automatic.findChild<QComboBox*>("lawForm");
  QVERIFY(form);
  QVERIFY2(form->currentText().startsWith("Automatic"), qPrintable(form->currentText()));
  QVERIFY(!automatic.options().form.has_value());
  form->setCurrentIndex(2);
  QCOMPARE(automatic.options().form, std::optional(moescope::LawForm::kChinchilla));

  for (const std::optional<moescope::LawForm> chosen :
       {std::optional<moescope::LawForm>(), std::optional(moescope::LawForm::kChinchilla),
        std::optional(moescope::LawForm::kAbnar)}) {
    ExplorerSession session;
    session.fit_options.form = chosen;
    if (chosen)
      session.fit_options.law.form = *chosen;
    session.save();
    QCOMPARE(ExplorerSession::load().fit_options.form, chosen);
    FitSettingsDialog dialog(ExplorerSession::load().fit_options);
    QCOMPARE(dialog.options().form, chosen);
  }
}

QTEST_MAIN(HonestWindowTest)
#include "honest_window_test.moc"

#pragma once

#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QSlider>
#include <QTabWidget>
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "explorer_session.h"
#include "moescope/explore/explorer_data.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/explore/law_collection.h"
#include "moescope/explore/read_out.h"
#include "moescope/fit/law_validation.h"
#include "moescope/io/fit_cache.h"
#include "moescope/store/run_store.h"
#include "run_source.h"
#include "slider_scale.h"
#include "surface_scene.h"

class QCheckBox;
class QMenu;
class QComboBox;
class QProgressBar;
class QPushButton;
class QStackedWidget;

namespace moescope::explorer {

class BudgetSlider;
class FigureView;
class FitJob;
class FitsPanel;
class LawEditorDialog;
class HeadlineJob;
class ProposedRuns;
class ValidationJob;
class RunTableModel;
class ReadOutPanel;
class RunTableView;
class SurfaceView;
class TrainingPanel;

// The explorer's window: a compute-budget slider and a parameter-cap slider drive the read-out
// panel, the 3-D IsoFLOP surface and the paper's figures; a run table docked below shows the runs
// and, when they come from a store, edits their status and deletes them (after a confirmation);
// a training panel beside it plans runs for the grid's gaps and trains them, and their results
// refit the views as they land.
//
// The window owns its runs and their fit. Fits run on a worker thread (FitJob) with progress and
// Cancel in the status bar; while a refit runs, the views keep showing the last fit. Only the
// visible view is redrawn when a slider moves.
//
// main_window.cpp builds the window; main_window_runs.cpp reads and writes its runs,
// main_window_fit.cpp fits them (and validates and reads off the headline), main_window_views.cpp
// follows the sliders in the views and exports them.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const moescope::ExplorerLoadOptions& fit_options = {},
                      QWidget* parent = nullptr);
  ~MainWindow() override;

  // Reads the runs and starts fitting them. Throws moescope::InputError or moescope::StoreError
  // naming what is wrong; the window then keeps what it showed.
  void openSource(const RunSource& source);
  // File > New store: creates an empty store at `path` (and its folder) and opens it. Throws
  // moescope::StoreError naming the path where a file is there already: a store is never
  // replaced, and opening one never creates it.
  void newStore(const QString& path);
  const RunSource& source() const { return source_; }
  const std::vector<moescope::Run>& runs() const { return runs_; }
  // The store's rows that no longer satisfy the run model: left out of runs(), listed above the
  // run table with their problems.
  const std::vector<moescope::InvalidRun>& invalidRuns() const { return invalid_runs_; }

  // Refits the current runs with these options.
  void setFitOptions(const moescope::ExplorerLoadOptions& options);
  // File > Open saved fit: shows the law (or the surfaces) of a FIT.json beside the runs instead
  // of fitting it, so the read-out is `moescope optimum --law FILE`'s. Returns false with the
  // reason (the file and field, as the command line names them) in `error`, keeping what was
  // shown. Kept through refits until forgetSavedFit().
  bool openSavedFit(const QString& path, QString* error);
  // Fit > Fit to the runs: drops the saved fit and fits the runs again.
  void forgetSavedFit();
  const moescope::ExplorerLoadOptions& fitOptions() const { return fit_options_; }
  bool isFitting() const;
  // Whether there is a fit on display (runs and surfaces; its law may have been refused).
  bool hasFit() const { return model_ != nullptr; }
  // The fit on display; null before the first.
  const moescope::ExplorerData* data() const { return data_.get(); }
  // Runs the event loop until the fit under way ends (the full fit after a first look
  // included); returns whether the window has a fit.
  bool waitForFit();
  // Runs the event loop until the views show a fit (a first look, a cached or a full fit) or the
  // fit ends without one; returns whether they show one.
  bool waitForFirstView();
  // Whether the views show the quick grid's first look while the full fit runs (or after it was
  // cancelled). A fit of the published grid starts with one unless its law is in the fit cache.
  bool isShowingFirstLook() const;
  // Keeps the law of every full fit in `directory` (fit_cache.h) and opens the same runs with
  // the same settings from there without refitting; none (the default) fits every time.
  void useFitCache(std::optional<std::filesystem::path> directory);
  void cancelFit();
  // The status bar's account of the last fit: what was fitted, or why there is no fit.
  QString fitStatus() const;

  // What the sliders do, for scripts and tests: set the state, move the slider, redraw.
  void setBudget(double compute);
  void setParameterCap(std::optional<double> max_total_params);
  // Figure 2a's sizes N, one curve each; empty: chosen from the data's runs at the budget.
  void setSliceSizes(const std::vector<double>& sizes);
  // View > Figure 2a sizes: asks for the list, refusing a bad entry with its reason.
  void chooseSliceSizes();
  double budget() const { return state_.budget; }
  // The budget the slider stands for at a position, 0 .. sliderSteps().
  double budgetAtPosition(int position) const;
  static int sliderSteps();
  const moescope::ReadOut& readOut() const { return read_out_; }
  // The headline's rows under the read-out: S* under a few caps and without (empty for a law of
  // one sparsity level, or without a law).
  const std::vector<moescope::CappedReadOut>& cappedReadOuts() const { return capped_; }
  // The budget the headline's rows are of (they follow the budget slider once it is let go), and
  // whether its intervals are still being computed; waitForHeadline() runs the event loop until
  // they have arrived.
  std::optional<double> cappedBudget() const { return capped_budget_; }
  bool isComputingHeadline() const;
  void waitForHeadline();
  // Whether the slider's budget lies in the hatched, extrapolated stretch of its range.
  bool budgetIsExtrapolated() const;

  // Figure 6's view: the law's fit and held-out points (nullopt), or its validation across
  // budgets in a scheme, computed on a worker thread the first time it is asked for after a fit.
  // Returns false where there is no law to validate.
  bool setValidationScheme(std::optional<moescope::ValidationScheme> scheme);
  std::optional<moescope::ValidationScheme> validationScheme() const;
  bool isValidating() const;
  // Runs the event loop until the validation under way ends; returns whether Figure 6 then shows
  // one.
  bool waitForValidation();
  // The validation on display in Figure 6, if any.
  const moescope::LawValidation* validation() const;
  // The figure a figure view shows now (the current tab's), or null for the 3-D view.
  const moescope::Figure* currentFigure() const;
  // What the 3-D view was last given to draw.
  const SurfaceScene& surfaceScene() const { return surface_scene_; }
  // Whether the 3-D view lays the law's surface over a fitted budget's Eq. 8 surface (View > Law
  // overlay, Ctrl+L, or the check box under the surface axis); saved with the session.
  void setLawOverlayShown(bool shown);
  bool lawOverlayShown() const;

  // The fits beside the main one (Fit > New Law, main_window_laws.cpp): user-defined laws fitted
  // in the law editor, drawn over Figures 2b and 2c, each with its residuals.
  moescope::LawCollection& lawFits() { return law_fits_; }
  // Opens the law editor (one, kept), on `start` or else what it showed last, with the runs.
  LawEditorDialog* openLawEditor(const moescope::law::LawDefinition* start = nullptr);
  // The fit the residual view shows: -1 the main fit, else a user fit's index.
  void setResidualFit(int user_index);
  void setResidualColouring(moescope::ResidualColouring colouring);
  // Call after changing lawFits() from outside: the panel, the residual view and figures follow.
  void onLawFitsChanged();

  // "surface" or a figure's name (moescope::to_string(FigureId)), in the order of the tabs, then
  // "residuals".
  static QStringList viewNames();
  QString currentViewName() const;
  bool showView(const QString& name);

  // Every view to DIR: figures as PNG (dpi), SVG, PDF and CSV, the surface as PNG.
  bool exportAll(const QString& directory, int dpi, QString* error);
  // The figures named `names` (viewNames()), as drawn now, side by side in BASE.{png,svg,pdf}
  // with their bundle, in the export style (view_export.h's exportPanelsTo).
  bool exportPanels(const QString& base, const QStringList& names, QString* error);

  // Replays a drag of the budget slider over `positions` positions and returns the time of each
  // update in milliseconds, read-out and repaint of the visible view included. The release that
  // ends the drag (intervals, bands, a full-resolution 3-D frame) is not timed.
  std::vector<double> replaySliderDrag(int positions);

  // The session to save: source, fit settings, sliders, view and window layout.
  ExplorerSession session() const;
  // Restores the sliders, view and layout of a session; its source and fit settings are opened
  // by the caller (they may fail).
  void restoreView(const ExplorerSession& session);
  // Interactive sessions save themselves on close; scripted ones do not.
  void setRemembersSession(bool remembers) { remembers_session_ = remembers; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildControls();
  void buildViews();
  void buildRunTable();
  void buildTrainingPanel();
  std::optional<std::filesystem::path> storeForTrainedRuns();
  void onRunsLanded(const QString& store);
  void buildStatusBar();
  void buildMenus();
  // The Fits dock, the residual tab and Fit > New Law / Law from Library (main_window_laws.cpp).
  void buildLawViews();
  void buildLawMenu(QMenu* fit);
  void openLawFromLibrary();
  void updateFitsPanel();
  void drawResiduals();
  int residualTab() const;
  // Adds the user laws' curves to a figure of Figures 2b and 2c and notes those left out.
  void overlayLawFits(moescope::Figure& figure);
  void setRuns(std::vector<moescope::Run> runs, std::vector<moescope::InvalidRun> invalid = {});
  // Reads the open store again (after a write) and refits.
  void rereadStore();
  // Asks before deleting (the question names the count and the store), then deletes the runs in
  // one transaction and refits; the status bar says how many went.
  void deleteRuns(const std::vector<std::string>& ids);
  void updateBudgetList();
  void startFit();
  void onFitProgress(qint64 done, qint64 total);
  void onFitFinished(const std::shared_ptr<moescope::ExplorerLoad>& load);
  void writeFitCache(const moescope::ExplorerLoad& load);
  void buildValidationControls(QWidget* container, FigureView* view);
  void startValidation(moescope::ValidationScheme scheme);
  void showValidationNote(const QString& title, const QString& message);
  void updateBudgetMarks();
  void updateBudgetLabel();
  void updateHeadline();
  void onFitEnded(const QString& message);
  void onBudgetSliderMoved(int position);
  void onCapChanged();
  void onRunEdited(const moescope::Run& run);
  void refresh();
  void redrawCurrentView();
  void showRunDetails(const moescope::Run& run);
  void exportCurrentView();
  void exportAllInteractively();
  // File > Export panels: the paper's multi-panel figures, chosen in the export dialog.
  void exportPanelsInteractively();
  // Figure `index` of figure_ids_ drawn afresh into its view, as it is shown (Figure 6 as its
  // tab shows it, with proposed runs and user-defined laws' curves).
  void drawFigure(std::size_t index);
  void openStoreInteractively();
  void newStoreInteractively();
  void openFileInteractively();
  void openSavedFitInteractively();
  void importInteractively();
  void editFitSettings();
  void updateActions();
  // The budget slider over the data's budgets and a decade beyond (kBudgetMargin), and the cap
  // slider's fixed range.
  LogSliderScale budgetScale() const;
  void fitBudgetSliderToRuns();
  static constexpr int kSliderSteps = 1000;
  // The budget slider reaches this far beyond the data's budgets, where only the law speaks: a
  // decade, so that the stretch beyond the extrapolation factor (hatched) is there to be seen.
  static constexpr double kBudgetMargin = 10.0;
  static constexpr LogSliderScale kCapScale = {1e8, 1e12, kSliderSteps};

  RunSource source_;
  std::vector<moescope::Run> runs_;
  std::vector<moescope::InvalidRun> invalid_runs_;
  std::optional<moescope::RunStore> store_;
  moescope::ExplorerLoadOptions fit_options_;
  // The fit on display. The model refers to the data, so it is declared after it and goes first.
  // Shared with a validation running on a worker thread.
  std::shared_ptr<const moescope::ExplorerData> data_;
  std::unique_ptr<moescope::ExplorerModel> model_;
  moescope::ExplorerState state_;
  moescope::ReadOut read_out_;
  // The headline's rows and the budget they are of: computed when the budget slider is let go
  // (point values at once, intervals from headline_job_), kept as they are while it is held.
  std::vector<moescope::CappedReadOut> capped_;
  std::optional<double> capped_budget_;
  bool budget_label_extrapolated_ = false;
  double lowest_budget_ = 1e18;
  double highest_budget_ = 1e22;
  bool remembers_session_ = false;

  FitJob* fit_job_ = nullptr;
  QElapsedTimer fit_clock_;
  // The fit the job runs: the quick grid's first look, then the fit asked for.
  enum class FitStage { kFirstLook, kFinal };
  FitStage fit_stage_ = FitStage::kFinal;
  bool showing_first_look_ = false;
  // The fit cache, the key of the fit under way, when its law was fitted where it came from
  // the cache, and what went wrong with the cache (the status bar's tooltip says it).
  std::optional<moescope::FitCache> fit_cache_;
  std::string cache_key_;
  QString cached_fit_made_;
  QString cache_note_;
  QLabel* source_label_ = nullptr;
  BudgetSlider* budget_slider_ = nullptr;
  QLabel* budget_label_ = nullptr;
  QLabel* budget_note_ = nullptr;
  // The data's budgets, each with its runs (bins where C was binned): choosing one moves the
  // slider there, and it shows the budget the slider is in.
  QComboBox* budget_list_ = nullptr;
  QCheckBox* cap_enabled_ = nullptr;
  QSlider* cap_slider_ = nullptr;
  QLabel* cap_label_ = nullptr;
  QComboBox* surface_axis_ = nullptr;
  QCheckBox* law_overlay_box_ = nullptr;
  QAction* law_overlay_action_ = nullptr;
  ReadOutPanel* read_out_panel_ = nullptr;
  QLabel* run_details_ = nullptr;
  QStackedWidget* view_stack_ = nullptr;
  QLabel* no_fit_label_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  SurfaceView* surface_view_ = nullptr;
  SurfaceScene surface_scene_;
  std::vector<moescope::FigureId> figure_ids_;
  std::vector<FigureView*> figure_views_;
  std::vector<moescope::Figure> figures_;
  // Figure 6's validation: the mode box, progress and Cancel, and the validations computed for
  // the fit on display (by scheme: leave one budget out, forward).
  ValidationJob* validation_job_ = nullptr;
  HeadlineJob* headline_job_ = nullptr;
  QComboBox* validation_mode_ = nullptr;
  QProgressBar* validation_progress_ = nullptr;
  QPushButton* validation_cancel_ = nullptr;
  QLabel* validation_label_ = nullptr;
  std::array<std::shared_ptr<moescope::LawValidation>, 2> validations_;
  moescope::Figure validation_note_;
  RunTableModel* run_table_model_ = nullptr;
  RunTableView* run_table_view_ = nullptr;
  TrainingPanel* training_panel_ = nullptr;
  // The runs active design proposed (the training panel's), marked on the 3-D view and figures.
  ProposedRuns* proposed_runs_ = nullptr;
  // The user-defined laws, their panel and editor, and the residual view.
  moescope::LawCollection law_fits_;
  FitsPanel* fits_panel_ = nullptr;
  LawEditorDialog* law_editor_ = nullptr;
  FigureView* residual_view_ = nullptr;
  QComboBox* residual_fit_ = nullptr;
  QComboBox* residual_colouring_ = nullptr;
  moescope::Figure residual_figure_;
  QLabel* fit_label_ = nullptr;
  QProgressBar* fit_progress_ = nullptr;
  QPushButton* cancel_fit_button_ = nullptr;
  QList<QAction*> fit_dependent_actions_;
  QAction* cancel_fit_action_ = nullptr;
  QAction* forget_saved_fit_action_ = nullptr;
};

}  // namespace moescope::explorer

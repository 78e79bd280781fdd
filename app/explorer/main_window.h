#pragma once

#include <QLabel>
#include <QMainWindow>
#include <QSlider>
#include <QTabWidget>
#include <optional>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/explore/read_out.h"
#include "surface_scene.h"

class FigureView;
class QCheckBox;
class QComboBox;
class SurfaceView;

// The explorer's window: a compute-budget slider and a parameter-cap slider drive the read-out
// panel, the 3-D IsoFLOP surface and the paper's figures. It renders an ExplorerModel built from
// data it does not own; only the visible view is redrawn when a slider moves.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const moescope::ExplorerData& explorer_data, QWidget* parent = nullptr);
  ~MainWindow() override;

  // What the sliders do, for scripts and tests: set the state, move the slider, redraw.
  void setBudget(double compute);
  void setParameterCap(std::optional<double> max_total_params);
  double budget() const { return state_.budget; }
  const moescope::ReadOut& readOut() const { return read_out_; }

  // "surface" or a figure's name (moescope::to_string(FigureId)).
  QStringList viewNames() const;
  bool showView(const QString& name);

  // Every view to DIR: figures as PNG (dpi), SVG, PDF and CSV, the surface as PNG.
  bool exportAll(const QString& directory, int dpi, QString* error);

  // Replays a drag of the budget slider over `positions` positions and returns the time of each
  // update in milliseconds, read-out and repaint of the visible view included.
  std::vector<double> replaySliderDrag(int positions);

 private:
  void buildControls();
  void buildViews();
  void buildMenus();
  void onBudgetSliderMoved(int position);
  void onCapChanged();
  void refresh();
  void redrawCurrentView();
  void showRunDetails(std::size_t run_index);
  void exportCurrentView();
  void exportAllInteractively();
  double budgetAt(int position) const;
  int positionOf(double compute) const;
  double capAt(int position) const;

  const moescope::ExplorerData& data_;
  moescope::ExplorerModel model_;
  moescope::ExplorerState state_;
  moescope::ReadOut read_out_;
  double lowest_budget_ = 1e18;
  double highest_budget_ = 1e22;

  QSlider* budget_slider_ = nullptr;
  QLabel* budget_label_ = nullptr;
  QCheckBox* cap_enabled_ = nullptr;
  QSlider* cap_slider_ = nullptr;
  QLabel* cap_label_ = nullptr;
  QComboBox* surface_axis_ = nullptr;
  QLabel* read_out_label_ = nullptr;
  QLabel* run_details_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  SurfaceView* surface_view_ = nullptr;
  SurfaceScene surface_scene_;
  std::vector<moescope::FigureId> figure_ids_;
  std::vector<FigureView*> figure_views_;
  std::vector<moescope::Figure> figures_;
};

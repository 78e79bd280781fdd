#pragma once

#include <QString>
#include <QWidget>
#include <vector>

#include "moescope/explore/figure.h"

class QAreaSeries;
class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QPainter;
class QRectF;
class QXYSeries;

// One of the paper's 2-D figures drawn with Qt Charts: curves as lines, measured runs as markers,
// bootstrap bands as translucent areas, coloured by sparsity (viridis) or else by budget (plasma)
// so that a sparsity has the same colour in every figure.
//
// Log axes are drawn as linear axes over log10 of the data with ticks placed by hand: Qt's
// QLogValueAxis only ticks at powers of the base, which leaves a loss axis spanning 2.3 .. 3.0
// without a single label.
class FigureView : public QWidget {
  Q_OBJECT

 public:
  // The size exported figures are laid out at, a matplotlib default, so that fonts keep their
  // size relative to the plot whatever the DPI.
  static constexpr double kExportWidthInches = 6.4;
  static constexpr double kExportHeightInches = 4.8;

  explicit FigureView(QWidget* parent = nullptr);
  ~FigureView() override;

  // The figure stays owned by the caller and must outlive the view or be replaced first. A figure
  // with the same series as the last one (count, kind, band or not) updates the drawn series in
  // place, which keeps a slider drag within its frame budget; anything else rebuilds the chart.
  void setFigure(const moescope::Figure* figure);
  const moescope::Figure* figure() const { return figure_; }
  // Whether the last setFigure updated in place rather than rebuilding.
  bool lastUpdateWasInPlace() const { return last_update_in_place_; }

  // Each export returns false, with lastError() saying why, when there is no figure or the file
  // cannot be written.
  bool exportPng(const QString& path, int dpi);
  bool exportSvg(const QString& path);
  bool exportPdf(const QString& path);
  // The numbers behind the figure: series (curve or points), label, x, y, lo, hi.
  bool exportCsv(const QString& path);
  QString lastError() const { return last_error_; }

 private:
  // What the chart draws for one moescope::Series.
  struct DrawnSeries {
    QXYSeries* line_or_markers = nullptr;
    // The bootstrap band, when the series has one; the edges are owned by the area.
    QAreaSeries* band = nullptr;
    QLineSeries* band_upper = nullptr;
    QLineSeries* band_lower = nullptr;
  };

  bool hasSameStructure(const moescope::Figure& figure) const;
  void rebuildChart();
  void updateSeriesData();
  void updateAxes();
  void applyStyles();
  void hideRedundantLegendEntries();
  bool renderForExport(QPainter& painter, const QRectF& target);
  bool fail(const QString& message);

  const moescope::Figure* figure_ = nullptr;
  QChartView* chart_view_ = nullptr;
  QChart* chart_ = nullptr;
  QCategoryAxis* x_axis_ = nullptr;
  QCategoryAxis* y_axis_ = nullptr;
  std::vector<DrawnSeries> drawn_curves_;
  std::vector<DrawnSeries> drawn_points_;
  bool drawn_log_x_ = false;
  bool drawn_log_y_ = false;
  bool last_update_in_place_ = false;
  QString last_error_;
};

#pragma once

#include <QColor>
#include <QMargins>
#include <QPen>
#include <QString>
#include <QWidget>
#include <vector>

#include "figure_export_options.h"
#include "figure_style.h"
#include "moescope/explore/figure.h"

class QAbstractSeries;
class QAreaSeries;
class QGraphicsPathItem;
class QGraphicsRectItem;
class QGraphicsTextItem;
class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QPainter;
class QRectF;
class QScatterSeries;
class QXYSeries;

namespace moescope::explorer {

// One of the paper's 2-D figures drawn with Qt Charts: curves as lines, measured runs as markers,
// bootstrap bands as translucent areas, coloured by sparsity (viridis) or else by budget (plasma)
// so that a sparsity has the same colour in every figure. Where a figure has curves through the
// data's own fits (the IsoFLOP surfaces of Eq. 8, or Approach 2's curves) and through the law,
// the data's are solid and the law's dashed, a colour is named once in the legend, and two grey
// entries say which line is which (Figure::solid_key, Figure::dashed_key). Markers with an
// interval per point (Approach 2's optima) get error bars. A figure's message (why it is empty)
// is drawn in a box over the plot, in exports too.
//
// Held-out runs are hollow markers, optima stars with their error bars, bounds thin grey dotted
// lines, each named in the legend; runs whose colour a curve names already are keyed once, by a
// grey "runs" marker. Series that share a key (Series::key: every curve's minimum, every
// budget's optima, Figure 5's tasks) are named once by a grey sample drawn as they are, and a
// colour that a colour_key names (Figure 5's sparsities) once by a circle of it, so that a figure
// of many sets keeps a legend that fits. A figure's annotations are drawn in the plot's upper left
// corner, its x_range and y_range bound the axes, and a square figure has equal axes on a square
// plot. Labels are typeset (display_text.h's richLabel): N_a as N with a subscript a, 1e20 as
// 10^20.
//
// Colours, pens and axes are figure_style's and figure_axes' (over plot_style, which the 3-D view
// shares); the legend is in figure_view_legend.cpp, the exports in figure_view_export.cpp, drawn in
// the export style's look (size, fonts, lines; FigureExportStyle), the screen's look coming back
// after.
class FigureView : public QWidget {
  Q_OBJECT

 public:
  // The legend's key where surfaces and an Eq. 6 law are drawn together (Figure's defaults).
  static inline const QString kSurfaceKey = QStringLiteral("Eq. 8 surface, 95 % band");
  static inline const QString kLawKey = QStringLiteral("Eq. 6 law");

  // Qt lays text out in points at this many pixels per inch; exports scale the whole scene from
  // it.
  static constexpr double kLayoutDpi = 96.0;
  static constexpr QMargins kChartMargins{6, 6, 6, 6};

  explicit FigureView(QWidget* parent = nullptr);
  ~FigureView() override;

  // The figure stays owned by the caller and must outlive the view or be replaced first. A figure
  // drawn the same way as the last one (the same log axes, and a band drawn already for each
  // series that has one) updates the drawn series in place, which keeps a slider drag within its
  // frame budget: series whose data did not change are left alone, and series and bands the
  // figure lacks are hidden for a later figure that has them (the runs of Figure 2b show only
  // near a data budget, Figure 3's bands only once the slider settles). Anything else rebuilds
  // the chart.
  void setFigure(const moescope::Figure* figure);
  const moescope::Figure* figure() const { return figure_; }
  // Whether the last setFigure updated in place rather than rebuilding.
  bool lastUpdateWasInPlace() const { return last_update_in_place_; }

  // How exports look and how large they are; the screen's look by default.
  void setExportStyle(const FigureExportStyle& style) { export_style_ = style; }
  const FigureExportStyle& exportStyle() const { return export_style_; }
  // Whether the figure draws anything: a figure of no series (only a message, such as Figure 5
  // without downstream metrics) is not worth a file.
  bool hasContent() const;

  // Each export returns false, with lastError() saying why, when there is no figure or the file
  // cannot be written. PNG at `dpi`, the export style's size; SVG and PDF vector.
  bool exportPng(const QString& path, int dpi);
  bool exportSvg(const QString& path);
  bool exportPdf(const QString& path);
  // The numbers behind the figure: series (curve or points), label, x, y, lo, hi.
  bool exportCsv(const QString& path);
  QString lastError() const { return last_error_; }
  // The figure's message as drawn over the plot; empty when none is shown.
  QString shownMessage() const;
  // The figure's annotations as drawn (rich text), one per line; empty when none.
  QString shownAnnotations() const;

  // One entry of the legend as shown: its label (rich text) and how its sample is drawn, a line
  // in `pen`, or a marker of `shape` filled with `fill` and rimmed with `pen`.
  struct LegendEntry {
    QString label;
    QPen pen;
    bool marker = false;
    int shape = 0;  // QScatterSeries::MarkerShape
    QColor fill;
    double size = 0;
  };
  std::vector<LegendEntry> legendEntries() const;
  // Whether exports draw the legend beside the plot (a multi-panel file draws one for all).
  void setExportLegendShown(bool shown) { export_legend_shown_ = shown; }

  // Draws the figure in the export style's look, laid out at `inches`, into `target` of
  // `painter`: what every export, and a multi-panel file's panels, are drawn with.
  bool renderForExport(QPainter& painter, const QRectF& target, const QSizeF& inches);

 private:
  // What the chart draws for one moescope::Series.
  struct DrawnSeries {
    QXYSeries* line_or_markers = nullptr;
    // The bootstrap band, when the series has one; the edges are owned by the area.
    QAreaSeries* band = nullptr;
    QLineSeries* band_upper = nullptr;
    QLineSeries* band_lower = nullptr;
    // Markers' intervals, one vertical bar per point, when the series has them.
    QGraphicsPathItem* error_bars = nullptr;
  };

  bool canUpdateInPlace(const moescope::Figure& figure) const;
  void rebuildChart();
  void updateTitles();
  void attach(QAbstractSeries* series);
  void addLine(DrawnSeries& drawn);
  void addMarkers(DrawnSeries& drawn);
  // The legend's entries for the surfaces' and the law's line styles, shown where a figure has
  // both.
  void addKey();
  // Shows the first drawn series of each kind, as many as the figure has, adding any that are
  // missing, with their bands where the figure has them, and hides the rest; returns whether
  // anything was added, shown or hidden.
  bool showSeriesOfFigure();
  // Returns whether a series' name changed.
  bool updateSeriesData();
  void updateAxes();
  void applyStyles();
  // Names each curve, and each set of markers whose colour no curve names already, and sizes the
  // legend to its widest label, rounded up to a step: the plot area follows the legend, and
  // whenever the slider's budget in a label gained or lost a digit the whole chart would be laid
  // out and drawn again. (Qt Charts' own width for a legend at the side is a third of an exported
  // figure, most of it blank.)
  void updateLegend();
  // The legend's shared entries (Series::key, Series::colour_key), each drawn by a series without
  // points from the pools below, added as needed, the rest hidden; returns the widest label's
  // width.
  double updateSharedKeys();
  static bool setNameIfChanged(QAbstractSeries* series, const QString& name);
  // Places the error bars and the message box for the chart's current plot area.
  void placeOverlays();
  // Fonts, pens and legend placement of `look`; the series' pens follow in applyStyles.
  void applyLook(const figure_style::Look& look);
  // A square figure's plot made square, by a margin on its longer side, once the chart is laid
  // out at its size; returns whether the figure is square.
  bool squarePlotArea();
  // Titles too wide for their place broken onto two lines rather than elided by Qt Charts, once
  // the chart is laid out at its size: an axis title before its unit ("Upstream loss L",
  // "(nats/token)"), so that a narrow panel keeps its whole label, and the figure's title after
  // its first ": ". updateTitles() sets them whole again.
  void breakLongTitles();
  bool fail(const QString& message);

  const moescope::Figure* figure_ = nullptr;
  QChartView* chart_view_ = nullptr;
  QChart* chart_ = nullptr;
  QCategoryAxis* x_axis_ = nullptr;
  QCategoryAxis* y_axis_ = nullptr;
  // The first figure_->curves.size() (points.size()) are the figure's; the rest are hidden.
  std::vector<DrawnSeries> drawn_curves_;
  std::vector<DrawnSeries> drawn_points_;
  QLineSeries* key_surface_ = nullptr;
  QLineSeries* key_law_ = nullptr;
  // A grey marker named "runs": the runs' key where their colours are named by curves.
  QScatterSeries* key_runs_ = nullptr;
  // The shared entries' samples: grey lines, grey markers and circles of a colour.
  std::vector<QLineSeries*> key_lines_;
  std::vector<QScatterSeries*> key_markers_;
  QGraphicsTextItem* annotation_text_ = nullptr;
  figure_style::Look look_ = figure_style::screenLook();
  FigureExportStyle export_style_;
  bool export_legend_shown_ = true;
  QGraphicsRectItem* message_box_ = nullptr;
  QGraphicsTextItem* message_text_ = nullptr;
  bool drawn_log_x_ = false;
  bool drawn_log_y_ = false;
  bool last_update_in_place_ = false;
  QString last_error_;
};

}  // namespace moescope::explorer

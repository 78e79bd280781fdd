#include "figure_panels.h"

#include <QFile>
#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QTextDocument>
#include <algorithm>
#include <cmath>
#include <memory>

#include "display_text.h"
#include "figure_style.h"
#include "figure_view.h"

namespace moescope::explorer {
namespace {

using LegendEntry = FigureView::LegendEntry;

// The panels' legends as one, short: a line is named by its label up to the first comma or
// parenthesis ("S = 0.5", whose colour is the same in every panel), and markers of one shape are
// keyed once, in grey, by what follows the comma ("Eq. 6 law, minimum" keys every star); the
// panels' shared entries (Series::key) come grey already and are named once across panels.
std::vector<LegendEntry> sharedLegend(const std::vector<std::unique_ptr<FigureView>>& views) {
  static const QRegularExpression kQualifier(QStringLiteral("(,| \\().*$"));
  std::vector<LegendEntry> entries;
  for (const auto& view : views) {
    for (LegendEntry entry : view->legendEntries()) {
      const qsizetype comma = entry.label.indexOf(QStringLiteral(", "));
      if (entry.marker && comma > 0) {
        entry.label = entry.label.mid(entry.label.lastIndexOf(QStringLiteral(", ")) + 2);
        if (entry.label.endsWith(QLatin1Char(')')) && !entry.label.contains(QLatin1Char('(')))
          entry.label.chop(1);
        // A hollow marker's colour is its rim's.
        if (entry.fill == QColor(Qt::white))
          entry.pen.setColor(figure_style::kAxisColour);
        else
          entry.fill = figure_style::kAxisColour;
      } else if (!entry.marker) {
        entry.label.remove(kQualifier);
      }
      const bool known = std::any_of(entries.begin(), entries.end(), [&](const LegendEntry& one) {
        return one.label == entry.label && one.marker == entry.marker;
      });
      if (!known)
        entries.push_back(entry);
    }
  }
  return entries;
}

// A marker's outline, centred on `centre`, `size` across, as Qt Charts draws its shapes.
QPainterPath markerPath(int shape, const QPointF& centre, double size) {
  QPainterPath path;
  // A regular outline of `corners` points (alternating radii for a star) from the top.
  auto polygon = [&](int corners, double inner, double turn) {
    for (int k = 0; k < corners; ++k) {
      const double radius = (k % 2 == 1 && inner > 0 ? inner : 0.5) * size;
      const double angle = -M_PI / 2 + turn + k * 2 * M_PI / corners;
      const QPointF point = centre + QPointF(radius * std::cos(angle), radius * std::sin(angle));
      if (k == 0)
        path.moveTo(point);
      else
        path.lineTo(point);
    }
    path.closeSubpath();
  };
  switch (shape) {
    case QScatterSeries::MarkerShapeStar:
      polygon(10, 0.2, 0);
      break;
    case QScatterSeries::MarkerShapeRectangle:
      path.addRect(QRectF(centre - QPointF(size / 2, size / 2), QSizeF(size, size)));
      break;
    case QScatterSeries::MarkerShapeRotatedRectangle:
      polygon(4, 0, 0);
      break;
    case QScatterSeries::MarkerShapeTriangle:
      polygon(3, 0, 0);
      break;
    case QScatterSeries::MarkerShapePentagon:
      polygon(5, 0, 0);
      break;
    default:
      path.addEllipse(centre, size / 2, size / 2);
  }
  return path;
}

// The layout of the shared legend: columns of entries across the whole width.
struct LegendGrid {
  int columns = 1, rows = 0;
  double column_width = 0, row_height = 0, sample_width = 0;
};

LegendGrid legendGrid(const std::vector<LegendEntry>& entries, const QFont& font, double width) {
  LegendGrid grid;
  const double em = font.pixelSize();
  grid.sample_width = 2.2 * em;
  grid.row_height = 1.35 * em;
  double widest = 0;
  for (const LegendEntry& entry : entries)
    widest = std::max(widest, richWidth(entry.label, font));
  grid.column_width = grid.sample_width + 0.6 * em + widest + 1.2 * em;
  grid.columns = std::max(1, static_cast<int>(width / grid.column_width));
  grid.rows = static_cast<int>((entries.size() + grid.columns - 1) / grid.columns);
  return grid;
}

// Panels in rows of at most kPanelsPerRow, as even as they go (5 panels: 3 + 2, not 4 + 1), as the
// paper's appendix lays out a panel per task.
constexpr std::size_t kPanelsPerRow = 4;

struct PanelGrid {
  std::size_t columns = 1, rows = 1;
};

PanelGrid panelGrid(std::size_t panels) {
  PanelGrid grid;
  grid.rows = std::max<std::size_t>(1, (panels + kPanelsPerRow - 1) / kPanelsPerRow);
  grid.columns = std::max<std::size_t>(1, (panels + grid.rows - 1) / grid.rows);
  return grid;
}

// Draws the panels into `painter`, whose device is `size` wide and high in its own units: each
// panel without its legend, its letter (and caption) under it, and one legend for all under the
// last row.
bool paintPanels(QPainter& painter, const std::vector<std::unique_ptr<FigureView>>& views,
                 const std::vector<LegendEntry>& legend, const FigureExportStyle& style,
                 const QSizeF& size, QString* error) {
  const figure_style::Look look = figure_style::lookOf(style);
  const double units_per_inch = size.width() / style.width_inches;
  const double units_per_layout_pixel = units_per_inch / FigureView::kLayoutDpi;
  QFont font(look.font_family);
  font.setPixelSize(
      std::max(1, static_cast<int>(std::lround(style.bodyPoints() / 72.0 * units_per_inch))));
  // Half an em clear of the page's edges.
  const double edge = 0.5 * font.pixelSize();
  const LegendGrid grid = legendGrid(legend, font, size.width() - 2 * edge);
  const double legend_height =
      grid.rows * grid.row_height + (grid.rows > 0 ? 0.3 * grid.row_height : 0);
  const double letter_height = 1.5 * font.pixelSize();
  const PanelGrid panels = panelGrid(views.size());
  const double panel_width = size.width() / static_cast<double>(panels.columns);
  const double panel_height =
      (size.height() - legend_height) / static_cast<double>(panels.rows) - letter_height;
  if (panel_height < 0.25 * size.height() / static_cast<double>(panels.rows)) {
    *error = QStringLiteral("%1 legend entries leave no room for %2 panels at %3 x %4 in")
                 .arg(legend.size())
                 .arg(views.size())
                 .arg(style.width_inches)
                 .arg(style.height_inches);
    return false;
  }
  const QSizeF panel_inches(panel_width / units_per_inch, panel_height / units_per_inch);
  painter.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
  for (std::size_t i = 0; i < views.size(); ++i) {
    const auto row = static_cast<double>(i / panels.columns);
    const auto column = static_cast<double>(i % panels.columns);
    const QRectF target(panel_width * column, (panel_height + letter_height) * row, panel_width,
                        panel_height);
    if (!views[i]->renderForExport(painter, target, panel_inches)) {
      *error = views[i]->lastError();
      return false;
    }
    QString letter = QStringLiteral("(%1)").arg(QChar('a' + static_cast<int>(i)));
    if (!views[i]->figure()->caption.empty())
      letter += QLatin1Char(' ') + QString::fromStdString(views[i]->figure()->caption);
    painter.setFont(font);
    painter.setPen(figure_style::kTextColour);
    const QRectF below(target.left(), target.bottom(), panel_width, letter_height);
    painter.drawText(below, Qt::AlignCenter,
                     QFontMetricsF(font).elidedText(letter, Qt::ElideRight, below.width()));
  }
  // The legend, centred, row by row.
  const double legend_width = grid.columns * grid.column_width;
  const double left = std::max(edge, (size.width() - legend_width) / 2);
  const double top = (panel_height + letter_height) * static_cast<double>(panels.rows);
  for (std::size_t k = 0; k < legend.size(); ++k) {
    const LegendEntry& entry = legend[k];
    const auto column = static_cast<int>(k % static_cast<std::size_t>(grid.columns));
    const auto row = static_cast<int>(k / static_cast<std::size_t>(grid.columns));
    const QPointF origin(left + column * grid.column_width, top + row * grid.row_height);
    const double middle = origin.y() + grid.row_height / 2;
    QPen pen = entry.pen;
    if (entry.marker) {
      // Sizes and widths as the panels draw them, in the look, scaled to this device.
      const double scale = look.run_marker_size / figure_style::screenLook().run_marker_size;
      pen.setWidthF(std::max(0.6, pen.widthF() * scale) * units_per_layout_pixel);
      painter.setPen(pen);
      painter.setBrush(entry.fill);
      painter.drawPath(markerPath(entry.shape, QPointF(origin.x() + grid.sample_width / 2, middle),
                                  entry.size * scale * units_per_layout_pixel));
    } else {
      pen.setWidthF(
          std::max(look.law_line_width, pen.widthF() * look.line_width / figure_style::kLineWidth) *
          units_per_layout_pixel);
      painter.setPen(pen);
      painter.drawLine(QPointF(origin.x(), middle),
                       QPointF(origin.x() + grid.sample_width, middle));
    }
    QTextDocument text;
    text.setDefaultFont(font);
    text.setDocumentMargin(0);
    text.setHtml(QStringLiteral("<span style=\"color:%1\">%2</span>")
                     .arg(figure_style::kTextColour.name(), entry.label));
    painter.save();
    painter.translate(origin.x() + grid.sample_width + 0.6 * font.pixelSize(),
                      middle - text.size().height() / 2);
    text.drawContents(&painter);
    painter.restore();
  }
  return true;
}

}  // namespace

QStringList exportPanels(const std::vector<const moescope::Figure*>& figures,
                         const FigureExportStyle& style, const QString& base, QString* error,
                         QStringList* skipped) {
  // Each panel's text, and the legend's, at the size a figure of the panel's width takes.
  FigureExportStyle panel_style = style;
  panel_style.width_inches =
      style.width_inches / static_cast<double>(panelGrid(figures.size()).columns);
  panel_style.font_points = panel_style.bodyPoints();
  // Each panel is named by its letter, as in the paper; a title over a third of the width would
  // only be cut short.
  panel_style.title = false;
  FigureExportStyle file_style = style;
  file_style.font_points = panel_style.font_points;
  std::vector<std::unique_ptr<FigureView>> views;
  for (const moescope::Figure* figure : figures) {
    auto view = std::make_unique<FigureView>();
    view->setExportStyle(panel_style);
    view->setExportLegendShown(false);
    view->setFigure(figure);
    if (!view->hasContent()) {
      if (skipped != nullptr)
        *skipped << QString::fromStdString(std::string(moescope::to_string(figure->id)));
      continue;
    }
    views.push_back(std::move(view));
  }
  if (views.empty()) {
    *error = QStringLiteral("no panel of %1 has anything to draw").arg(base);
    return {};
  }
  const std::vector<LegendEntry> legend = sharedLegend(views);
  const QString png = base + QStringLiteral(".png");
  const QString svg = base + QStringLiteral(".svg");
  const QString pdf = base + QStringLiteral(".pdf");
  {
    QImage image(static_cast<int>(std::lround(style.width_inches * style.dpi)),
                 static_cast<int>(std::lround(style.height_inches * style.dpi)),
                 QImage::Format_RGB32);
    constexpr double kInchesPerMetre = 39.3700787;
    image.setDotsPerMeterX(static_cast<int>(std::lround(style.dpi * kInchesPerMetre)));
    image.setDotsPerMeterY(static_cast<int>(std::lround(style.dpi * kInchesPerMetre)));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    if (!paintPanels(painter, views, legend, file_style, QSizeF(image.size()), error))
      return {};
    painter.end();
    if (!image.save(png, "PNG")) {
      *error = QStringLiteral("cannot write %1").arg(png);
      return {};
    }
  }
  {
    QFile file(svg);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
      *error = QStringLiteral("cannot write %1: %2").arg(svg, file.errorString());
      return {};
    }
    const QSize size(static_cast<int>(std::lround(style.width_inches * FigureView::kLayoutDpi)),
                     static_cast<int>(std::lround(style.height_inches * FigureView::kLayoutDpi)));
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setResolution(static_cast<int>(FigureView::kLayoutDpi));
    QPainter painter(&generator);
    painter.setRenderHint(QPainter::Antialiasing);
    if (!paintPanels(painter, views, legend, file_style, QSizeF(size), error))
      return {};
  }
  {
    QFile file(pdf);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
      *error = QStringLiteral("cannot write %1: %2").arg(pdf, file.errorString());
      return {};
    }
    QPdfWriter writer(&file);
    writer.setPageSize(QPageSize(QSizeF(style.width_inches, style.height_inches), QPageSize::Inch));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setResolution(300);
    QPainter painter(&writer);
    if (!painter.isActive()) {
      *error = QStringLiteral("cannot start a PDF in %1").arg(pdf);
      return {};
    }
    painter.setRenderHint(QPainter::Antialiasing);
    if (!paintPanels(painter, views, legend, file_style, QSizeF(writer.width(), writer.height()),
                     error))
      return {};
  }
  return {png, svg, pdf};
}

}  // namespace moescope::explorer

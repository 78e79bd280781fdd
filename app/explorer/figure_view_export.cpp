// FigureView's exports: the chart laid out at the export style's size, in its look, and rendered
// to PNG, SVG or PDF (vector, the font embedded), and the numbers behind it as CSV.
#include <QCategoryAxis>
#include <QChart>
#include <QFile>
#include <QFont>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QImage>
#include <QLegend>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTextStream>
#include <cmath>
#include <string>
#include <utility>

#include "display_text.h"
#include "figure_view.h"

namespace moescope::explorer {
namespace {

using moescope::Series;

QString csvField(const QString& text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')))
    return text;
  QString quoted = text;
  quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
  return QStringLiteral("\"") + quoted + QStringLiteral("\"");
}

QString csvNumber(double value) {
  return QString::number(value, 'g', 17);
}

}  // namespace

bool FigureView::fail(const QString& message) {
  last_error_ = message;
  return false;
}

bool FigureView::renderForExport(QPainter& painter, const QRectF& target, const QSizeF& inches) {
  if (figure_ == nullptr)
    return fail(QStringLiteral("no figure to export"));
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setRenderHint(QPainter::TextAntialiasing);
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  // Laid out at the export's size in inches, in its look, so that an export looks the same
  // whatever the size of the window it came from, and its text prints at the points asked for.
  const QSizeF shown_size = chart_->size();
  const figure_style::Look shown_look = look_;
  chart_->resize(inches * kLayoutDpi);
  applyLook(figure_style::lookOf(export_style_));
  // SVG names the painter's font on every group, lines' too: the figures' family, not Qt's
  // "Sans Serif".
  painter.setFont(QFont(look_.font_family));
  const bool legend_shown = chart_->legend()->isVisible();
  chart_->legend()->setVisible(legend_shown && export_legend_shown_);
  chart_->layout()->activate();
  breakLongTitles();
  squarePlotArea();
  placeOverlays();
  chart_->scene()->render(&painter, target, chart_->sceneBoundingRect());
  chart_->legend()->setVisible(legend_shown);
  chart_->resize(shown_size);
  applyLook(shown_look);
  updateTitles();
  chart_->layout()->activate();
  squarePlotArea();
  placeOverlays();
  return true;
}

void FigureView::breakLongTitles() {
  const QRectF plot = chart_->plotArea();
  bool changed = false;
  // The title, across the chart, at its first ": " ("Loss vs total parameters per budget at S = 0:
  // runs and the Chinchilla-form law").
  if (const QString title = chart_->title(); !title.isEmpty()) {
    // What Qt Charts leaves the title: the chart less its margins and its layout's, less a
    // little, as it measures text a little wider than a text document does.
    qreal left = 0, top = 0, right = 0, bottom = 0;
    chart_->layout()->getContentsMargins(&left, &top, &right, &bottom);
    const double room = 0.95 * (chart_->size().width() - chart_->margins().left() -
                                chart_->margins().right() - left - right);
    const qsizetype colon = title.indexOf(QStringLiteral(": "));
    if (colon > 0 && richWidth(title, chart_->titleFont()) > room) {
      chart_->setTitle(QStringLiteral("<div align=\"center\">%1:<br>%2</div>")
                           .arg(title.left(colon), title.mid(colon + 2)));
      changed = true;
    }
  }
  for (auto [axis, extent] :
       {std::pair{x_axis_, plot.width()}, std::pair{y_axis_, plot.height()}}) {
    QString title = axis->titleText();
    const qsizetype unit = title.lastIndexOf(QStringLiteral(" ("));
    if (unit <= 0 || extent <= 0)
      continue;
    if (richWidth(title, axis->titleFont()) <= extent)
      continue;
    title.replace(unit, 2, QStringLiteral("<br>("));
    axis->setTitleText(QStringLiteral("<div align=\"center\">%1</div>").arg(title));
    changed = true;
  }
  if (changed)
    chart_->layout()->activate();
}

bool FigureView::exportPng(const QString& path, int dpi) {
  if (dpi <= 0)
    return fail(QStringLiteral("DPI must be positive, not %1").arg(dpi));
  const QSizeF inches(export_style_.width_inches, export_style_.height_inches);
  QImage image(static_cast<int>(std::lround(inches.width() * dpi)),
               static_cast<int>(std::lround(inches.height() * dpi)), QImage::Format_RGB32);
  image.fill(Qt::white);
  constexpr double kInchesPerMetre = 39.3700787;
  image.setDotsPerMeterX(static_cast<int>(std::lround(dpi * kInchesPerMetre)));
  image.setDotsPerMeterY(static_cast<int>(std::lround(dpi * kInchesPerMetre)));
  {
    QPainter painter(&image);
    if (!renderForExport(painter, QRectF(image.rect()), inches))
      return false;
  }
  if (!image.save(path, "PNG"))
    return fail(QStringLiteral("cannot write %1").arg(path));
  return true;
}

bool FigureView::exportSvg(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  const QSizeF inches(export_style_.width_inches, export_style_.height_inches);
  const QSize size(static_cast<int>(std::lround(inches.width() * kLayoutDpi)),
                   static_cast<int>(std::lround(inches.height() * kLayoutDpi)));
  QSvgGenerator generator;
  generator.setOutputDevice(&file);
  generator.setSize(size);
  generator.setViewBox(QRect(QPoint(0, 0), size));
  generator.setResolution(static_cast<int>(kLayoutDpi));
  generator.setTitle(QString::fromStdString(figure_ ? figure_->title : std::string()));
  {
    QPainter painter(&generator);
    if (!renderForExport(painter, QRectF(QPointF(0, 0), QSizeF(size)), inches))
      return false;
  }
  if (file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

bool FigureView::exportPdf(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QPdfWriter writer(&file);
  const QSizeF inches(export_style_.width_inches, export_style_.height_inches);
  writer.setPageSize(QPageSize(inches, QPageSize::Inch));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  writer.setResolution(300);
  writer.setTitle(QString::fromStdString(figure_ ? figure_->title : std::string()));
  {
    QPainter painter(&writer);
    if (!painter.isActive())
      return fail(QStringLiteral("cannot start a PDF in %1").arg(path));
    if (!renderForExport(painter, QRectF(0, 0, writer.width(), writer.height()), inches))
      return false;
  }
  if (file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

bool FigureView::exportCsv(const QString& path) {
  if (figure_ == nullptr)
    return fail(QStringLiteral("no figure to export"));
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QTextStream out(&file);
  out << "series,label,x,y,lo,hi,run_id\n";
  auto write = [&out](const Series& series, const char* kind) {
    const QString label = csvField(QString::fromStdString(series.label));
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      out << kind << ',' << label << ',' << csvNumber(series.x[i]) << ',' << csvNumber(series.y[i])
          << ',';
      if (i < series.lo.size() && i < series.hi.size())
        out << csvNumber(series.lo[i]) << ',' << csvNumber(series.hi[i]);
      else
        out << ',';
      out << ',';
      if (i < series.run_ids.size())
        out << csvField(QString::fromStdString(series.run_ids[i]));
      out << '\n';
    }
  };
  for (const Series& curve : figure_->curves)
    write(curve, "curve");
  for (const Series& points : figure_->points)
    write(points, "points");
  out.flush();
  if (out.status() != QTextStream::Ok || file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

}  // namespace moescope::explorer

#include "figure_panels.h"

#include <QFile>
#include <QFont>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <cmath>
#include <memory>

#include "figure_style.h"
#include "figure_view.h"

namespace moescope::explorer {
namespace {

// Draws the panels into `painter`, whose device is `size` wide and high in its own units, of
// which `units_per_inch` make an inch.
bool paintPanels(QPainter& painter, const std::vector<std::unique_ptr<FigureView>>& views,
                 const FigureExportStyle& style, const QSizeF& size, QString* error) {
  const figure_style::Look look = figure_style::lookOf(style);
  const double units_per_inch = size.width() / style.width_inches;
  // The letters' strip: a line and a half of the body text.
  const double strip_inches = 1.6 * style.bodyPoints() / 72.0;
  const double panel_width = size.width() / static_cast<double>(views.size());
  const double panel_height = size.height() - strip_inches * units_per_inch;
  const QSizeF panel_inches(style.width_inches / static_cast<double>(views.size()),
                            style.height_inches - strip_inches);
  painter.fillRect(QRectF(QPointF(0, 0), size), Qt::white);
  QFont letter_font(look.font_family);
  letter_font.setPixelSize(
      std::max(1, static_cast<int>(std::lround(style.bodyPoints() / 72.0 * units_per_inch))));
  for (std::size_t i = 0; i < views.size(); ++i) {
    const QRectF target(panel_width * static_cast<double>(i), 0, panel_width, panel_height);
    if (!views[i]->renderForExport(painter, target, panel_inches)) {
      *error = views[i]->lastError();
      return false;
    }
    painter.setFont(letter_font);
    painter.setPen(figure_style::kTextColour);
    painter.drawText(QRectF(target.left(), panel_height, panel_width, size.height() - panel_height),
                     Qt::AlignCenter, QStringLiteral("(%1)").arg(QChar('a' + static_cast<int>(i))));
  }
  return true;
}

}  // namespace

QStringList exportPanels(const std::vector<const moescope::Figure*>& figures,
                         const FigureExportStyle& style, const QString& base, QString* error,
                         QStringList* skipped) {
  // Each panel's text at the size a figure of the panel's width takes.
  FigureExportStyle panel_style = style;
  panel_style.width_inches = style.width_inches / static_cast<double>(figures.size());
  panel_style.font_points = panel_style.bodyPoints();
  std::vector<std::unique_ptr<FigureView>> views;
  for (const moescope::Figure* figure : figures) {
    auto view = std::make_unique<FigureView>();
    view->setExportStyle(panel_style);
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
    if (!paintPanels(painter, views, style, QSizeF(image.size()), error))
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
    if (!paintPanels(painter, views, style, QSizeF(size), error))
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
    if (!paintPanels(painter, views, style, QSizeF(writer.width(), writer.height()), error))
      return {};
  }
  return {png, svg, pdf};
}

}  // namespace moescope::explorer

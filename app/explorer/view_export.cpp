#include "view_export.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QObject>
#include <iostream>
#include <optional>
#include <string>

#include "figure_panels.h"
#include "figure_view.h"
#include "surface_view.h"

namespace moescope::explorer {
namespace {

FigureExportStyle& processStyle() {
  static FigureExportStyle style;
  return style;
}

QString nameOf(const moescope::Figure& figure) {
  return QString::fromStdString(std::string(moescope::to_string(figure.id)));
}

// BASE without the suffix a path may end in.
QString bundleBase(const QString& path) {
  const QFileInfo info(path);
  return info.suffix().isEmpty() ? path : QDir(info.path()).filePath(info.completeBaseName());
}

}  // namespace

const FigureExportStyle& figureExportStyle() {
  return processStyle();
}

void setFigureExportStyle(const FigureExportStyle& style) {
  processStyle() = style;
}

bool exportFigureFiles(FigureView& view, const QString& base, int dpi, QString* error,
                       const FigureSource& source) {
  if (view.figure() == nullptr) {
    *error = QObject::tr("no figure to export");
    return false;
  }
  if (!view.hasContent()) {
    std::cerr << "moescope-explorer: note: " << nameOf(*view.figure()).toStdString()
              << " not written, it has nothing to draw: " << view.figure()->message << '\n';
    return true;
  }
  view.setExportStyle(figureExportStyle());
  const QStringList files = {base + ".png", base + ".svg", base + ".pdf", base + ".csv"};
  if (!view.exportPng(files[0], dpi) || !view.exportSvg(files[1]) || !view.exportPdf(files[2]) ||
      !view.exportCsv(files[3])) {
    *error = view.lastError();
    return false;
  }
  return writeFigureBundle(base, {nameOf(*view.figure())},
                           QString::fromStdString(view.figure()->title), files, source,
                           figureExportStyle(), error);
}

bool exportFigureTo(FigureView& view, const QString& path, int dpi, QString* error,
                    const FigureSource& source) {
  if (view.figure() != nullptr && !view.hasContent()) {
    *error = QObject::tr("%1 has nothing to draw, so nothing was written: %2")
                 .arg(nameOf(*view.figure()), QString::fromStdString(view.figure()->message));
    return false;
  }
  view.setExportStyle(figureExportStyle());
  bool written = false;
  if (path.endsWith(".svg"))
    written = view.exportSvg(path);
  else if (path.endsWith(".pdf"))
    written = view.exportPdf(path);
  else if (path.endsWith(".csv"))
    written = view.exportCsv(path);
  else
    written = view.exportPng(path, dpi);
  if (!written) {
    *error = view.lastError();
    return false;
  }
  return writeFigureBundle(bundleBase(path), {nameOf(*view.figure())},
                           QString::fromStdString(view.figure()->title), {path}, source,
                           figureExportStyle(), error);
}

bool exportPanelsTo(const std::vector<moescope::Figure>& figures, const QStringList& names,
                    const QString& base, const FigureSource& source, QString* error) {
  std::vector<moescope::Figure> facets;
  for (const QString& name : names) {
    for (const moescope::Figure& figure : figures) {
      if (nameOf(figure) == name) {
        for (moescope::Figure& facet : moescope::split_by_facet(figure))
          facets.push_back(std::move(facet));
      }
    }
  }
  std::vector<const moescope::Figure*> chosen;
  for (const moescope::Figure& figure : facets)
    chosen.push_back(&figure);
  const FigureExportStyle& style = figureExportStyle();
  QStringList skipped;
  const QStringList files = exportPanels(chosen, style, base, error, &skipped);
  for (const QString& name : skipped) {
    std::cerr << "moescope-explorer: note: panel " << name.toStdString()
              << " left out, it has nothing to draw\n";
  }
  if (files.isEmpty())
    return false;
  QString title;
  for (const moescope::Figure* figure : chosen)
    title += (title.isEmpty() ? "" : " | ") + QString::fromStdString(figure->title);
  return writeFigureBundle(base, names, title, files, source, style, error);
}

bool exportPanelFiles(const std::vector<moescope::Figure>& figures, const QString& directory,
                      const FigureSource& source, QString* error) {
  const FigureExportStyle& style = figureExportStyle();
  if (style.panels.isEmpty())
    return true;
  return exportPanelsTo(
      figures, style.panels,
      QDir(directory).filePath(QStringLiteral("panels-") + style.panels.join(QLatin1Char('+'))),
      source, error);
}

QString useFigureExportOptions(const QCommandLineParser& parser) {
  QStringList names;
  for (const moescope::FigureId id : moescope::kAllFigures)
    names << QString::fromStdString(std::string(moescope::to_string(id)));
  QString error;
  const std::optional<FigureExportStyle> style = figureExportStyleFrom(parser, names, &error);
  if (!style)
    return error;
  setFigureExportStyle(*style);
  return {};
}

bool exportSurfaceTo(SurfaceView& view, const QString& path, QString* error) {
  if (view.renderImage(kSurfaceExportWidth, kSurfaceExportHeight).save(path))
    return true;
  *error = QObject::tr("cannot write %1").arg(path);
  return false;
}

QString exportFilter(bool figure) {
  return figure ? QObject::tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf);;Curves as CSV (*.csv)")
                : QObject::tr("PNG image (*.png)");
}

}  // namespace moescope::explorer

// Exports a paper can print: the style's command-line strings (good and bad), a real font named in
// SVG and embedded in PDF, vector curves, several figures in one file at the size asked for, and
// the bundle (parameters, intervals, data hash, settings) beside a figure.
#include <QChartView>
#include <QCommandLineParser>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "figure_bundle.h"
#include "figure_export_options.h"
#include "figure_panels.h"
#include "figure_view.h"
#include "moescope/explore/explorer_data.h"

using namespace moescope::explorer;

namespace {

moescope::Figure lawFigure(moescope::FigureId id, double shift) {
  moescope::Figure figure;
  figure.id = id;
  figure.title = "L vs N_a";
  figure.x_label = "Active parameters N_a";
  figure.y_label = "Loss L";
  figure.log_x = true;
  moescope::Series curve;
  curve.label = "S = 0.9";
  curve.kind = moescope::SeriesKind::kLaw;
  curve.sparsity = 0.9;
  for (int i = 0; i <= 20; ++i) {
    const double n = 1e8 * std::pow(10.0, i / 10.0);
    curve.x.push_back(n);
    curve.y.push_back(2.0 + shift + 30.0 / std::pow(n, 0.2));
  }
  figure.curves = {curve};
  return figure;
}

// The paper style at `width` x `height` inches and 100 DPI: a small PNG to read back.
FigureExportStyle paperAt(double width, double height) {
  FigureExportStyle style = FigureExportStyle::of(FigureLook::kPaper);
  style.width_inches = width;
  style.height_inches = height;
  style.dpi = 100;
  return style;
}

QByteArray contents(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class FigureExportTest : public QObject {
  Q_OBJECT

 private slots:
  void sizesParseWithClearErrors();
  void theCommandLineGivesAStyle();
  void paperSvgAndPdfCarryARealFont();
  void panelsAreOneFileAtTheSizeAskedFor();
  void fivePanelsMakeTwoCaptionedRowsWithWholeAxisTitles();
  void aLongTitleBreaksAfterItsColonRatherThanBeingCut();
  void aFigureWithNothingToDrawHasNoContent();
  void theBundleHasTheParametersAndTheDataHash();
};

void FigureExportTest::sizesParseWithClearErrors() {
  double width = 0, height = 0;
  QString error;
  QVERIFY(parseSize(QStringLiteral("3.25x2.4"), &width, &height, &error));
  QCOMPARE(width, 3.25);
  QCOMPARE(height, 2.4);
  QVERIFY(parseSize(QStringLiteral("6.75\u00d73"), &width, &height, &error));  // W×H
  QCOMPARE(width, 6.75);
  QVERIFY(parseSize(QStringLiteral("column"), &width, &height, &error));
  QCOMPARE(width, 3.25);
  QVERIFY(parseSize(QStringLiteral("page"), &width, &height, &error));
  QCOMPARE(width, 6.75);

  QVERIFY(!parseSize(QStringLiteral("wide"), &width, &height, &error));
  QVERIFY2(error.contains(QStringLiteral("'wide'")) && error.contains(QStringLiteral("column")),
           qPrintable(error));
  QVERIFY(!parseSize(QStringLiteral("3.25x0"), &width, &height, &error));
  QVERIFY2(error.contains(QStringLiteral("the height")), qPrintable(error));
  QVERIFY(!parseSize(QStringLiteral("325x2"), &width, &height, &error));
  QVERIFY2(error.contains(QStringLiteral("the width")), qPrintable(error));
  QVERIFY(!parseSize(QStringLiteral("nanx2"), &width, &height, &error));

  QVERIFY(parseLook(QStringLiteral("Paper"), &error) == FigureLook::kPaper);
  QVERIFY(!parseLook(QStringLiteral("poster"), &error));
  QVERIFY2(error.contains(QStringLiteral("poster")) && error.contains(QStringLiteral("slides")),
           qPrintable(error));
}

void FigureExportTest::theCommandLineGivesAStyle() {
  const QStringList names = {QStringLiteral("loss-vs-sparsity"), QStringLiteral("loss-vs-params"),
                             QStringLiteral("loss-vs-active-params"),
                             QStringLiteral("downstream-vs-upstream"),
                             QStringLiteral("law-fit-vs-held-out")};
  auto parse = [&names](const QStringList& arguments, QString* error) {
    QCommandLineParser parser;
    parser.addOption({"dpi", "", "DPI", "150"});
    addFigureExportOptions(parser);
    parser.parse(QStringList{QStringLiteral("moescope-explorer")} + arguments);
    return figureExportStyleFrom(parser, names, error);
  };
  QString error;
  const std::optional<FigureExportStyle> paper =
      parse({"--style", "paper", "--size", "column", "--no-title", "--panels", "figure-2"}, &error);
  QVERIFY2(paper, qPrintable(error));
  QVERIFY(paper->look == FigureLook::kPaper);
  QCOMPARE(paper->width_inches, 3.25);
  QVERIFY(!paper->title);
  QCOMPARE(paper->dpi, 300);  // the paper style's, --dpi not given
  QCOMPARE(paper->panels.size(), 3);
  // A column-wide paper figure is set at 8 pt.
  QCOMPARE(paper->bodyPoints(), 8.0);
  // Figure 6's preset takes what the build draws about held-out runs.
  const std::optional<FigureExportStyle> six = parse({"--panels", "figure-6"}, &error);
  QVERIFY(six);
  QCOMPARE(six->panels, QStringList{QStringLiteral("law-fit-vs-held-out")});
  // Figure 5's preset is the downstream figure, which the export splits into a panel per task.
  const std::optional<FigureExportStyle> five = parse({"--panels", "figure-5"}, &error);
  QVERIFY2(five, qPrintable(error));
  QCOMPARE(five->panels, QStringList{QStringLiteral("downstream-vs-upstream")});

  // QApplication would take --style for the widgets' style: it is renamed before Qt sees it.
  char program[] = "moescope-explorer", style[] = "--style", paper_look[] = "paper",
       joined[] = "--style=slides";
  char* argv[] = {program, style, paper_look, joined};
  renameQtStyleArgument(4, argv);
  QCOMPARE(QByteArray(argv[1]), QByteArray("--figure-style"));
  QCOMPARE(QByteArray(argv[2]), QByteArray("paper"));
  QCOMPARE(QByteArray(argv[3]), QByteArray("--figure-style=slides"));
  const std::optional<FigureExportStyle> renamed = parse({"--figure-style", "slides"}, &error);
  QVERIFY(renamed && renamed->look == FigureLook::kSlides);

  QVERIFY(!parse({"--style", "poster"}, &error));
  QVERIFY2(error.startsWith(QStringLiteral("--style")), qPrintable(error));
  QVERIFY(!parse({"--font-size", "2"}, &error));
  QVERIFY2(error.contains(QStringLiteral("--font-size")), qPrintable(error));
  QVERIFY(!parse({"--panels", "loss-vs-params,no-such-figure"}, &error));
  QVERIFY2(error.contains(QStringLiteral("'no-such-figure'")), qPrintable(error));
}

void FigureExportTest::paperSvgAndPdfCarryARealFont() {
  QTemporaryDir directory;
  const moescope::Figure figure = lawFigure(moescope::FigureId::kLossVsActiveParams, 0);
  FigureView view;
  view.setExportStyle(FigureExportStyle::of(FigureLook::kPaper));
  view.setFigure(&figure);
  const QString svg = directory.filePath(QStringLiteral("figure.svg"));
  const QString pdf = directory.filePath(QStringLiteral("figure.pdf"));
  QVERIFY2(view.exportSvg(svg), qPrintable(view.lastError()));
  QVERIFY2(view.exportPdf(pdf), qPrintable(view.lastError()));
  const QByteArray svg_text = contents(svg);
  QVERIFY(svg_text.contains("font-family=\"DejaVu Sans\""));
  QVERIFY(!svg_text.contains("font-family=\"Sans Serif\""));
  const QByteArray pdf_bytes = contents(pdf);
  // The font's program is in the file (a TrueType subset), and named.
  QVERIFY(pdf_bytes.contains("/FontFile2"));
  QVERIFY(pdf_bytes.contains("DejaVu"));
  // Curves are vector paths, not one image of the chart.
  QVERIFY(!pdf_bytes.contains("/Subtype /Image"));
  QVERIFY(view.exportPng(directory.filePath(QStringLiteral("figure.png")), 300));
  const QImage image(directory.filePath(QStringLiteral("figure.png")));
  QCOMPARE(image.width(), static_cast<int>(std::lround(6.75 * 300)));
  QCOMPARE(image.height(), static_cast<int>(std::lround(3.4 * 300)));
}

void FigureExportTest::panelsAreOneFileAtTheSizeAskedFor() {
  QTemporaryDir directory;
  const moescope::Figure a = lawFigure(moescope::FigureId::kLossVsSparsity, 0);
  const moescope::Figure b = lawFigure(moescope::FigureId::kLossVsParams, 0.1);
  moescope::Figure empty;
  empty.id = moescope::FigureId::kDownstreamVsUpstream;
  empty.message = "No run has downstream metrics.";
  const FigureExportStyle style = paperAt(6.75, 2.25);
  QString error;
  QStringList skipped;
  const QStringList files = exportPanels(
      {&a, &b, &empty}, style, directory.filePath(QStringLiteral("panels")), &error, &skipped);
  QVERIFY2(files.size() == 3, qPrintable(error));
  QCOMPARE(skipped, QStringList{QStringLiteral("downstream-vs-upstream")});
  const QImage image(files[0]);
  QCOMPARE(image.width(), 675);
  QCOMPARE(image.height(), 225);
  QVERIFY(contents(files[1]).contains("(b)"));
  QVERIFY(contents(files[2]).startsWith("%PDF"));

  // Nothing to draw at all: no file, and the error says so.
  QVERIFY(
      exportPanels({&empty}, style, directory.filePath(QStringLiteral("none")), &error).isEmpty());
  QVERIFY2(error.contains(QStringLiteral("anything to draw")), qPrintable(error));
  QVERIFY(!QFile::exists(directory.filePath(QStringLiteral("none.png"))));
}

void FigureExportTest::fivePanelsMakeTwoCaptionedRowsWithWholeAxisTitles() {
  QTemporaryDir directory;
  std::vector<moescope::Figure> tasks;
  for (int i = 0; i < 5; ++i) {
    moescope::Figure& task = tasks.emplace_back(lawFigure(moescope::FigureId::kLossVsParams, i));
    task.caption = "task-" + std::to_string(i);
    task.x_label = "Upstream loss L (nats/token)";
  }
  const FigureExportStyle style = paperAt(4.5, 4.5);
  QString error;
  const QStringList files =
      exportPanels({&tasks[0], &tasks[1], &tasks[2], &tasks[3], &tasks[4]}, style,
                   directory.filePath(QStringLiteral("tasks")), &error);
  QVERIFY2(files.size() == 3, qPrintable(error));
  const QString svg = QString::fromUtf8(contents(files[1]));
  // Lettered and captioned; 3 + 2 panels, so (d) starts the second row, under (a).
  QVERIFY2(svg.contains(QStringLiteral("(a) task-0")), qPrintable(svg.left(2000)));
  QVERIFY(svg.contains(QStringLiteral("(e) task-4")));
  // A panel 1.5 in wide cannot hold the x axis's title on one line: it is broken before its
  // unit, never elided.
  QCOMPARE(svg.count(QStringLiteral(">Upstream loss L</text>")), 5);
  QCOMPARE(svg.count(QStringLiteral(">(nats/token)</text>")), 5);
  const QImage image(files[0]);
  QCOMPARE(image.width(), 450);
  QCOMPARE(image.height(), 450);
  // Two rows of plots: the top and bottom halves of the page each have a plot's frame in dark
  // ink across the middle column.
  auto darkRowsIn = [&](int top, int bottom) {
    int dark = 0;
    for (int y = top; y < bottom; ++y) {
      int run = 0;
      for (int x = 150; x < 300; ++x)
        run += qGray(image.pixel(x, y)) < 100 ? 1 : 0;
      dark += run > 75 ? 1 : 0;  // a horizontal axis line across most of the panel
    }
    return dark;
  };
  QVERIFY(darkRowsIn(0, 225) > 0);
  QVERIFY(darkRowsIn(225, 450) > 0);
}

void FigureExportTest::aLongTitleBreaksAfterItsColonRatherThanBeingCut() {
  QTemporaryDir directory;
  moescope::Figure figure = lawFigure(moescope::FigureId::kLossVsParams, 0);
  figure.title = "Loss vs total parameters per budget at S = 0: runs and the Chinchilla-form law";
  FigureExportStyle style = FigureExportStyle::of(FigureLook::kPaper);
  style.width_inches = 3.25;
  style.height_inches = 2.8;
  FigureView view;
  view.setExportStyle(style);
  view.setFigure(&figure);
  const QString svg = directory.filePath(QStringLiteral("figure.svg"));
  QVERIFY2(view.exportSvg(svg), qPrintable(view.lastError()));
  const QString text = QString::fromUtf8(contents(svg));
  QVERIFY2(text.contains(QStringLiteral(">Loss vs total parameters per budget at S = 0:</text>")),
           qPrintable(text.left(3000)));
  QVERIFY(text.contains(QStringLiteral(">runs and the Chinchilla-form law</text>")));
  // The view on screen keeps its one-line title.
  QVERIFY(!view.findChild<QChartView*>()->chart()->title().contains(QStringLiteral("<br>")));
}

void FigureExportTest::aFigureWithNothingToDrawHasNoContent() {
  moescope::Figure empty;
  empty.message = "No run has downstream metrics.";
  FigureView view;
  view.setFigure(&empty);
  QVERIFY(!view.hasContent());
  const moescope::Figure drawn = lawFigure(moescope::FigureId::kLossVsParams, 0);
  view.setFigure(&drawn);
  QVERIFY(view.hasContent());
}

void FigureExportTest::theBundleHasTheParametersAndTheDataHash() {
  QTemporaryDir directory;
  moescope::ExplorerData data;
  data.runs.resize(2);
  data.runs[0].id = "a";
  data.runs[0].loss = 2.5;
  data.runs[1].id = "b";
  data.runs[1].loss = 2.4;
  moescope::FittedLaw law;
  law.form = moescope::LawForm::kChinchilla;
  law.chinchilla = {400.0, 410.0, 1.69, 0.34, 0.28};
  data.law = law;
  for (const double scale : {0.9, 1.0, 1.1}) {
    moescope::FittedLaw replicate = law;
    replicate.chinchilla.E *= scale;
    data.replicates.push_back(replicate);
  }
  moescope::ExplorerState state;
  state.budget = 3e20;
  const QString base = directory.filePath(QStringLiteral("loss-vs-params"));
  QString error;
  QVERIFY2(writeFigureBundle(base, {QStringLiteral("loss-vs-params")}, QStringLiteral("L vs N"),
                             {base + ".png"}, {&data, &state},
                             FigureExportStyle::of(FigureLook::kPaper), &error),
           qPrintable(error));
  const QJsonObject bundle = QJsonDocument::fromJson(contents(base + ".json")).object();
  QCOMPARE(bundle["settings"].toObject()["budget"].toDouble(), 3e20);
  QCOMPARE(bundle["style"].toObject()["style"].toString(), QStringLiteral("paper"));
  QCOMPARE(bundle["data"].toObject()["runs"].toInt(), 2);
  QCOMPARE(bundle["data"].toObject()["content_hash"].toString().size(), 32);
  const QJsonArray parameters = bundle["law"].toObject()["parameters"].toArray();
  QCOMPARE(parameters.size(), 5);
  QJsonObject e;
  for (const QJsonValue& parameter : parameters) {
    if (parameter.toObject()["name"].toString() == QStringLiteral("E"))
      e = parameter.toObject();
  }
  QCOMPARE(e["value"].toDouble(), 1.69);
  QVERIFY(e["lo"].toDouble() < 1.69 && e["hi"].toDouble() > 1.69);
  QVERIFY(!contents(base + ".json").contains("nan"));
  const QByteArray tex = contents(base + ".tex");
  QVERIFY(tex.contains("\\toprule"));
  QVERIFY(tex.contains("$\\alpha$"));
  QVERIFY(tex.contains("$E$ & $1.69$"));

  // Other runs, another hash.
  data.runs[1].loss = 2.3;
  QVERIFY(writeFigureBundle(base, {}, {}, {}, {&data, &state}, {}, &error));
  const QJsonObject changed = QJsonDocument::fromJson(contents(base + ".json")).object();
  QVERIFY(changed["data"].toObject()["content_hash"] != bundle["data"].toObject()["content_hash"]);
}

QTEST_MAIN(FigureExportTest)
#include "figure_export_test.moc"

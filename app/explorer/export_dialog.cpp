#include "export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <algorithm>

#include "figure_export_options.h"
#include "view_export.h"

namespace moescope::explorer {

bool chooseFigureExportStyle(QWidget* parent, const QStringList& panel_figures) {
  QSettings settings;
  FigureExportStyle style = rememberedExportStyle(settings);
  QDialog dialog(parent);
  dialog.setObjectName(QStringLiteral("exportDialog"));
  dialog.setWindowTitle(panel_figures.isEmpty() ? QObject::tr("Export figure")
                                                : QObject::tr("Export panels"));
  auto* form = new QFormLayout(&dialog);
  auto* look = new QComboBox;
  for (const FigureLook each : {FigureLook::kPaper, FigureLook::kSlides, FigureLook::kScreen})
    look->addItem(toString(each));
  look->setCurrentText(toString(style.look));
  auto* size =
      new QLineEdit(QStringLiteral("%1x%2").arg(style.width_inches).arg(style.height_inches));
  size->setToolTip(QObject::tr("Inches, WIDTHxHEIGHT, or column, page, slide"));
  auto* font = new QDoubleSpinBox;
  font->setRange(0, 72);
  font->setSingleStep(0.5);
  font->setSpecialValueText(QObject::tr("the style's"));
  font->setSuffix(QObject::tr(" pt"));
  font->setValue(style.font_points);
  auto* title = new QCheckBox(QObject::tr("Draw the title"));
  title->setChecked(style.title);
  auto* dpi = new QSpinBox;
  dpi->setRange(30, 2400);
  dpi->setValue(style.dpi);
  QComboBox* panels = nullptr;
  if (!panel_figures.isEmpty()) {
    panels = new QComboBox;
    panels->setObjectName(QStringLiteral("panels"));
    for (const PanelPreset& preset : kPanelPresets)
      panels->addItem(QString::fromUtf8(preset.description), QString::fromLatin1(preset.name));
    panels->setCurrentIndex(std::max(
        0, panels->findData(settings.value(QStringLiteral("figureExport/panels")).toString())));
  }
  auto* problem = new QLabel;
  problem->setStyleSheet(QStringLiteral("color: #b00020"));
  if (panels != nullptr)
    form->addRow(QObject::tr("Panels"), panels);
  form->addRow(QObject::tr("Style"), look);
  form->addRow(QObject::tr("Size"), size);
  form->addRow(QObject::tr("Text size"), font);
  form->addRow(QString(), title);
  // Panels are named by their letters, never titled (figure_panels.h).
  form->setRowVisible(title, panels == nullptr);
  form->addRow(QObject::tr("PNG resolution (DPI)"), dpi);
  form->addRow(problem);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  // A new style starts from its own size, which the reader may then change.
  QObject::connect(look, &QComboBox::currentTextChanged, &dialog, [=](const QString& text) {
    QString ignored;
    if (const std::optional<FigureLook> chosen = parseLook(text, &ignored)) {
      const FigureExportStyle defaults = FigureExportStyle::of(*chosen);
      size->setText(QStringLiteral("%1x%2").arg(defaults.width_inches).arg(defaults.height_inches));
    }
  });
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    QString error;
    const std::optional<FigureLook> chosen = parseLook(look->currentText(), &error);
    double width = 0, height = 0;
    if (!chosen || !parseSize(size->text(), &width, &height, &error)) {
      problem->setText(error);
      return;
    }
    style.look = *chosen;
    style.width_inches = width;
    style.height_inches = height;
    style.font_points = font->value();
    style.title = title->isChecked();
    style.dpi = dpi->value();
    style.panels.clear();
    if (panels != nullptr) {
      style.panels = parsePanels(panels->currentData().toString(), panel_figures, &error);
      if (style.panels.isEmpty()) {
        problem->setText(error);
        return;
      }
    }
    dialog.accept();
  });
  if (dialog.exec() != QDialog::Accepted)
    return false;
  rememberExportStyle(settings, style);
  if (panels != nullptr)
    settings.setValue(QStringLiteral("figureExport/panels"), panels->currentData());
  setFigureExportStyle(style);
  return true;
}

}  // namespace moescope::explorer

#include "fits_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "display_text.h"
#include "figure_style.h"

namespace moescope::explorer {
namespace {

enum Column { kShown, kName, kObjective, kRuns, kRemove, kColumns };

// A short stroke of the fit's line, as the figures draw it.
QIcon swatch(const QPen& pen) {
  QPixmap pixmap(40, 12);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  QPen thick = pen;
  thick.setWidthF(2.5);
  painter.setPen(thick);
  painter.drawLine(QPointF(1, 6), QPointF(39, 6));
  return QIcon(pixmap);
}

}  // namespace

FitsPanel::FitsPanel(const moescope::LawCollection* fits, QWidget* parent)
    : QWidget(parent), fits_(fits) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  table_ = new QTableWidget(0, kColumns);
  table_->setObjectName(QStringLiteral("fitsTable"));
  table_->setHorizontalHeaderLabels({tr("Shown"), tr("Fit"), tr("Objective"), tr("Runs"), {}});
  table_->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setIconSize(QSize(40, 12));
  layout->addWidget(table_);
  notes_ = new QLabel;
  notes_->setWordWrap(true);
  notes_->setStyleSheet(QStringLiteral("color: #a35200;"));
  notes_->hide();
  layout->addWidget(notes_);
  auto* hint =
      new QLabel(tr("Fit > New Law (Ctrl+Shift+L) adds a law; double-click a fit for "
                    "its residuals."));
  hint->setStyleSheet(QStringLiteral("color: #555;"));
  hint->setWordWrap(true);
  layout->addWidget(hint);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() == kShown && item->row() > 0)
      emit visibilityChanged(static_cast<std::size_t>(item->row() - 1),
                             item->checkState() == Qt::Checked);
  });
  connect(table_, &QTableWidget::cellDoubleClicked, this,
          [this](int row, int) { emit fitActivated(row - 1); });
}

void FitsPanel::refresh(const QString& main_name, std::size_t main_runs) {
  const QSignalBlocker quiet(table_);
  table_->setRowCount(static_cast<int>(fits_->size()) + 1);
  auto set = [this](int row, int column, const QString& text) {
    auto* item = new QTableWidgetItem(text);
    table_->setItem(row, column, item);
    return item;
  };
  // The main fit: always drawn (by sparsity or budget), never removed.
  QTableWidgetItem* main_shown = set(0, kShown, {});
  main_shown->setFlags(Qt::ItemIsEnabled);
  main_shown->setCheckState(Qt::Checked);
  QTableWidgetItem* main_item =
      set(0, kName, main_name.isEmpty() ? tr("main fit (none)") : tr("%1 (main)").arg(main_name));
  main_item->setIcon(swatch(figure_style::lawPen(figure_style::kAxisColour)));
  set(0, kObjective, QStringLiteral("\u2014"));
  set(0, kRuns, main_runs > 0 ? QString::number(main_runs) : QStringLiteral("\u2014"));
  table_->setCellWidget(0, kRemove, nullptr);
  for (std::size_t i = 0; i < fits_->size(); ++i) {
    const moescope::UserLawFit& fit = fits_->at(i);
    const int row = static_cast<int>(i) + 1;
    QTableWidgetItem* shown = set(row, kShown, {});
    shown->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    shown->setCheckState(fit.visible ? Qt::Checked : Qt::Unchecked);
    QTableWidgetItem* name = set(row, kName, qs(fit.name));
    name->setIcon(swatch(figure_style::fitPen(figure_style::fitColour(fit.colour))));
    name->setToolTip(qs(fit.summary.law.expression()));
    set(row, kObjective, number(fit.summary.objective));
    set(row, kRuns, QString::number(fit.summary.fit.points));
    auto* remove = new QToolButton;
    remove->setText(QStringLiteral("\u2715"));
    remove->setToolTip(tr("Remove %1").arg(qs(fit.name)));
    remove->setAutoRaise(true);
    connect(remove, &QToolButton::clicked, this, [this, i] { emit removeRequested(i); });
    table_->setCellWidget(row, kRemove, remove);
  }
  table_->resizeColumnToContents(kShown);
  table_->resizeColumnToContents(kObjective);
  table_->resizeColumnToContents(kRuns);
  table_->resizeColumnToContents(kRemove);
}

void FitsPanel::setNotes(const std::vector<std::string>& notes) {
  QStringList lines;
  for (const std::string& note : notes)
    lines << tr("Not drawn: %1").arg(qs(note));
  notes_->setText(lines.join('\n'));
  notes_->setVisible(!lines.isEmpty());
}

}  // namespace moescope::explorer

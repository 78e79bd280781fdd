#include "run_table_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>
#include <utility>

#include "run_table_model.h"

namespace moescope::explorer {

namespace {

constexpr int kMaxFittedColumnWidth = 260;
// Room around the text of a row, enough for the status combo box.
constexpr int kRowPadding = 8;

void styleAsError(QLabel* label) {
  QPalette palette = label->palette();
  palette.setColor(QPalette::WindowText, QColor(0xb0, 0x00, 0x20));
  label->setPalette(palette);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label->setTextFormat(Qt::PlainText);
}

void addStatuses(QComboBox& combo) {
  for (const moescope::RunStatus status :
       {moescope::RunStatus::kPlanned, moescope::RunStatus::kRunning, moescope::RunStatus::kDone,
        moescope::RunStatus::kFailed}) {
    combo.addItem(QString::fromUtf8(moescope::to_string(status)));
  }
}

// Edits a run's status with a combo box of the four statuses; choosing one commits it at once
// rather than when the editor loses focus.
class StatusDelegate : public QStyledItemDelegate {
 public:
  explicit StatusDelegate(QObject* parent) : QStyledItemDelegate(parent) {
    QComboBox widest;
    addStatuses(widest);
    editor_width_ = widest.sizeHint().width();
  }

  // Wide enough for the editor, so that fitting the column to its contents leaves the longest
  // status readable while editing.
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QSize hint = QStyledItemDelegate::sizeHint(option, index);
    hint.setWidth(std::max(hint.width(), editor_width_));
    return hint;
  }

  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& /*option*/,
                        const QModelIndex& /*index*/) const override {
    auto* combo = new QComboBox(parent);
    addStatuses(*combo);
    // As Qt's Star Delegate example does: createEditor is const, the slot that emits is not.
    connect(combo, &QComboBox::activated, this, &StatusDelegate::commitAndCloseEditor);
    return combo;
  }

  void setEditorData(QWidget* editor, const QModelIndex& index) const override {
    static_cast<QComboBox*>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
  }

  void setModelData(QWidget* editor, QAbstractItemModel* model,
                    const QModelIndex& index) const override {
    model->setData(index, static_cast<QComboBox*>(editor)->currentText(), Qt::EditRole);
  }

 private:
  void commitAndCloseEditor() {
    auto* editor = qobject_cast<QWidget*>(sender());
    emit commitData(editor);
    emit closeEditor(editor);
  }

  int editor_width_ = 0;
};

}  // namespace

void setUpRunTable(QTableView* table) {
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setAlternatingRowColors(true);
  table->setWordWrap(false);
  table->verticalHeader()->hide();
  // The hidden vertical header still sets the row height; its default leaves half of it empty.
  table->verticalHeader()->setMinimumSectionSize(1);
  table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + kRowPadding);
  table->horizontalHeader()->setStretchLastSection(true);
}

void fitRunTableColumns(QTableView* table) {
  table->resizeColumnsToContents();
  QHeaderView* header = table->horizontalHeader();
  for (int column = 0; column < header->count(); ++column) {
    if (header->sectionSize(column) > kMaxFittedColumnWidth)
      header->resizeSection(column, kMaxFittedColumnWidth);
  }
}

RunFilterProxyModel::RunFilterProxyModel(RunTableModel* runs, QObject* parent)
    : QSortFilterProxyModel(parent), runs_(runs) {
  setSourceModel(runs);
  setSortRole(RunTableModel::kSortRole);
}

void RunFilterProxyModel::setRunFilter(std::optional<moescope::RunFilter> filter) {
  filter_ = std::move(filter);
  invalidateFilter();
}

bool RunFilterProxyModel::filterAcceptsRow(int source_row,
                                           const QModelIndex& /*source_parent*/) const {
  return !filter_ || filter_->matches(runs_->runAt(source_row));
}

bool RunFilterProxyModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const QVariant left_value = left.data(sortRole());
  const QVariant right_value = right.data(sortRole());
  if (!left_value.isValid() || !right_value.isValid()) {
    if (left_value.isValid() == right_value.isValid())
      return false;
    // Qt reverses the comparison for a descending sort; missing values stay last either way.
    return !left_value.isValid() == (sortOrder() == Qt::DescendingOrder);
  }
  if (left_value.userType() == QMetaType::Double)
    return left_value.toDouble() < right_value.toDouble();
  return QString::compare(left_value.toString(), right_value.toString(), Qt::CaseInsensitive) < 0;
}

RunTableView::RunTableView(RunTableModel* model, QWidget* parent) : QWidget(parent), model_(model) {
  proxy_ = new RunFilterProxyModel(model_, this);

  auto* filter_label = new QLabel(tr("&Filter:"));
  filter_field_ = new QLineEdit;
  filter_field_->setClearButtonEnabled(true);
  filter_field_->setPlaceholderText(tr("e.g. S>=0.9 && C<1e21 (empty: all runs)"));
  filter_field_->setToolTip(
      tr("Comparisons joined by &&. Fields: N, N_active, S, D, C, loss, experts, active, "
         "granularity, d_model, layers. Operators: == != < <= > >=. A run lacking a field in the "
         "rule is left out."));
  filter_label->setBuddy(filter_field_);
  filter_error_label_ = new QLabel;
  styleAsError(filter_error_label_);
  filter_error_label_->hide();

  table_ = new QTableView;
  table_->setModel(proxy_);
  setUpRunTable(table_);
  table_->setItemDelegateForColumn(RunTableModel::kStatusColumn, new StatusDelegate(table_));
  // Several runs at once, for Delete.
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::SelectedClicked |
                          QAbstractItemView::EditKeyPressed);
  // Unsorted (file or store order) until a header is clicked.
  table_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  table_->setSortingEnabled(true);

  count_label_ = new QLabel;
  count_label_->setObjectName(QStringLiteral("runCount"));
  edit_error_label_ = new QLabel;
  styleAsError(edit_error_label_);

  // Del acts where the table has the focus only: in the filter field it deletes text.
  delete_action_ = new QAction(this);
  delete_action_->setObjectName(QStringLiteral("deleteRuns"));
  delete_action_->setShortcut(QKeySequence::Delete);
  delete_action_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  table_->addAction(delete_action_);
  table_->setContextMenuPolicy(Qt::ActionsContextMenu);
  auto* delete_button = new QToolButton;
  delete_button->setDefaultAction(delete_action_);
  connect(delete_action_, &QAction::triggered, this,
          [this] { emit deleteRequested(selectedRunIndices()); });

  invalid_label_ = new QLabel;
  invalid_label_->setObjectName(QStringLiteral("invalidRuns"));
  styleAsError(invalid_label_);
  delete_invalid_button_ = new QPushButton(tr("Delete the invalid runs..."));
  delete_invalid_button_->setObjectName(QStringLiteral("deleteInvalidRuns"));
  connect(delete_invalid_button_, &QPushButton::clicked, this,
          &RunTableView::deleteInvalidRequested);
  auto* invalid_row = new QHBoxLayout;
  invalid_row->addWidget(invalid_label_, 1);
  invalid_row->addWidget(delete_invalid_button_, 0, Qt::AlignTop);

  auto* filter_row = new QHBoxLayout;
  filter_row->addWidget(filter_label);
  filter_row->addWidget(filter_field_, 1);
  auto* bottom_row = new QHBoxLayout;
  bottom_row->addWidget(count_label_);
  bottom_row->addWidget(edit_error_label_, 1);
  bottom_row->addWidget(delete_button);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(invalid_row);
  layout->addLayout(filter_row);
  layout->addWidget(filter_error_label_);
  layout->addWidget(table_, 1);
  layout->addLayout(bottom_row);
  setInvalidRuns({});

  connect(filter_field_, &QLineEdit::textChanged, this, &RunTableView::applyFilter);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid())
              emit runSelected(static_cast<std::size_t>(proxy_->mapToSource(current).row()));
          });
  connect(proxy_, &QAbstractItemModel::rowsInserted, this, &RunTableView::updateCount);
  connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &RunTableView::updateCount);
  connect(proxy_, &QAbstractItemModel::modelReset, this, [this] {
    updateCount();
    fitRunTableColumns(table_);
    edit_error_label_->clear();
  });
  connect(proxy_, &QAbstractItemModel::layoutChanged, this, &RunTableView::updateCount);
  connect(model_, &RunTableModel::editFailed, edit_error_label_, &QLabel::setText);
  connect(model_, &RunTableModel::runEdited, edit_error_label_, &QLabel::clear);
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunTableView::updateDeleteAction);
  connect(proxy_, &QAbstractItemModel::modelReset, this, &RunTableView::updateDeleteAction);

  updateCount();
  updateDeleteAction();
  fitRunTableColumns(table_);
}

std::vector<std::size_t> RunTableView::selectedRunIndices() const {
  std::vector<std::size_t> indices;
  for (const QModelIndex& row : table_->selectionModel()->selectedRows())
    indices.push_back(static_cast<std::size_t>(proxy_->mapToSource(row).row()));
  std::sort(indices.begin(), indices.end());
  return indices;
}

void RunTableView::setDeletable(bool deletable) {
  deletable_ = deletable;
  updateDeleteAction();
}

void RunTableView::updateDeleteAction() {
  const std::size_t selected = selectedRunIndices().size();
  delete_action_->setText(selected == 1   ? tr("&Delete 1 run...")
                          : selected == 0 ? tr("&Delete runs...")
                                          : tr("&Delete %1 runs...").arg(selected));
  delete_action_->setEnabled(deletable_ && selected > 0);
  delete_action_->setToolTip(
      deletable_ ? tr("Delete the selected runs from the store, after a confirmation (Del)")
                 : tr("Runs from a file or the built-in data cannot be deleted; open a store "
                      "(Ctrl+O)"));
}

void RunTableView::setInvalidRuns(const QStringList& problems) {
  invalid_label_->setText(
      problems.isEmpty()
          ? QString()
          : (problems.size() == 1
                 ? tr("1 stored run no longer satisfies the run model (edited by another tool?) "
                      "and is left out:")
                 : tr("%1 stored runs no longer satisfy the run model (edited by another tool?) "
                      "and are left out:")
                       .arg(problems.size())) +
                QStringLiteral("\n  ") + problems.join(QStringLiteral("\n  ")));
  invalid_label_->setVisible(!problems.isEmpty());
  delete_invalid_button_->setVisible(!problems.isEmpty());
  left_out_ = static_cast<int>(problems.size());
  updateCount();
}

QString RunTableView::invalidRunsText() const {
  return invalid_label_->text();
}

void RunTableView::setFilterText(const QString& rule) {
  filter_field_->setText(rule);
}

QString RunTableView::filterText() const {
  return filter_field_->text();
}

int RunTableView::visibleRunCount() const {
  return proxy_->rowCount();
}

void RunTableView::applyFilter(const QString& rule) {
  const QString trimmed = rule.trimmed();
  try {
    proxy_->setRunFilter(trimmed.isEmpty()
                             ? std::nullopt
                             : std::optional(moescope::RunFilter::parse(trimmed.toStdString())));
    filter_error_.clear();
  } catch (const std::exception& error) {
    // Typing passes through bad rules ("S>" on the way to "S>0.5"): the table keeps the last good
    // filter rather than flickering to nothing.
    filter_error_ = QString::fromUtf8(error.what());
  }
  filter_error_label_->setText(filter_error_);
  filter_error_label_->setVisible(!filter_error_.isEmpty());
}

void RunTableView::updateCount() {
  const int total = model_->rowCount();
  const QString shown = total == 1 ? tr("%1 of 1 run").arg(visibleRunCount())
                                   : tr("%1 of %2 runs").arg(visibleRunCount()).arg(total);
  count_label_->setText(
      left_out_ == 0
          ? shown
          : tr("%1; %2 more in the store, left out (listed above)").arg(shown).arg(left_out_));
}

}  // namespace moescope::explorer

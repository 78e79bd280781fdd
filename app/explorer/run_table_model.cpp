#include "run_table_model.h"

#include <QFont>
#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <utility>

#include "moescope/io/number_format.h"

namespace moescope::explorer {

namespace {

using moescope::Quantity;
using moescope::Run;

const QString kMissing = QStringLiteral("\u2014");

bool isNumeric(int column) {
  return column >= RunTableModel::kTotalParamsColumn && column <= RunTableModel::kLossColumn;
}

std::optional<double> numericValue(const Run& run, int column) {
  const auto architecture_field = [&](int moescope::Architecture::*field) -> std::optional<double> {
    if (!run.architecture)
      return std::nullopt;
    return (*run.architecture).*field;
  };
  switch (column) {
    case RunTableModel::kTotalParamsColumn:
      return run.total_params;
    case RunTableModel::kActiveParamsColumn:
      return run.active_params;
    case RunTableModel::kSparsityColumn:
      return run.sparsity;
    case RunTableModel::kExpertsColumn:
      return architecture_field(&moescope::Architecture::experts);
    case RunTableModel::kActiveExpertsColumn:
      return architecture_field(&moescope::Architecture::active);
    case RunTableModel::kDModelColumn:
      return architecture_field(&moescope::Architecture::d_model);
    case RunTableModel::kLayersColumn:
      return architecture_field(&moescope::Architecture::n_layers);
    case RunTableModel::kTokensColumn:
      return run.tokens;
    case RunTableModel::kComputeColumn:
      return run.compute;
    case RunTableModel::kLossColumn:
      return run.loss;
    default:
      return std::nullopt;
  }
}

std::optional<Quantity> quantityOf(int column) {
  switch (column) {
    case RunTableModel::kTotalParamsColumn:
      return Quantity::kTotalParams;
    case RunTableModel::kActiveParamsColumn:
      return Quantity::kActiveParams;
    case RunTableModel::kSparsityColumn:
      return Quantity::kSparsity;
    case RunTableModel::kTokensColumn:
      return Quantity::kTokens;
    case RunTableModel::kComputeColumn:
      return Quantity::kCompute;
    default:
      return std::nullopt;
  }
}

bool isDerived(const Run& run, int column) {
  const std::optional<Quantity> quantity = quantityOf(column);
  return quantity && run.derived.contains(*quantity);
}

QString textValue(const Run& run, int column) {
  switch (column) {
    case RunTableModel::kIdColumn:
      return QString::fromStdString(run.id);
    case RunTableModel::kNameColumn:
      return QString::fromStdString(run.name);
    case RunTableModel::kStatusColumn:
      return QString::fromUtf8(moescope::to_string(run.status));
    case RunTableModel::kOriginColumn:
      return QString::fromStdString(run.origin);
    default:
      return {};
  }
}

// Exact (it round-trips), in scientific notation from a million on: a derived C = 6 N_a D is a
// whole number, which the shortest form writes with all its digits ("1397236736293715200").
QString exactNumber(double value) {
  if (!(std::abs(value) >= 1e6) || !std::isfinite(value))
    return QString::fromStdString(moescope::format_number(value));
  char text[32];
  const char* end =
      std::to_chars(text, text + sizeof text, value, std::chars_format::scientific).ptr;
  return QString::fromLatin1(text, end - text);
}

QString numberTooltip(double value, bool derived) {
  const QString exact = exactNumber(value);
  return derived ? RunTableModel::tr("%1 (derived: the source did not give it)").arg(exact) : exact;
}

QString columnLabel(int column) {
  switch (column) {
    case RunTableModel::kIdColumn:
      return RunTableModel::tr("id");
    case RunTableModel::kNameColumn:
      return RunTableModel::tr("name");
    case RunTableModel::kStatusColumn:
      return RunTableModel::tr("status");
    case RunTableModel::kTotalParamsColumn:
      return RunTableModel::tr("N (params)");
    case RunTableModel::kActiveParamsColumn:
      return RunTableModel::tr("N_a (params)");
    case RunTableModel::kSparsityColumn:
      return RunTableModel::tr("S");
    case RunTableModel::kExpertsColumn:
      return RunTableModel::tr("E");
    case RunTableModel::kActiveExpertsColumn:
      return RunTableModel::tr("K");
    case RunTableModel::kDModelColumn:
      return RunTableModel::tr("d_model");
    case RunTableModel::kLayersColumn:
      return RunTableModel::tr("layers");
    case RunTableModel::kTokensColumn:
      return RunTableModel::tr("D (tokens)");
    case RunTableModel::kComputeColumn:
      return RunTableModel::tr("C (FLOPs)");
    case RunTableModel::kLossColumn:
      return RunTableModel::tr("loss");
    case RunTableModel::kOriginColumn:
      return RunTableModel::tr("origin");
    default:
      return {};
  }
}

QString columnDescription(int column) {
  switch (column) {
    case RunTableModel::kIdColumn:
      return RunTableModel::tr("Stable identity: a hash of the run's content");
    case RunTableModel::kNameColumn:
      return RunTableModel::tr("Label from the source");
    case RunTableModel::kStatusColumn:
      return RunTableModel::tr("planned, running, done or failed");
    case RunTableModel::kTotalParamsColumn:
      return RunTableModel::tr("Total parameters N");
    case RunTableModel::kActiveParamsColumn:
      return RunTableModel::tr("Active parameters per token N_a");
    case RunTableModel::kSparsityColumn:
      return RunTableModel::tr("Sparsity S = (E \u2212 K)/E");
    case RunTableModel::kExpertsColumn:
      return RunTableModel::tr("Experts per MoE layer");
    case RunTableModel::kActiveExpertsColumn:
      return RunTableModel::tr("Active experts per token");
    case RunTableModel::kDModelColumn:
      return RunTableModel::tr("Model width");
    case RunTableModel::kLayersColumn:
      return RunTableModel::tr("Transformer layers");
    case RunTableModel::kTokensColumn:
      return RunTableModel::tr("Training tokens D");
    case RunTableModel::kComputeColumn:
      return RunTableModel::tr("Training compute C in FLOPs");
    case RunTableModel::kLossColumn:
      return RunTableModel::tr(
          "Final validation loss, in the run's unit (nats/token, nats/byte, ...: its tooltip "
          "says)");
    case RunTableModel::kOriginColumn:
      return RunTableModel::tr("The imported file, or the host that trained the run");
    default:
      return {};
  }
}

}  // namespace

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunTableModel::setRuns(std::vector<moescope::Run> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

const moescope::Run& RunTableModel::runAt(int row) const {
  return runs_.at(static_cast<std::size_t>(row));
}

void RunTableModel::setStatusCommit(StatusCommit commit) {
  commit_ = std::move(commit);
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Run& run = runAt(index.row());
  const int column = index.column();

  if (isNumeric(column)) {
    const std::optional<double> value = numericValue(run, column);
    switch (role) {
      case Qt::DisplayRole:
        return value ? QString::fromStdString(moescope::format_brief(*value)) : kMissing;
      case kSortRole:
        return value ? QVariant(*value) : QVariant();
      case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
      case Qt::ToolTipRole:
        if (!value)
          return tr("not given");
        // Runs of one table may differ in unit (a fit refuses to mix them): each loss says its.
        return column == kLossColumn ? numberTooltip(*value, false) + QStringLiteral(" ") +
                                           QString::fromUtf8(to_string(run.loss_unit).data())
                                     : numberTooltip(*value, isDerived(run, column));
      case Qt::FontRole:
        if (isDerived(run, column)) {
          QFont italic;
          italic.setItalic(true);
          return italic;
        }
        return {};
      default:
        return {};
    }
  }

  const QString text = textValue(run, column);
  switch (role) {
    case Qt::DisplayRole:
      return text.isEmpty() ? kMissing : text;
    case Qt::EditRole:
      return column == kStatusColumn ? QVariant(text) : QVariant();
    case kSortRole:
      return text.isEmpty() ? QVariant() : QVariant(text);
    case Qt::ToolTipRole:
      if (column == kStatusColumn && !isStatusEditable())
        return tr("Read-only: open a store to edit the status");
      // Ids and origins (file paths) are often wider than their column.
      return text.isEmpty() ? QVariant() : QVariant(text);
    default:
      return {};
  }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= kColumnCount)
    return QAbstractTableModel::headerData(section, orientation, role);
  switch (role) {
    case Qt::DisplayRole:
      return columnLabel(section);
    case Qt::ToolTipRole:
      // Only the scaling quantities can be derived (see moescope::derive_missing).
      return quantityOf(section)
                 ? tr("%1; italics: derived from other quantities").arg(columnDescription(section))
                 : columnDescription(section);
    default:
      return {};
  }
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags result = QAbstractTableModel::flags(index);
  if (index.isValid() && index.column() == kStatusColumn && isStatusEditable())
    result |= Qt::ItemIsEditable;
  return result;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || index.column() != kStatusColumn || !isStatusEditable() ||
      !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return false;
  }
  const auto row = static_cast<std::size_t>(index.row());
  const QString status_text = value.toString();
  const std::optional<moescope::RunStatus> status =
      moescope::parse_run_status(status_text.toStdString());
  if (!status) {
    emit editFailed(
        tr("Unknown status '%1'; expected planned, running, done or failed").arg(status_text));
    return false;
  }
  if (*status == runs_[row].status)
    return true;

  Run updated = runs_[row];
  updated.status = *status;
  // Nothing may escape into Qt's event loop, and the model must not run ahead of the store.
  const auto refuse = [&](const QString& reason) {
    emit editFailed(
        tr("Status of %1 not changed: %2").arg(QString::fromStdString(updated.id), reason));
    return false;
  };
  try {
    commit_(updated);
  } catch (const std::exception& error) {
    return refuse(QString::fromUtf8(error.what()));
  } catch (...) {
    return refuse(tr("unknown error"));
  }
  runs_[row] = std::move(updated);
  emit dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole, kSortRole});
  emit runEdited(runs_[row]);
  return true;
}

}  // namespace moescope::explorer

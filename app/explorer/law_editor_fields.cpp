// LawEditorDialog: its fields filled from a law, and read back into one as they are edited, the
// law engine's problems shown under them and marked where they are.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QTextBlock>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "display_text.h"
#include "law_editor_dialog.h"
#include "moescope/io/diagnostic.h"
#include "moescope/run/run_variables.h"

namespace moescope::explorer {
namespace {

using Json = nlohmann::ordered_json;

// A number where the text is one, else the text itself: the engine names what is wrong with it.
Json numberOrText(const QString& text) {
  bool ok = false;
  const double value = text.trimmed().toDouble(&ok);
  return ok ? Json(value) : Json(text.trimmed().toStdString());
}

QString plainNumber(double value) {
  return QString::number(value, 'g', 10);
}

}  // namespace

void LawEditorDialog::addParameterRow(const QString& name, const QString& init,
                                      const QString& lower, const QString& upper, bool log_scale) {
  const QSignalBlocker quiet(parameters_);
  const int row = parameters_->rowCount();
  parameters_->insertRow(row);
  parameters_->setItem(row, kName, new QTableWidgetItem(name));
  parameters_->setItem(row, kInit, new QTableWidgetItem(init));
  parameters_->setItem(row, kLower, new QTableWidgetItem(lower));
  parameters_->setItem(row, kUpper, new QTableWidgetItem(upper));
  auto* log_item = new QTableWidgetItem;
  log_item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
  log_item->setCheckState(log_scale ? Qt::Checked : Qt::Unchecked);
  parameters_->setItem(row, kLog, log_item);
  if (!filling_)
    reparse();
}

void LawEditorDialog::setStarterLaw() {
  filling_ = true;
  name_->setText(QStringLiteral("power-law"));
  expression_->setPlainText(QStringLiteral("E0 + A / N^alpha"));
  definitions_->clear();
  fixed_->clear();
  parameters_->setRowCount(0);
  addParameterRow(QStringLiteral("E0"), QStringLiteral("1, 2"), QStringLiteral("0"), {}, false);
  addParameterRow(QStringLiteral("A"), QStringLiteral("10, 1000"), QStringLiteral("0"), {}, true);
  addParameterRow(QStringLiteral("alpha"), QStringLiteral("0.2, 0.5"), QStringLiteral("0"),
                  QStringLiteral("2"), false);
  filling_ = false;
  reparse();
}

void LawEditorDialog::setLaw(const moescope::law::LawDefinition& law) {
  filling_ = true;
  name_->setText(qs(law.name()));
  expression_->setPlainText(qs(law.expression()));
  QStringList lines;
  for (const auto& definition : law.definitions())
    lines << qs(definition.name) + " = " + qs(definition.expression);
  definitions_->setPlainText(lines.join('\n'));
  lines.clear();
  for (const auto& fixed : law.fixed())
    lines << qs(fixed.name) + " = " + plainNumber(fixed.value);
  fixed_->setPlainText(lines.join('\n'));
  parameters_->setRowCount(0);
  for (const auto& parameter : law.parameters()) {
    QStringList init;
    for (const double value : parameter.init)
      init << plainNumber(value);
    addParameterRow(qs(parameter.name), init.join(QStringLiteral(", ")),
                    parameter.lower ? plainNumber(*parameter.lower) : QString(),
                    parameter.upper ? plainNumber(*parameter.upper) : QString(),
                    parameter.scale == moescope::law::ParameterScale::kLog);
  }
  objective_->setCurrentIndex(law.objective().loss == moescope::law::ObjectiveLoss::kHuber ? 0 : 1);
  delta_->setText(plainNumber(law.objective().delta));
  predicts_->setCurrentIndex(law.predicts() == moescope::law::Predicts::kLoss ? 0 : 1);
  filling_ = false;
  reparse();
}

void LawEditorDialog::setRuns(std::vector<moescope::Run> runs, QString holdout_rule) {
  runs_ = std::move(runs);
  holdout_rule_ = std::move(holdout_rule);
  // The run fields, and the extra columns the runs carry.
  variables_ = moescope::law_run_variables();
  for (const moescope::Run& run : runs_) {
    for (const auto& [name, value] : run.extras) {
      if (std::find(variables_.begin(), variables_.end(), name) == variables_.end())
        variables_.push_back(name);
    }
  }
  reparse();
  runs_label_->setText(tr("on the explorer's %1 runs").arg(runs_.size()));
  fit_button_->setEnabled(canFit());
}

void LawEditorDialog::reparse() {
  if (filling_)
    return;
  updateStarts();
  QStringList problems;
  struct Mark {
    QPlainTextEdit* editor;
    int line, column;
  };
  std::vector<Mark> marks;
  Json json;
  json["name"] = name_->text().trimmed().toStdString();
  json["expression"] = expression_->toPlainText().toStdString();
  json["predicts"] = predicts_->currentIndex() == 0 ? "loss" : "log_loss";
  // "name = text" lines; a line without "=" is a problem of this dialog's, not the engine's.
  auto assignments = [&](QPlainTextEdit* editor, const QString& what, bool numbers) {
    Json object = Json::object();
    const QStringList lines = editor->toPlainText().split('\n');
    for (int i = 0; i < lines.size(); ++i) {
      if (lines[i].trimmed().isEmpty())
        continue;
      const auto equals = lines[i].indexOf('=');
      const QString name = lines[i].left(equals).trimmed();
      if (equals < 0 || name.isEmpty()) {
        problems << tr("%1:%2:1: expected 'name = %3'")
                        .arg(what)
                        .arg(i + 1)
                        .arg(numbers ? tr("value") : tr("expression"));
        marks.push_back({editor, i + 1, 1});
        continue;
      }
      if (object.contains(name.toStdString())) {
        problems << tr("%1:%2:1: '%3' given twice").arg(what).arg(i + 1).arg(name);
        marks.push_back({editor, i + 1, 1});
        continue;
      }
      const QString value = lines[i].mid(equals + 1);
      object[name.toStdString()] =
          numbers ? numberOrText(value) : Json(value.trimmed().toStdString());
    }
    return object;
  };
  if (const Json definitions = assignments(definitions_, tr("definitions"), false);
      !definitions.empty())
    json["definitions"] = definitions;
  Json parameters = Json::object();
  for (int row = 0; row < parameters_->rowCount(); ++row) {
    auto text = [&](int column) {
      return parameters_->item(row, column) ? parameters_->item(row, column)->text() : QString();
    };
    const std::string name = text(kName).trimmed().toStdString();
    Json parameter;
    Json init = Json::array();
    for (const QString& value : text(kInit).split(',', Qt::SkipEmptyParts))
      init.push_back(numberOrText(value));
    parameter["init"] = init;
    if (!text(kLower).trimmed().isEmpty())
      parameter["lower"] = numberOrText(text(kLower));
    if (!text(kUpper).trimmed().isEmpty())
      parameter["upper"] = numberOrText(text(kUpper));
    const QTableWidgetItem* log_item = parameters_->item(row, kLog);
    if (log_item != nullptr && log_item->checkState() == Qt::Checked)
      parameter["scale"] = "log";
    parameters[name] = parameter;
  }
  json["parameters"] = parameters;
  if (const Json fixed = assignments(fixed_, tr("fixed"), true); !fixed.empty())
    json["fixed"] = fixed;
  json["objective"] = objective_->currentIndex() == 0
                          ? Json{{"loss", "huber"}, {"delta", numberOrText(delta_->text())}}
                          : Json{{"loss", "squared"}};
  law_.reset();
  if (problems.isEmpty()) {
    try {
      law_ = moescope::law::parse_law_definition(json, "law", variables_);
    } catch (const moescope::InputError& error) {
      // "expression:1:14: unknown name ...", "definitions.Dp:1:5: ...", "parameters.A: ...".
      static const QRegularExpression located(
          QStringLiteral("^(expression|definitions\\.(\\w+)):(\\d+):(\\d+): "));
      for (const moescope::Diagnostic& diagnostic : error.diagnostics()) {
        const QString message = qs(diagnostic.message);
        problems << message;
        const QRegularExpressionMatch match = located.match(message);
        if (!match.hasMatch())
          continue;
        const int line = match.captured(3).toInt(), column = match.captured(4).toInt();
        if (match.captured(2).isEmpty()) {
          marks.push_back({expression_, line, column});
          continue;
        }
        // A definition's column counts from its expression, after "name =" on its line.
        const QStringList lines = definitions_->toPlainText().split('\n');
        for (int i = 0; i < lines.size(); ++i) {
          const auto equals = lines[i].indexOf('=');
          if (equals < 0 || lines[i].left(equals).trimmed() != match.captured(2))
            continue;
          const QString rest = lines[i].mid(equals + 1);
          qsizetype lead = 0;
          while (lead < rest.size() && rest[lead].isSpace())
            ++lead;
          marks.push_back({definitions_, i + 1, static_cast<int>(equals + 1 + lead) + column});
        }
      }
    }
  }
  errors_->setText(problems.join('\n'));
  for (QPlainTextEdit* editor : {expression_, definitions_, fixed_})
    editor->setExtraSelections({});
  for (const Mark& mark : marks)
    markError(mark.editor, mark.line, mark.column);
  fit_button_->setEnabled(canFit());
}

void LawEditorDialog::markError(QPlainTextEdit* editor, int line, int column) {
  const QTextBlock block = editor->document()->findBlockByNumber(line - 1);
  if (!block.isValid())
    return;
  QTextCursor cursor(block);
  const int offset = std::clamp(column - 1, 0, std::max(0, block.length() - 1));
  cursor.setPosition(block.position() + offset);
  // The character named, or the one before the end where the text ends too soon.
  if (offset >= block.length() - 1 && offset > 0)
    cursor.setPosition(block.position() + offset - 1);
  cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
  QTextEdit::ExtraSelection selection;
  selection.cursor = cursor;
  selection.format.setBackground(QColor(0xff, 0xc9, 0xc9));
  selection.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
  selection.format.setUnderlineColor(QColor(0xb0, 0x00, 0x20));
  QList<QTextEdit::ExtraSelection> selections = editor->extraSelections();
  selections << selection;
  editor->setExtraSelections(selections);
}

void LawEditorDialog::updateStarts() {
  QStringList factors;
  double starts = 1;
  for (int row = 0; row < parameters_->rowCount(); ++row) {
    const QTableWidgetItem* init = parameters_->item(row, kInit);
    const auto count = init ? init->text().split(',', Qt::SkipEmptyParts).size() : 0;
    factors << QString::number(count);
    starts *= static_cast<double>(count);
  }
  const QString total = starts == 1 ? tr("1 start") : tr("%1 starts").arg(number(starts));
  starts_->setText(factors.size() > 1 ? factors.join(QStringLiteral(" \u00d7 ")) + " = " + total
                                      : total);
}

}  // namespace moescope::explorer

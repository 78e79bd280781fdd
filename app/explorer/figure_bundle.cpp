#include "figure_bundle.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTextStream>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moescope/fit/interval.h"
#include "moescope/fit/law_fit.h"
#include "moescope/run/runs_hash.h"
#include "moescope/version.h"

namespace moescope::explorer {
namespace {

QJsonValue finite(double value) {
  return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonValue finite(const std::vector<double>& values) {
  QJsonArray array;
  for (const double value : values)
    array.append(finite(value));
  return array;
}

QJsonValue optionalNumber(const std::optional<double>& value) {
  return value ? finite(*value) : QJsonValue(QJsonValue::Null);
}

struct Parameter {
  std::string name;
  double value;
  std::optional<moescope::Interval> interval;
};

// The law's parameters as FittedLaw::parameters() names them, each with the central 95 % of its
// bootstrap replicates.
std::vector<Parameter> lawParameters(const moescope::ExplorerData& data) {
  std::vector<Parameter> parameters;
  if (!data.law)
    return parameters;
  const auto intervals = moescope::parameter_intervals(*data.law, data.replicates, 0.95);
  const auto values = data.law->parameters();
  for (std::size_t i = 0; i < values.size(); ++i) {
    parameters.push_back({values[i].first, values[i].second,
                          intervals.empty()
                              ? std::nullopt
                              : std::optional<moescope::Interval>(intervals[i].second)});
  }
  return parameters;
}

// TeX's special characters escaped; Greek parameter names as symbols.
QString texName(const std::string& name) {
  static const std::pair<const char*, const char*> kGreek[] = {
      {"alpha", "\\alpha"}, {"beta", "\\beta"},     {"gamma", "\\gamma"},
      {"delta", "\\delta"}, {"lambda", "\\lambda"}, {"epsilon", "\\epsilon"}};
  for (const auto& [plain, symbol] : kGreek) {
    if (name == plain)
      return QStringLiteral("$%1$").arg(QLatin1String(symbol));
  }
  QString text = QString::fromStdString(name);
  text.replace(QLatin1Char('\\'), QStringLiteral("\\textbackslash{}"));
  for (const char special : {'_', '%', '&', '#', '$', '{', '}'})
    text.replace(QLatin1Char(special), QStringLiteral("\\") + QLatin1Char(special));
  return QStringLiteral("$%1$").arg(text);
}

QString texNumber(double value) {
  if (!std::isfinite(value))
    return QStringLiteral("--");
  return QStringLiteral("$%1$").arg(
      QString::number(value, 'g', 4)
          .replace(QRegularExpression(QStringLiteral("e\\+?(-?)0*(\\d+)")),
                   QStringLiteral("\\times 10^{\\1\\2}")));
}

bool writeText(const QString& path, const QByteArray& text, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size()) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace

bool writeFigureBundle(const QString& base, const QStringList& figures, const QString& title,
                       const QStringList& files, const FigureSource& source,
                       const FigureExportStyle& style, QString* error) {
  QJsonObject bundle{{"format", "moescope-figure-bundle"},
                     {"version", 1},
                     {"moescope_version", QString::fromLatin1(moescope::kVersion)},
                     {"figures", QJsonArray::fromStringList(figures)},
                     {"title", title}};
  QJsonArray written;
  for (const QString& file : files)
    written.append(QFileInfo(file).fileName());
  bundle["files"] = written;
  bundle["style"] = QJsonObject{{"style", toString(style.look)},
                                {"width_inches", style.width_inches},
                                {"height_inches", style.height_inches},
                                {"font_points", style.bodyPoints()},
                                {"title", style.title},
                                {"dpi", style.dpi}};
  std::vector<Parameter> parameters;
  if (source.data != nullptr) {
    const moescope::ExplorerData& data = *source.data;
    bundle["data"] = QJsonObject{
        {"runs", static_cast<double>(data.runs.size())},
        {"content_hash", QString::fromStdString(moescope::runs_content_hash(data.runs))},
        {"loss_unit", QString::fromStdString(std::string(moescope::to_string(data.loss_unit)))}};
    parameters = lawParameters(data);
    QJsonArray rows;
    for (const Parameter& parameter : parameters) {
      rows.append(
          QJsonObject{{"name", QString::fromStdString(parameter.name)},
                      {"value", finite(parameter.value)},
                      {"lo", parameter.interval ? finite(parameter.interval->lo) : QJsonValue()},
                      {"hi", parameter.interval ? finite(parameter.interval->hi) : QJsonValue()}});
    }
    QJsonObject law{
        {"name", QString::fromStdString(moescope::law_name(data))},
        {"parameters", rows},
        {"replicates", static_cast<double>(data.replicates.size())},
        {"interval", "central 95 % of the bootstrap replicates (percentile)"},
        {"form", QString::fromStdString(std::string(moescope::to_string(data.law_options.form)))},
        {"huber_delta", finite(data.law_options.huber_delta)}};
    if (!data.law)
      law["refused"] = QString::fromStdString(data.law_refused);
    if (!data.law_file.empty())
      law["file"] = QString::fromStdString(data.law_file);
    bundle["law"] = law;
  }
  if (source.state != nullptr) {
    const moescope::ExplorerState& state = *source.state;
    bundle["settings"] = QJsonObject{{"budget", finite(state.budget)},
                                     {"max_total_params", optionalNumber(state.max_total_params)},
                                     {"max_sparsity", finite(state.max_sparsity)},
                                     {"slice_total_params", finite(state.slice_total_params)},
                                     {"slice_sparsity", finite(state.slice_sparsity)}};
  }
  if (!writeText(base + QStringLiteral(".json"),
                 QJsonDocument(bundle).toJson(QJsonDocument::Indented), error))
    return false;

  QString tex;
  QTextStream out(&tex);
  out << "% " << title << " (MoEScope " << moescope::kVersion << ")\n"
      << "% needs \\usepackage{booktabs}\n"
      << "\\begin{tabular}{lrr}\n\\toprule\n"
      << "Parameter & Value & 95\\,\\% interval \\\\\n\\midrule\n";
  for (const Parameter& parameter : parameters) {
    out << texName(parameter.name) << " & " << texNumber(parameter.value) << " & ";
    if (parameter.interval)
      out << "[" << texNumber(parameter.interval->lo) << ", " << texNumber(parameter.interval->hi)
          << "]";
    else
      out << "--";
    out << " \\\\\n";
  }
  if (parameters.empty())
    out << "\\multicolumn{3}{l}{no law fitted} \\\\\n";
  out << "\\bottomrule\n\\end{tabular}\n";
  out.flush();
  return writeText(base + QStringLiteral(".tex"), tex.toUtf8(), error);
}

}  // namespace moescope::explorer

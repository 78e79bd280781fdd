#include "explorer_session.h"

#include <QSettings>
#include <cmath>

namespace moescope::explorer {

namespace {

std::optional<double> positive_number(const QSettings& settings, const QString& key) {
  bool ok = false;
  const double value = settings.value(key).toDouble(&ok);
  if (!ok || !std::isfinite(value) || value <= 0)
    return std::nullopt;
  return value;
}

}  // namespace

ExplorerSession ExplorerSession::load() {
  const QSettings settings;
  ExplorerSession session;

  const QString kind = settings.value("source/kind").toString();
  const QString path = settings.value("source/path").toString();
  // "embedded" names the built-in set by its key; sessions saved before there were two say
  // "default" and open today's default.
  if (kind == "store" && !path.isEmpty())
    session.source = RunSource::store(path);
  else if (kind == "file" && !path.isEmpty())
    session.source = RunSource::file(path, settings.value("source/mapping").toString());
  else if (kind == "embedded")
    session.source = RunSource::embedded(path);

  moescope::ExplorerLoadOptions& fit = session.fit_options;
  // "fit/law_form": auto (the default: the form follows the data), abnar or chinchilla. Sessions
  // saved before it name only "fit/form", where "abnar" was the default and not a choice.
  const QString form =
      settings.contains("fit/law_form")
          ? settings.value("fit/law_form").toString()
          : (settings.value("fit/form").toString() == "chinchilla" ? QStringLiteral("chinchilla")
                                                                   : QStringLiteral("auto"));
  if (form == "chinchilla") {
    fit.form = moescope::LawForm::kChinchilla;
    fit.law.form = moescope::LawForm::kChinchilla;
    if (settings.value("fit/grid").toString() == "table2")
      fit.law.init_grid = moescope::InitGrid::kAbnarTable2;
  } else {
    if (form == "abnar")
      fit.form = moescope::LawForm::kAbnar;
    if (settings.value("fit/grid").toString() == "coarse")
      fit.law.grid_override = moescope::ExplorerLoadOptions::quick().law.grid_override;
  }
  if (settings.contains("fit/holdout"))
    fit.holdout_rule = settings.value("fit/holdout").toString().toStdString();
  fit.law.bootstrap = settings.value("fit/law_bootstrap", fit.law.bootstrap).toInt();
  fit.surface.bootstrap_replicates =
      settings.value("fit/surface_bootstrap", fit.surface.bootstrap_replicates).toInt();
  // "fit/budget_bins": K bins per decade, absent for runs within "fit/budget_tolerance" of one C.
  if (settings.contains("fit/budget_bins"))
    fit.binning = moescope::BudgetBinning::per_decade(settings.value("fit/budget_bins").toInt());
  else if (settings.contains("fit/budget_tolerance"))
    fit.binning =
        moescope::BudgetBinning::within(settings.value("fit/budget_tolerance").toDouble());
  if (!fit.law.validate().empty() || !fit.surface.validate().empty() ||
      !fit.binning.validate().empty())
    fit = {};

  session.budget = positive_number(settings, "view/budget");
  session.max_total_params = positive_number(settings, "view/max_params");
  session.view = settings.value("view/name").toString();
  session.surface_axis = settings.value("view/surface_axis", 0).toInt() == 1 ? 1 : 0;
  session.law_overlay = settings.value("view/law_overlay", true).toBool();
  session.window_geometry = settings.value("window/geometry").toByteArray();
  session.window_state = settings.value("window/state").toByteArray();
  return session;
}

void ExplorerSession::save() const {
  QSettings settings;
  switch (source.kind) {
    case RunSource::Kind::kEmbedded:
      settings.setValue("source/kind", "embedded");
      break;
    case RunSource::Kind::kFile:
      settings.setValue("source/kind", "file");
      break;
    case RunSource::Kind::kStore:
      settings.setValue("source/kind", "store");
      break;
  }
  settings.setValue("source/path", source.path);
  settings.setValue("source/mapping", source.mapping);

  const bool chinchilla = fit_options.form == moescope::LawForm::kChinchilla;
  settings.setValue("fit/law_form", !fit_options.form ? "auto"
                                    : chinchilla      ? "chinchilla"
                                                      : "abnar");
  settings.remove("fit/form");
  if (chinchilla) {
    settings.setValue("fit/grid", fit_options.law.grid() == moescope::InitGrid::kAbnarTable2
                                      ? "table2"
                                      : "epoch");
  } else {
    settings.setValue("fit/grid", fit_options.law.grid_override.empty() ? "table2" : "coarse");
  }
  settings.setValue("fit/holdout", QString::fromStdString(fit_options.holdout_rule));
  settings.setValue("fit/law_bootstrap", fit_options.law.bootstrap);
  settings.setValue("fit/surface_bootstrap", fit_options.surface.bootstrap_replicates);
  if (fit_options.binning.kind == moescope::BudgetBinning::Kind::kBinsPerDecade) {
    settings.setValue("fit/budget_bins", fit_options.binning.bins_per_decade);
    settings.remove("fit/budget_tolerance");
  } else {
    settings.setValue("fit/budget_tolerance", fit_options.binning.tolerance);
    settings.remove("fit/budget_bins");
  }

  settings.setValue("view/budget", budget ? QVariant(*budget) : QVariant());
  settings.setValue("view/max_params", max_total_params ? QVariant(*max_total_params) : QVariant());
  settings.setValue("view/name", view);
  settings.setValue("view/surface_axis", surface_axis);
  settings.setValue("view/law_overlay", law_overlay);
  settings.setValue("window/geometry", window_geometry);
  settings.setValue("window/state", window_state);
}

}  // namespace moescope::explorer

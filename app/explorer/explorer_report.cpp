// The explorer without a display: the figures written, and in text what the window would show.
#include "explorer_report.h"

#include <QDir>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "explorer_arguments.h"
#include "figure_view.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/io/number_format.h"
#include "moescope/numerics/vector_registers.h"
#include "slice_sizes.h"
#include "view_export.h"

namespace moescope::explorer {
namespace {

bool extrapolated(const moescope::ReadOut& read_out) {
  return read_out.extrapolation && read_out.extrapolation->any();
}

// The optimum at each budget in text: what the explorer's read-out would show. For Eq. 6, S*
// under a few parameter caps beside the unconstrained optimum (the paper's Figure 4 reading: the
// unconstrained law puts S* at the sparsest model considered, and a memory bound is what brings
// it down); for a law of one sparsity level, the compute-optimal model at that level.
void print_optima(const moescope::ExplorerModel& model, moescope::ExplorerState state,
                  const std::vector<double>& budgets) {
  using moescope::value_with_interval;
  const moescope::ExplorerData& data = model.data();
  if (!data.law) {
    std::cout << "No law: " << data.law_refused << ".\nNo optimum can be read; the figures show "
              << "the runs and the Eq. 8 surfaces (" << data.surfaces.size() << ").\n";
    return;
  }
  const bool one_level = data.law_scope.sparsity.has_value();
  if (!data.law_note.empty())
    std::cout << "Note: " << data.law_note << ".\n";
  const std::optional<moescope::Interval> none;
  bool any_extrapolated = false;
  // A budget without an optimum gets a line saying why rather than ending the report.
  auto read = [&](double budget) -> std::optional<moescope::ReadOut> {
    state.budget = budget;
    try {
      return model.read_out(state);
    } catch (const moescope::FitRefused& refused) {
      std::printf("%-10s no optimum: %s\n", moescope::format_brief(budget).c_str(), refused.what());
      return std::nullopt;
    }
  };
  if (one_level) {
    std::cout << "No sparsity recommendation: the data has one sparsity level. "
              << "Compute-optimal model by budget at S = "
              << moescope::format_brief(*data.law_scope.sparsity)
              << " (Chinchilla's form; 95% intervals):\n";
    std::printf("%-10s %-28s %-28s %-24s\n", "budget C", "N*", "D*",
                moescope::loss_label(data, "L*").c_str());
    for (const double budget : budgets) {
      const std::optional<moescope::ReadOut> read_out = read(budget);
      if (!read_out)
        continue;
      const auto& intervals = read_out->intervals;
      any_extrapolated = any_extrapolated || extrapolated(*read_out);
      std::printf("%-10s %-28s %-28s %-24s\n",
                  (moescope::format_brief(budget) + (extrapolated(*read_out) ? "!" : "")).c_str(),
                  value_with_interval(read_out->point.total_params,
                                      intervals ? std::optional(intervals->total_params) : none)
                      .c_str(),
                  value_with_interval(read_out->point.tokens,
                                      intervals ? std::optional(intervals->tokens) : none)
                      .c_str(),
                  value_with_interval(read_out->point.loss,
                                      intervals ? std::optional(intervals->loss) : none)
                      .c_str());
    }
  } else {
    const std::vector<double> caps = moescope::read_out_caps(data);
    std::cout << "Compute-optimal sparsity S* by budget and cap on total parameters N, through "
                 "the fitted Eq. 6 law (the paper's Figure 4 reading; 95% intervals):\n";
    // Cells first, then columns as wide as their widest cell: a cell with its interval and
    // markers ("0.9363 [0.9276, 0.9437] c") is wider than a fixed column.
    std::vector<std::vector<std::string>> rows{{"budget C"}};
    for (const double cap : caps)
      rows.front().push_back("N <= " + moescope::format_brief(cap));
    rows.front().push_back("no cap");
    bool any_capped = false;
    for (const double budget : budgets) {
      state.budget = budget;
      std::vector<std::string>& row = rows.emplace_back();
      row.push_back(moescope::format_brief(budget));
      for (const moescope::CappedReadOut& cell : model.capped_read_outs(state)) {
        if (cell.read_out && cell.read_out->point.params_at_cap && cell.cap)
          any_capped = true;
        if (cell.read_out && extrapolated(*cell.read_out))
          any_extrapolated = true;
        row.push_back(moescope::sparsity_cell(cell));
      }
    }
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
      for (std::size_t column = 0; column < row.size(); ++column) {
        widths.resize(std::max(widths.size(), row.size()));
        widths[column] = std::max(widths[column], row[column].size());
      }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t column = 0; column < row.size(); ++column)
        line += row[column] + std::string(widths[column] + 2 - row[column].size(), ' ');
      std::cout << line.substr(0, line.find_last_not_of(' ') + 1) << '\n';
    }
    std::cout << "* at the sparsest model considered (S = "
              << moescope::format_brief(state.max_sparsity)
              << "): the law's loss still falls there, as the paper finds (Figure 3c).\n";
    if (any_capped)
      std::cout << "c: the cap binds (N* = the cap); S* is then the best sparsity at that N.\n";
    std::cout << "\nThe unconstrained optimum by budget:\n";
    std::printf("%-10s %-22s %-10s %-10s %-10s %-8s\n", "budget C", "S* (95% interval)", "N*",
                "N_a*", "D*", moescope::loss_label(data, "L*").c_str());
    for (const double budget : budgets) {
      const std::optional<moescope::ReadOut> read_out = read(budget);
      if (!read_out)
        continue;
      const moescope::BudgetOptimum& best = read_out->point;
      std::string sparsity = value_with_interval(
          best.sparsity, read_out->intervals ? std::optional(read_out->intervals->sparsity) : none);
      if (best.sparsity_at_bound)
        sparsity += "*";
      std::printf("%-10s %-22s %-10s %-10s %-10s %-8s\n",
                  (moescope::format_brief(budget) + (extrapolated(*read_out) ? "!" : "")).c_str(),
                  sparsity.c_str(), moescope::format_brief(best.total_params).c_str(),
                  moescope::format_brief(best.active_params).c_str(),
                  moescope::format_brief(best.tokens).c_str(),
                  moescope::format_brief(best.loss).c_str());
    }
  }
  if (any_extrapolated) {
    std::cout << "!: extrapolated: the optimum lies more than a factor "
              << moescope::format_brief(moescope::kExtrapolationFactor)
              << " beyond the data's range in C, N or 1 - S.\n";
  }
}

}  // namespace

int write_report(const QCommandLineParser& args) {
  const moescope::ExplorerLoad loaded = load(args);
  const moescope::ExplorerModel model(loaded.data);
  moescope::ExplorerState state;
  if (args.isSet("sizes")) {
    QString ignored;  // usage_problem() refused what parseSliceSizes would
    state.slice_total_params = *parseSliceSizes(args.value("sizes"), &ignored);
  }
  if (args.isSet("max-params"))
    state.max_total_params = args.value("max-params").toDouble();
  if (args.isSet("print-readout")) {
    if (!loaded.data.law) {
      std::cerr << "moescope-explorer: no law: " << loaded.data.law_refused << '\n';
      return 1;
    }
    state.budget = args.isSet("budget") ? args.value("budget").toDouble()
                   : model.data_budgets().empty()
                       ? state.budget
                       : model.data_budgets().at(model.data_budgets().size() / 2);
    numerics::clear_upper_vector_registers();
    std::cout << moescope::optimum_json(model.read_out(state)) << '\n';
    return 0;
  }
  const QString directory =
      args.isSet("export-all") ? args.value("export-all") : QStringLiteral("moescope-figures");
  // A table of a hundred budgets (data whose C varies continuously) reads as none: the budgets
  // the figures draw, a few of the most runs across the range.
  std::vector<double> budgets = model.shown_budgets();
  const bool thinned = budgets.size() < model.data_budgets().size();
  if (args.isSet("budget"))
    budgets = {args.value("budget").toDouble()};
  state.budget = budgets.empty() ? state.budget : budgets[budgets.size() / 2];
  if (!QDir().mkpath(directory)) {
    std::cerr << "moescope-explorer: cannot create " << directory.toStdString() << '\n';
    return 1;
  }
  std::vector<moescope::Figure> figures;
  QString error;
  for (const moescope::FigureId id : moescope::kAllFigures) {
    numerics::clear_upper_vector_registers();
    const moescope::Figure& figure = figures.emplace_back(model.figure(id, state));
    FigureView view;
    view.setFigure(&figure);
    const QString base =
        QDir(directory).filePath(QString::fromStdString(std::string(to_string(id))));
    if (!exportFigureFiles(view, base, figureExportStyle().dpi, &error, {&loaded.data, &state})) {
      std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
      return 1;
    }
  }
  if (!exportPanelFiles(figures, directory, {&loaded.data, &state}, &error)) {
    std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
    return 1;
  }
  std::cout << "No display: wrote the figures at C=" << moescope::format_brief(state.budget)
            << " to " << directory.toStdString() << "/ (the 3-D view needs a display).\n"
            << "Data: " << loaded.data.runs.size() << " runs from "
            << source_of(args).description().toStdString() << ".\n\n";
  numerics::clear_upper_vector_registers();
  print_optima(model, state, budgets);
  if (loaded.data.binning.kind == moescope::BudgetBinning::Kind::kBinsPerDecade)
    std::cout << "Budgets: " << loaded.data.binning.describe() << ".\n";
  if (thinned && !args.isSet("budget")) {
    std::cout << "(" << budgets.size() << " of the data's " << model.data_budgets().size()
              << " budgets: in each " << budgets.size()
              << "th of the range of log C, the one with the most runs; --budget C reads "
                 "another.)\n";
  }
  return 0;
}

}  // namespace moescope::explorer

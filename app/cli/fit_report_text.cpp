#include "fit_report_text.h"

#include "text_table.h"

namespace moescope::cli {

void print_bootstrap_note(std::ostream& out, std::size_t replicates, std::size_t failed,
                          std::size_t minima) {
  if (replicates == 0 && failed == 0)
    return;
  out << "intervals: " << replicates << " bootstrap refits (" << failed << " failed), each from "
      << minima << " local minima of the grid and random grid starts\n";
}

void print_error_table(std::ostream& out, const ErrorMeasures& fit, const ErrorMeasures& holdout,
                       const std::string& holdout_rule) {
  TextTable errors({"points", "n", "MSE", "Huber"});
  errors.add_row({"fit", std::to_string(fit.points), brief(fit.mse), brief(fit.huber)});
  const bool scored = holdout.points > 0;
  errors.add_row({"held out (" + holdout_rule + ")", std::to_string(holdout.points),
                  scored ? brief(holdout.mse) : "-", scored ? brief(holdout.huber) : "-"});
  errors.print(out);
}

}  // namespace moescope::cli

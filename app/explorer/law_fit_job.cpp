#include "law_fit_job.h"

#include "moescope/law/law_rows.h"
#include "moescope/run/run_filter.h"

namespace moescope::explorer {

void LawFitJob::start(moescope::law::LawDefinition law, std::vector<moescope::Run> runs,
                      std::string holdout_rule, moescope::law::DefinedLawFitOptions options) {
  run(
      [law = std::move(law), runs = std::move(runs), holdout_rule = std::move(holdout_rule),
       options](const moescope::FitControl& control) {
        const moescope::RunFilter holdout = moescope::RunFilter::parse(holdout_rule);
        const moescope::law::LawRows rows = moescope::law::law_rows(runs, law, holdout);
        LawFitResult result;
        result.summary =
            moescope::law::fit_defined_law(law, rows.rows, rows.holdout, options, control);
        result.rows = rows.rows.size();
        for (const bool held : rows.holdout)
          result.held_out += held ? 1 : 0;
        result.left_out = rows.left_out;
        return result;
      },
      [this](const std::shared_ptr<LawFitResult>& result) { emit finished(result); });
}

}  // namespace moescope::explorer

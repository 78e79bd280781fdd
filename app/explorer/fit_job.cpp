#include "fit_job.h"

namespace moescope::explorer {

void FitJob::start(std::vector<moescope::Run> runs, const moescope::ExplorerLoadOptions& options) {
  run(
      [runs = std::move(runs), options](const moescope::FitControl& control) mutable {
        return moescope::load_explorer_data(std::move(runs), options, control);
      },
      [this](const std::shared_ptr<moescope::ExplorerLoad>& load) { emit finished(load); });
}

}  // namespace moescope::explorer

#include "proposal_job.h"

namespace moescope::explorer {

void ProposalJob::start(std::vector<moescope::Run> runs,
                        const moescope::ActiveDesignOptions& options) {
  run([runs = std::move(runs),
       options](const moescope::FitControl&) { return moescope::propose_next_runs(runs, options); },
      [this](const std::shared_ptr<moescope::ActiveDesign>& design) { emit finished(design); });
}

}  // namespace moescope::explorer

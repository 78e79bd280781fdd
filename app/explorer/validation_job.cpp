#include "validation_job.h"

#include "moescope/explore/validation.h"

namespace moescope::explorer {

void ValidationJob::start(std::shared_ptr<const moescope::ExplorerData> data,
                          moescope::ValidationScheme scheme) {
  scheme_ = scheme;
  run(
      [data = std::move(data), scheme](const moescope::FitControl& control) {
        return moescope::validate_explorer_law(*data, scheme, control);
      },
      [this](const std::shared_ptr<moescope::LawValidation>& validation) {
        emit finished(validation);
      });
}

}  // namespace moescope::explorer

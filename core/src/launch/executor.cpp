#include "moescope/launch/executor.h"

#include <stdexcept>

namespace moescope {

void refuse_invalid_options(const std::vector<std::string>& problems, std::string_view what) {
  if (problems.empty())
    return;
  std::string message = "invalid " + std::string(what) + " options:";
  for (const std::string& problem : problems)
    message += "\n  " + problem;
  throw std::invalid_argument(message);
}

}  // namespace moescope

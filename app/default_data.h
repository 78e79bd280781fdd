#pragma once

#include <string_view>

namespace moescope::app {

// Name under which the embedded data set appears in messages and as the runs' origin.
inline constexpr std::string_view kDefaultDataName = "datasets/synthetic-table3.csv (embedded)";

// datasets/synthetic-table3.csv as it was when the binary was built.
std::string_view default_data_csv();

}  // namespace moescope::app

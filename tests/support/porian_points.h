#pragma once

// Porian et al. 2024's IsoFLOP points (../shared/external/porian2024/isoflop_points.csv), for the
// tests of the 2-D curves and of their Akima method.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "moescope/fit/isoflop_curves.h"
#include "moescope/io/csv_reader.h"

namespace moescope::testing_support {

// Porian et al. 2024's IsoFLOP points of one experiment (../shared/external/porian2024): the
// rows of one `source` pickle and `label`, with their N, D and C. Empty when the file is absent.
inline std::vector<CurvePoint> porian_points(const std::string& source, const std::string& label) {
  const std::filesystem::path path =
      std::filesystem::path(MOESCOPE_EXTERNAL_DIR) / "porian2024" / "isoflop_points.csv";
  if (!std::filesystem::exists(path))
    return {};
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  const CsvTable table = read_csv(text.str(), path.string());
  const auto column = [&table](const std::string& name) {
    const auto found = std::find(table.header.fields.begin(), table.header.fields.end(), name);
    EXPECT_NE(found, table.header.fields.end()) << "no column " << name;
    return static_cast<std::size_t>(found - table.header.fields.begin());
  };
  const std::size_t source_column = column("source"), label_column = column("label"),
                    flops = column("flops"), size = column("N"), tokens = column("D"),
                    loss = column("loss");
  std::vector<CurvePoint> points;
  for (const CsvRecord& row : table.rows) {
    if (row.fields[label_column] != label || row.fields[source_column] != source)
      continue;
    const double n = std::stod(row.fields[size]);
    points.push_back(
        {{n, n, 0.0, std::stod(row.fields[loss]), std::stod(row.fields[flops]), points.size()},
         std::stod(row.fields[tokens])});
  }
  return points;
}

inline const char* const kPorianAbsent = "external data absent: ../shared/external/porian2024";

}  // namespace moescope::testing_support

#include <algorithm>
#include <string>
#include <vector>

#include "moescope/explore/figure.h"

namespace moescope {

std::vector<Figure> split_by_facet(const Figure& figure) {
  std::vector<std::string> facets;
  for (const std::vector<Series>* group : {&figure.points, &figure.curves}) {
    for (const Series& series : *group) {
      if (!series.facet.empty() &&
          std::find(facets.begin(), facets.end(), series.facet) == facets.end())
        facets.push_back(series.facet);
    }
  }
  if (facets.empty())
    return {figure};
  std::vector<Figure> panels;
  for (const std::string& facet : facets) {
    Figure& panel = panels.emplace_back(figure);
    panel.title = facet;
    panel.caption = facet;
    for (std::vector<Series>* group : {&panel.points, &panel.curves}) {
      std::erase_if(*group, [&](const Series& series) {
        return !series.facet.empty() && series.facet != facet;
      });
      for (Series& series : *group) {
        if (series.key == facet)
          series.key.clear();
      }
    }
  }
  return panels;
}

}  // namespace moescope

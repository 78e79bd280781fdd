#include "moescope/plan/cell.h"

#include "moescope/io/number_format.h"

namespace moescope {

std::string describe(const Cell& cell) {
  return "C=" + format_brief(cell.compute) + " N=" + format_brief(cell.total_params) +
         " S=" + format_brief(cell.sparsity);
}

}  // namespace moescope

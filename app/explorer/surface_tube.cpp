#include "surface_tube.h"

namespace moescope::explorer {

SurfaceTube::SurfaceTube(double radius, int sides, bool capped) {
  polyline_->SetPoints(points_);
  polyline_->SetLines(line_);
  tube_->SetInputData(polyline_);
  tube_->SetRadius(radius);
  tube_->SetNumberOfSides(sides);
  tube_->SetCapping(capped);
  mapper_->SetInputConnection(tube_->GetOutputPort());
  actor_->SetMapper(mapper_);
}

void SurfaceTube::setVertices(const std::vector<std::array<double, 3>>& vertices) {
  const auto count = static_cast<vtkIdType>(vertices.size());
  points_->SetNumberOfPoints(count);
  for (vtkIdType index = 0; index < count; ++index)
    points_->SetPoint(index, vertices[static_cast<std::size_t>(index)].data());
  points_->Modified();
  if (line_->GetNumberOfConnectivityIds() != count) {
    line_->Reset();
    if (count >= 2) {
      line_->InsertNextCell(static_cast<int>(count));
      for (vtkIdType vertex = 0; vertex < count; ++vertex)
        line_->InsertCellPoint(vertex);
    }
    line_->Modified();
  }
}

}  // namespace moescope::explorer

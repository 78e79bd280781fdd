#pragma once

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkTubeFilter.h>

#include <array>
#include <vector>

namespace moescope::explorer {

// A polyline through points in the 3-D view's box, drawn as a tube: the optimum ridges of the
// surface and of its overlay. The points move in place; the line through them is rebuilt only
// when their number changes.
class SurfaceTube {
 public:
  SurfaceTube(double radius, int sides, bool capped);

  vtkActor* actor() { return actor_; }
  // The line through `vertices`, in world coordinates; fewer than two draw nothing.
  void setVertices(const std::vector<std::array<double, 3>>& vertices);
  bool hasLine() const { return line_->GetNumberOfCells() > 0; }

 private:
  vtkNew<vtkPoints> points_;
  vtkNew<vtkCellArray> line_;
  vtkNew<vtkPolyData> polyline_;
  vtkNew<vtkTubeFilter> tube_;
  vtkNew<vtkPolyDataMapper> mapper_;
  vtkNew<vtkActor> actor_;
};

}  // namespace moescope::explorer

#pragma once

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderer.h>

#include <QFont>
#include <QPainter>
#include <QRect>
#include <QString>
#include <QStringList>
#include <array>
#include <cstddef>
#include <vector>

#include "surface_box.h"
#include "surface_scene.h"

namespace moescope::explorer {

// The 3-D view's axes, laid out for the camera as vtkCubeAxesActor's outer-edges mode does: the
// grid on the three faces of the box farthest from the camera, the labelled edges on the near side
// and, for the vertical axis, on the left. The lines are VTK's; their labels are painted by Qt
// (paintLabels), because VTK rebuilds the meshes, mappers and shaders of all its axis text
// whenever one label changes (a budget step that moves a tick took twice as long as the others)
// and draws each label as a mesh of its own.
class SurfaceAxes {
 public:
  SurfaceAxes();

  void addTo(vtkRenderer* renderer);
  void hide();
  // The axes of `frame`, titled as the scene says.
  void show(const SurfaceScene& scene, const WorldFrame& frame);

  // Lays the axes out for the renderer's camera. Call before each render.
  void place(vtkRenderer* renderer);

  // Paints the tick labels and axis titles for what `renderer` drew last into an image shown at
  // `area`, `area.width()` wide for the renderer's window width.
  void paintLabels(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                   const QFont& label_font) const;

 private:
  // What one axis shows, in world coordinates: its ticks run from the edge (root) outwards (end).
  struct AxisText {
    std::vector<std::array<double, 3>> tick_roots, tick_ends;
    QStringList labels;
    std::array<double, 3> title_root{}, title_end{};
    QString title;
  };

  // Grid lines on the face across axis `face` at `side`: one per tick of each other axis.
  void addGrid(std::size_t face, double side);
  // The edge along `axis` through `start`, its ticks pointing out of the box along `outwards`.
  void addEdge(std::size_t axis, std::array<double, 3> start, std::size_t outwards,
               const std::array<double, 3>& near_side);

  vtkNew<vtkPoints> grid_points_, edge_points_;
  vtkNew<vtkCellArray> grid_cells_, edge_cells_;
  vtkNew<vtkPolyData> grid_, edges_;
  vtkNew<vtkPolyDataMapper> grid_mapper_, edges_mapper_;
  vtkNew<vtkActor> grid_actor_, edges_actor_;
  // Whether there are axes to show, their tick labels and positions in the box, and their titles.
  bool shown_ = false;
  std::array<QStringList, 3> tick_labels_;
  std::array<std::vector<double>, 3> tick_positions_;
  std::array<QString, 3> titles_;
  std::array<AxisText, 3> axis_text_;
};

}  // namespace moescope::explorer

#pragma once

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <QFont>
#include <QPainter>
#include <QRect>
#include <QString>
#include <array>
#include <cstddef>
#include <vector>

#include "surface_box.h"
#include "surface_scene.h"
#include "surface_tube.h"

namespace moescope::explorer {

// The scene's overlay (the law's surface at a fitted budget): a wireframe and its ridge (a tube),
// drawn in the scene where it lies above the surface, and again, faintly, by paintSeeThrough over
// the rendered frame, from the same points in the box, where the surface hides it. Beyond the
// sizes of the budget's runs the law is extrapolated: the wireframe is pale there.
class SurfaceOverlay {
 public:
  SurfaceOverlay();

  void addTo(vtkRenderer* renderer);
  // The scene's overlay, if it has one. The overlay's nodes move in place; the lines through them
  // are rebuilt only when the grid's shape changes.
  void show(const SurfaceScene& scene, const WorldFrame& frame);
  void hide();
  // Whether the overlay is drawn when there is one; shown by default.
  void setShown(bool shown);
  bool shown() const { return shown_; }
  // Whether the scene last shown has an overlay (drawn or not).
  bool present() const { return present_; }
  // Whether part of it lies beyond the sizes of the scene's runs, drawn pale.
  bool extrapolates() const { return extrapolates_; }

  // The overlay's faint copy over the frame that `renderer` drew last, shown at `area`. Painted by
  // Qt: in VTK a translucent copy would take a translucency pass, on a software renderer a quarter
  // of a frame's time. The points are projected with the camera's matrix, computed once, as
  // vtkViewport::WorldToDisplay would place them.
  void paintSeeThrough(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                       const QFont& label_font) const;

 private:
  // A line along every few sizes and every few sparsities, through every node on its way, so that
  // it follows the surface between the lines across it.
  void wire(std::size_t columns, std::size_t rows);
  void updateVisibility();

  vtkNew<vtkPoints> points_;
  // Per node, RGB: the overlay's colour over the runs' sizes, paler beyond.
  vtkNew<vtkUnsignedCharArray> colours_;
  vtkNew<vtkCellArray> lines_;
  vtkNew<vtkPolyData> wireframe_;
  vtkNew<vtkPolyDataMapper> mapper_;
  vtkNew<vtkActor> actor_;
  SurfaceTube ridge_{0.005, 10, false};
  std::vector<std::array<double, 3>> world_, ridge_world_;
  std::vector<std::vector<std::size_t>> polylines_;  // into world_
  std::size_t columns_ = 0, rows_ = 0;
  bool present_ = false;
  bool extrapolates_ = false;
  bool shown_ = true;
};

}  // namespace moescope::explorer

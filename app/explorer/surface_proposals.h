#pragma once

#include <vtkActor.h>
#include <vtkGlyph3DMapper.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

#include <QFont>
#include <QPainter>
#include <QPointF>
#include <QRect>
#include <QRectF>
#include <array>
#include <vector>

#include "surface_box.h"
#include "surface_scene.h"

namespace moescope::explorer {

// The scene's proposed runs (active design): a small white sphere at each, in the scene, and
// over the rendered frame a ring in the proposals' colour around it with its rank beside it,
// painted by Qt so that a proposal stays marked, and its number readable, wherever the surface
// hides it or the camera turns.
class SurfaceProposals {
 public:
  SurfaceProposals();

  void addTo(vtkRenderer* renderer);
  void show(const SurfaceScene& scene, const WorldFrame& frame);
  void hide();
  // The proposals drawn, as the scene had them.
  std::size_t count() const { return world_.size(); }

  // The rings and ranks over the frame that `renderer` drew last, shown at `area`.
  void paintRings(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                  const QFont& label_font) const;
  // The key's sample: one ring in `box`.
  static void paintSample(QPainter& painter, const QRectF& box, const QFont& label_font);

 private:
  vtkNew<vtkPoints> centres_;
  vtkNew<vtkPolyData> markers_;
  vtkNew<vtkSphereSource> marker_;
  vtkNew<vtkGlyph3DMapper> mapper_;
  vtkNew<vtkActor> actor_;
  std::vector<std::array<double, 3>> world_;
  std::vector<int> ranks_;
};

}  // namespace moescope::explorer

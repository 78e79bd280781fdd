#pragma once

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

#include <QFont>
#include <QPainter>
#include <QRect>
#include <QString>
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "plot_style.h"
#include "surface_axes.h"
#include "surface_box.h"
#include "surface_overlay.h"
#include "surface_proposals.h"
#include "surface_scene.h"
#include "surface_tube.h"

namespace moescope::explorer {

// What SurfaceView draws of a SurfaceScene in one VTK renderer (the surface coloured by loss, the
// runs, the proposed runs, the ridge, the axes and the overlay) and the text Qt paints over the
// rendered frame (axis labels, the colour bar, the key and the scene's message). The props are kept
// from scene to scene: a new scene moves points and recolours in place, because building actors and
// mappers costs more than drawing them. VTK props hold graphics resources of one render window: an
// export to another window draws with a scene of its own.
class SurfaceVtkScene {
 public:
  explicit SurfaceVtkScene(vtkRenderer* renderer);

  void show(const SurfaceScene& scene);
  void setOverlayShown(bool shown);
  // The proposed runs drawn, as the last scene had them.
  std::size_t proposalCount() const { return proposals_.count(); }

  // Lays the axes out for the renderer's camera. Call before each render.
  void placeAxes(vtkRenderer* renderer);

  // Paints the tick labels, axis titles, the overlay's see-through copy, the colour bar, the key
  // and the message for what `renderer` drew last into an image shown at `area`, `area.width()`
  // wide for the renderer's window width.
  void paintText(QPainter& painter, vtkRenderer* renderer, const QRect& area) const;

 private:
  void hideAll();
  void buildSurface();
  void showSurface(const SurfaceScene& scene, const WorldFrame& frame);
  // Normals of the grid by central differences keep the lighting from showing the triangulation,
  // at a tenth of what vtkPolyDataNormals costs, which also checks every triangle's orientation.
  void setSmoothNormals(std::size_t columns, std::size_t rows);
  void triangulate(std::size_t columns, std::size_t rows);
  void buildRuns();
  void showRuns(const SurfaceScene& scene, const WorldFrame& frame);
  void showRidge(const SurfaceScene& scene, const WorldFrame& frame);

  // What the view shows, top left: the title, then a key line per thing drawn besides the
  // surface, each with a sample of how it is drawn.
  void paintKey(QPainter& painter, const QRect& area, const QFont& label_font) const;
  // Why there is no surface, in the middle of the view, wrapped to half its width.
  void paintMessage(QPainter& painter, const QRect& area, const QFont& label_font) const;

  vtkNew<vtkPoints> surface_points_;
  vtkNew<vtkDoubleArray> surface_loss_;
  vtkNew<vtkCellArray> surface_triangles_;
  vtkNew<vtkPolyData> surface_;
  vtkNew<vtkFloatArray> surface_normals_;
  vtkNew<vtkLookupTable> colours_;
  vtkNew<vtkPolyDataMapper> surface_mapper_;
  vtkNew<vtkActor> surface_actor_;
  std::size_t surface_columns_ = 0, surface_rows_ = 0;
  std::vector<std::array<double, 3>> world_;  // the surface's points, for its normals
  std::optional<plot_style::Range> colour_range_;
  std::vector<double> colour_ticks_;

  vtkNew<vtkPoints> run_centres_;
  vtkNew<vtkPolyData> runs_;
  vtkNew<vtkSphereSource> run_marker_;
  vtkNew<vtkGlyph3DMapper> runs_mapper_;
  vtkNew<vtkActor> runs_actor_;

  SurfaceTube ridge_{0.008, 12, true};

  SurfaceAxes axes_;
  SurfaceOverlay overlay_;
  SurfaceProposals proposals_;

  // For the key.
  QString title_, message_, overlay_label_;
  bool has_runs_ = false, has_ridge_ = false;
};

}  // namespace moescope::explorer

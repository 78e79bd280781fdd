#include "surface_proposals.h"

#include <vtkProperty.h>
#include <vtkRenderWindow.h>

#include <QFontMetricsF>
#include <QPainterPath>
#include <QPen>
#include <algorithm>

#include "surface_style.h"

namespace moescope::explorer {
namespace {

using namespace surface_style;

// Per pixel of the label font: the ring's radius and its line, and the white halo either side of
// the line that keeps it readable on the surface's dark and light ends alike.
constexpr double kRingRadius = 0.8;
constexpr double kRingWidth = 0.2;
constexpr double kHaloWidth = 0.15;

// A ring of `radius` at `centre`: white halo first, the proposals' colour over it.
void paintRing(QPainter& painter, QPointF centre, double radius, double pixels) {
  const double line = std::max(2.0, pixels * kRingWidth);
  painter.setBrush(Qt::NoBrush);
  painter.setPen(QPen(Qt::white, line + 2 * std::max(1.0, pixels * kHaloWidth)));
  painter.drawEllipse(centre, radius, radius);
  painter.setPen(QPen(plot_style::toQColor(plot_style::kProposed), line));
  painter.drawEllipse(centre, radius, radius);
}

}  // namespace

SurfaceProposals::SurfaceProposals() {
  markers_->SetPoints(centres_);
  // Smaller than a run's sphere (0.016), so that the ring around it reads as a hollow marker.
  marker_->SetRadius(0.011);
  marker_->SetThetaResolution(16);
  marker_->SetPhiResolution(12);
  mapper_->SetInputData(markers_);
  mapper_->SetSourceConnection(marker_->GetOutputPort());
  mapper_->ScalingOff();
  mapper_->ScalarVisibilityOff();
  actor_->SetMapper(mapper_);
  actor_->GetProperty()->SetColor(1.0, 1.0, 1.0);
  actor_->GetProperty()->SetAmbient(0.5);
}

void SurfaceProposals::addTo(vtkRenderer* renderer) {
  renderer->AddActor(actor_);
}

void SurfaceProposals::hide() {
  world_.clear();
  ranks_.clear();
  actor_->SetVisibility(false);
}

void SurfaceProposals::show(const SurfaceScene& scene, const WorldFrame& frame) {
  world_.clear();
  ranks_.clear();
  for (const auto& point : scene.proposed) {
    world_.push_back(frame.toWorld(point.x, point.y, point.z));
    ranks_.push_back(point.rank);
  }
  centres_->SetNumberOfPoints(static_cast<vtkIdType>(world_.size()));
  for (std::size_t i = 0; i < world_.size(); ++i)
    centres_->SetPoint(static_cast<vtkIdType>(i), world_[i].data());
  centres_->Modified();
  actor_->SetVisibility(!world_.empty());
}

void SurfaceProposals::paintRings(QPainter& painter, vtkRenderer* renderer, const QRect& area,
                                  const QFont& label_font) const {
  if (world_.empty())
    return;
  const int* window_size = renderer->GetRenderWindow()->GetSize();
  const double scale = static_cast<double>(area.width()) / window_size[0];
  const double pixels = label_font.pixelSize();
  const double radius = pixels * kRingRadius;
  std::vector<QPointF> centres;
  std::vector<int> ranks;
  for (std::size_t i = 0; i < world_.size(); ++i) {
    renderer->SetWorldPoint(world_[i][0], world_[i][1], world_[i][2], 1.0);
    renderer->WorldToDisplay();
    std::array<double, 3> display{};
    renderer->GetDisplayPoint(display.data());
    if (display[2] < 0.0 || display[2] > 1.0)
      continue;  // behind the camera
    centres.emplace_back(area.left() + display[0] * scale,
                         area.top() + (window_size[1] - display[1]) * scale);
    ranks.push_back(ranks_[i]);
  }
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  // The rings first, so that every rank is painted over them; a rank keeps off the other rings
  // and the ranks painted before it (proposals a few per cent apart in N sit ring on ring).
  std::vector<QRectF> taken;
  taken.reserve(2 * centres.size());
  for (const QPointF& centre : centres) {
    paintRing(painter, centre, radius, pixels);
    taken.emplace_back(centre - QPointF(radius, radius), QSizeF(2 * radius, 2 * radius));
  }
  const QFont rank_font = titleFont(label_font);
  const QFontMetricsF metrics(rank_font);
  const double beside = radius * 0.7;
  for (std::size_t i = 0; i < centres.size(); ++i) {
    const QString text = QString::number(ranks[i]);
    const QSizeF size(metrics.horizontalAdvance(text), metrics.ascent());
    const QPointF& c = centres[i];
    // Upper right, lower right, upper left, lower left of the ring; the first clear of the rest.
    const std::array<QPointF, 4> corners = {
        QPointF(c.x() + beside, c.y() - beside - size.height()),
        QPointF(c.x() + beside, c.y() + beside),
        QPointF(c.x() - beside - size.width(), c.y() - beside - size.height()),
        QPointF(c.x() - beside - size.width(), c.y() + beside)};
    QRectF box(corners[0], size);
    for (const QPointF& corner : corners) {
      const QRectF candidate(corner, size);
      const bool clear = std::none_of(taken.begin(), taken.end(), [&](const QRectF& other) {
        return &other != &taken[i] && other.intersects(candidate);
      });
      if (clear) {
        box = candidate;
        break;
      }
    }
    taken.push_back(box);
    // Haloed like the ring.
    QPainterPath rank;
    rank.addText(QPointF(box.left(), box.top() + metrics.ascent()), rank_font, text);
    painter.strokePath(rank, QPen(Qt::white, std::max(2.0, pixels * 0.25), Qt::SolidLine,
                                  Qt::RoundCap, Qt::RoundJoin));
    painter.fillPath(rank, plot_style::toQColor(plot_style::kProposed));
  }
  painter.restore();
}

void SurfaceProposals::paintSample(QPainter& painter, const QRectF& box, const QFont& label_font) {
  paintRing(painter, box.center(), box.height() * 0.45, label_font.pixelSize());
}

}  // namespace moescope::explorer

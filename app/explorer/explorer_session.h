#pragma once

#include <QByteArray>
#include <QString>
#include <optional>

#include "moescope/explore/explorer_loader.h"
#include "run_source.h"

namespace moescope::explorer {

// What the explorer remembers between sessions (QSettings): the data it showed, how it fitted
// them, the sliders, the view and the window's layout. Only interactive sessions read and write
// it; scripted runs (--screenshot, --export-all, ...) depend on their arguments alone.
struct ExplorerSession {
  RunSource source;
  moescope::ExplorerLoadOptions fit_options;
  std::optional<double> budget;
  std::optional<double> max_total_params;
  QString view;             // "surface" or a figure's name
  int surface_axis = 0;     // 0: total parameters, 1: active parameters
  bool law_overlay = true;  // the law's surface over a fitted budget's Eq. 8 surface
  QByteArray window_geometry;
  QByteArray window_state;

  // Values missing or unreadable in the settings keep their defaults: a stale or hand-edited
  // settings file never stops the explorer from opening.
  static ExplorerSession load();
  void save() const;
};

}  // namespace moescope::explorer

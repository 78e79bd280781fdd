#pragma once

#include <vector>

namespace moescope::explorer {

class SurfaceView;

// Replays `moves` camera moves in a shown 3-D view as a reader makes them with the mouse: a drag
// with the left button (VTK's trackball: half the moves turn the view about its vertical axis,
// a quarter tilt it), then wheel steps (the last quarter: five notches in, five out, and so on),
// and returns the
// time of each move in milliseconds, its frame rendered and painted included. The release that
// ends the drag (a full-resolution frame) is not timed. `moescope explore --bench-camera N`.
std::vector<double> replayCameraMoves(SurfaceView& view, int moves);

}  // namespace moescope::explorer

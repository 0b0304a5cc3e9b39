package app

import (
	"image"
	"math"
)

// MinArenaScale is the smallest scale, in screen pixels per world unit, at
// which a player's whole arena is drawn. The default 2000-unit arena fits
// a 700-pixel rectangle at 0.35; a larger arena is drawn at MinArenaScale
// about the player's own ship, with a minimap (see Camera).
const MinArenaScale = 0.3

// Camera is the player's viewport of an arena worldW × worldH world units
// in the screen rectangle (x, y, w, h). When the arena fits at
// MinArenaScale or more, it is the whole arena fitted (fits is true).
// Otherwise it is the arena at MinArenaScale, centred on the own ship at
// (fx, fy) but never showing past an edge where the arena is larger than
// the rectangle: near a wall the ship moves off-centre instead.
func Camera(worldW, worldH, fx, fy, x, y, w, h float64) (v Viewport, fits bool) {
	v = FitViewport(worldW, worldH, x, y, w, h)
	if v.Scale >= MinArenaScale || worldW <= 0 || worldH <= 0 {
		return v, true
	}
	s := MinArenaScale
	axis := func(world, focus, start, size float64) float64 {
		span := size / s // world units on show
		if world <= span {
			return start + (size-world*s)/2
		}
		left := min(max(focus-span/2, 0), world-span)
		return start - left*s
	}
	return Viewport{Scale: s, X0: axis(worldW, fx, x, w), Y0: axis(worldH, fy, y, h)}, false
}

// ArenaClip is where the arena worldW × worldH is drawn through v in the
// screen rectangle rect: their intersection, rounded inwards. Everything
// of the arena (ships, their labels and health bars) is drawn clipped to
// it, so nothing shows outside the arena.
func ArenaClip(v Viewport, worldW, worldH float64, rect image.Rectangle) image.Rectangle {
	x0, y0 := v.ToScreen(0, 0)
	x1, y1 := v.ToScreen(worldW, worldH)
	floor := image.Rect(int(math.Ceil(x0)), int(math.Ceil(y0)), int(math.Floor(x1)), int(math.Floor(y1)))
	return floor.Intersect(rect)
}

// VisibleWorld is the part of the world, in world units, that v shows in
// the screen rectangle rect (for the minimap's frame).
func VisibleWorld(v Viewport, rect image.Rectangle) (x0, y0, x1, y1 float64) {
	x0, y0 = v.ToWorld(float64(rect.Min.X), float64(rect.Min.Y))
	x1, y1 = v.ToWorld(float64(rect.Max.X), float64(rect.Max.Y))
	return x0, y0, x1, y1
}

package game

// MoveShip returns where a ship at pos is after one tick of movement with in,
// on map m under rules r at tickRate ticks per second. It is the World's own
// movement, exported so a client can predict its ship with the same code.
//
// Up, Down, Left and Right move along -y, +y, -x and +x; opposite buttons
// cancel. The step along one axis is [SpeedPerTick] of r.ShipSpeed; moving
// diagonally each axis moves [DiagonalStep] of it, so the diagonal is never
// faster. The move is resolved one axis at a time, x first: a ship (a circle
// of r.ShipRadius) moving into a wall block stops touching it, with rounded
// corners, and keeps its other axis, so it slides along walls. Ships stay
// inside the arena. Zero rules fields mean their defaults, tickRate <= 0
// means [DefaultTickRate], and a nil map means an open plane.
func MoveShip(m *Map, r Rules, tickRate int, pos Vec, in Input) Vec {
	if tickRate <= 0 {
		tickRate = DefaultTickRate
	}
	r = r.WithDefaults()
	step := SpeedPerTick(r.ShipSpeed, tickRate)
	mv := mover{radius: r.ShipRadius * Unit, step: step, diag: DiagonalStep(step)}
	if m != nil {
		mv.walls, mv.bounds, mv.bounded = m.Walls, m.Bounds(), true
	}
	return mv.move(pos, in.Buttons)
}

// mover holds what one tick of ship movement needs, converted once.
type mover struct {
	walls   []Rect
	bounds  Rect
	bounded bool  // false: no arena edge (a nil map)
	radius  int32 // sub-units
	step    int32 // sub-units per tick along one axis
	diag    int32 // sub-units per tick along each axis when moving diagonally
}

// move is the core of MoveShip, shared with the World.
func (mv *mover) move(pos Vec, b Buttons) Vec {
	var dx, dy int32
	if b&ButtonLeft != 0 {
		dx--
	}
	if b&ButtonRight != 0 {
		dx++
	}
	if b&ButtonUp != 0 {
		dy--
	}
	if b&ButtonDown != 0 {
		dy++
	}
	step := mv.step
	if dx != 0 && dy != 0 {
		step = mv.diag
	}
	if dx != 0 {
		to := pos.X + dx*step
		if mv.bounded {
			to = clamp32(to, mv.bounds.Min.X+mv.radius, mv.bounds.Max.X-mv.radius)
		}
		pos.X = slide(mv.walls, mv.radius, pos.X, pos.Y, to, false)
	}
	if dy != 0 {
		to := pos.Y + dy*step
		if mv.bounded {
			to = clamp32(to, mv.bounds.Min.Y+mv.radius, mv.bounds.Max.Y-mv.radius)
		}
		pos.Y = slide(mv.walls, mv.radius, pos.Y, pos.X, to, true)
	}
	return pos
}

// slide moves a circle of radius r along one axis from coordinate from to
// coordinate to, with its other coordinate fixed at other, and returns where
// it stops: at to, or touching the first wall in the way. alongY picks the
// axis: false moves x (other is y), true moves y (other is x). Walls the
// circle already overlaps do not block it, so a ship can always get out.
func slide(walls []Rect, r, from, other, to int32, alongY bool) int32 {
	if to == from {
		return to
	}
	for i := range walls {
		w := &walls[i]
		lo, hi, olo, ohi := w.Min.X, w.Max.X, w.Min.Y, w.Max.Y
		if alongY {
			lo, hi, olo, ohi = w.Min.Y, w.Max.Y, w.Min.X, w.Max.X
		}
		// Distance from the circle's centre to the wall across the axis.
		var e int32
		if other < olo {
			e = olo - other
		} else if other > ohi {
			e = other - ohi
		}
		if e >= r {
			continue
		}
		if to > from {
			if lo-r >= to || hi < from {
				continue // entirely ahead of the move, or behind it
			}
			if c := lo - reach(r, e); c >= from && c < to {
				to = c
			}
		} else {
			if hi+r <= to || lo > from {
				continue
			}
			if c := hi + reach(r, e); c <= from && c > to {
				to = c
			}
		}
	}
	return to
}

// reach returns how far along the axis a circle of radius r must stay from a
// wall face when its centre is e across the axis from the wall's extent:
// ceil(sqrt(r²-e²)), the least integer distance at which they do not
// overlap. At e == 0 it is r (a flat face); e > 0 is a rounded corner.
func reach(r, e int32) int32 {
	if e == 0 {
		return r
	}
	return int32(ceilSqrt(int64(r)*int64(r) - int64(e)*int64(e)))
}

func clamp32(v, lo, hi int32) int32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

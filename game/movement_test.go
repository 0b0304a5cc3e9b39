package game

import (
	"testing"
)

// blockMap is 1000×1000 units with one wall block from (400,400) to
// (600,600) and a thin wall (1 unit) from (800,100) to (801,300).
func blockMap() Map {
	return Map{
		Name: "block", Width: 1000, Height: 1000,
		Walls:  []Rect{{at(400, 400), at(600, 600)}, {at(800, 100), at(801, 300)}},
		Spawns: []Vec{at(100, 100)},
	}
}

func TestMoveShip(t *testing.T) {
	m := blockMap()
	r := DefaultRules()
	const step, diag = 2133, 1508 // 250 u/s at 30 Hz, in sub-units
	const rad = 20 * Unit
	face := int32(400*Unit - rad) // x of a ship touching the block's left face
	tests := []struct {
		name string
		rate int
		pos  Vec
		b    Buttons
		want Vec
	}{
		{"no input", 30, at(100, 100), 0, at(100, 100)},
		{"right", 30, at(100, 100), ButtonRight, Vec{100*Unit + step, 100 * Unit}},
		{"left", 30, at(100, 100), ButtonLeft, Vec{100*Unit - step, 100 * Unit}},
		{"up is -y", 30, at(100, 100), ButtonUp, Vec{100 * Unit, 100*Unit - step}},
		{"down is +y", 30, at(100, 100), ButtonDown, Vec{100 * Unit, 100*Unit + step}},
		{"opposites cancel", 30, at(100, 100), ButtonLeft | ButtonRight | ButtonUp | ButtonDown, at(100, 100)},
		{"fire does not move", 30, at(100, 100), ButtonFire, at(100, 100)},
		{"diagonal normalised", 30, at(100, 100), ButtonUp | ButtonRight, Vec{100*Unit + diag, 100*Unit - diag}},
		{"opposites cancel to straight", 30, at(100, 100), ButtonUp | ButtonDown | ButtonRight, Vec{100*Unit + step, 100 * Unit}},
		{"10 Hz", 10, at(100, 100), ButtonRight, Vec{100*Unit + 6400, 100 * Unit}},
		{"128 Hz diagonal", 128, at(100, 100), ButtonDown | ButtonLeft, Vec{100*Unit - 353, 100*Unit + 353}},
		{"stops at a wall face", 30, Vec{face - 1000, 500 * Unit}, ButtonRight, Vec{face, 500 * Unit}},
		{"touching a wall stays", 30, Vec{face, 500 * Unit}, ButtonRight, Vec{face, 500 * Unit}},
		{"moves away from a wall", 30, Vec{face, 500 * Unit}, ButtonLeft, Vec{face - step, 500 * Unit}},
		{"slides along a wall", 30, Vec{face, 500 * Unit}, ButtonRight | ButtonDown, Vec{face, 500*Unit + diag}},
		{"stops at the bottom face", 30, Vec{500 * Unit, 600*Unit + rad + 100}, ButtonUp, Vec{500 * Unit, 600*Unit + rad}},
		{"passes a corner at exactly the radius", 30, Vec{face - 1000, 400*Unit - rad}, ButtonRight, Vec{face - 1000 + step, 400*Unit - rad}},
		{"left arena edge", 30, Vec{rad + 100, 100 * Unit}, ButtonLeft, Vec{rad, 100 * Unit}},
		{"top arena edge", 30, Vec{100 * Unit, rad + 100}, ButtonUp, Vec{100 * Unit, rad}},
		{"bottom-right corner", 30, Vec{1000*Unit - rad - 10, 1000*Unit - rad - 20}, ButtonDown | ButtonRight, Vec{1000*Unit - rad, 1000*Unit - rad}},
		{"no tunnelling through a thin wall at 10 Hz", 10, Vec{800*Unit - rad - 10, 200 * Unit}, ButtonRight, Vec{800*Unit - rad, 200 * Unit}},
		{"no tunnelling from the other side", 10, Vec{801*Unit + rad + 10, 200 * Unit}, ButtonLeft, Vec{801*Unit + rad, 200 * Unit}},
		{"inside a wall can get out", 30, at(500, 500), ButtonLeft, Vec{500*Unit - step, 500 * Unit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MoveShip(&m, r, tt.rate, tt.pos, Input{Buttons: tt.b}); got != tt.want {
				t.Errorf("MoveShip(%v, %05b) = %v, want %v (diff %d, %d)", tt.pos, tt.b, got, tt.want, got.X-tt.want.X, got.Y-tt.want.Y)
			}
		})
	}
}

// TestMoveShipCorners moves ships past the block's top-left corner at every
// height near it: they must end touching (not overlapping) the rounded
// corner, within one sub-unit.
func TestMoveShipCorners(t *testing.T) {
	m := blockMap()
	const rad = 20 * Unit
	wall := m.Walls[0]
	for e := int32(1); e < rad; e += 97 {
		start := Vec{400*Unit - rad - 1000, 400*Unit - e}
		got := start
		for range 3 {
			got = MoveShip(&m, DefaultRules(), 30, got, Input{Buttons: ButtonRight})
		}
		if d := distSqToRect(got, wall); d < rad*rad {
			t.Fatalf("e=%d: ship at %v overlaps the wall (dist² %d < %d)", e, got, d, rad*rad)
		}
		if d := distSqToRect(Vec{got.X + 1, got.Y}, wall); d >= rad*rad {
			t.Fatalf("e=%d: ship at %v stopped short of the corner", e, got)
		}
	}
}

// TestMoveShipNeverOverlaps walks ships at random and checks they never
// overlap a wall or leave the arena, at several tick rates.
func TestMoveShipNeverOverlaps(t *testing.T) {
	maps := []Map{blockMap(), DefaultMap()}
	rng := newRand(7)
	for _, m := range maps {
		for _, rate := range []int{10, 30, 128} {
			pos := m.Spawns[0]
			for range 20000 {
				pos = MoveShip(&m, DefaultRules(), rate, pos, Input{Buttons: Buttons(rng.intn(16))})
				const rad = 20 * Unit
				if pos.X < rad || pos.Y < rad || pos.X > m.Width*Unit-rad || pos.Y > m.Height*Unit-rad {
					t.Fatalf("%s at %d Hz: ship left the arena: %v", m.Name, rate, pos)
				}
				for k, w := range m.Walls {
					if distSqToRect(pos, w) < rad*rad {
						t.Fatalf("%s at %d Hz: ship at %v overlaps wall %d", m.Name, rate, pos, k)
					}
				}
			}
		}
	}
}

func TestMoveShipNilMapAndDefaults(t *testing.T) {
	got := MoveShip(nil, Rules{}, 0, Vec{}, Input{Buttons: ButtonLeft})
	if want := (Vec{-2133, 0}); got != want {
		t.Errorf("MoveShip(nil, zero rules, 0 Hz) = %v, want %v", got, want)
	}
}

// TestWorldMovesLikeMoveShip checks that prediction with MoveShip gives the
// World's own positions, tick by tick.
func TestWorldMovesLikeMoveShip(t *testing.T) {
	for _, rate := range []int{10, 30, 60, 128} {
		cfg := Config{Mode: mode(t, "ffa"), TickRate: rate}
		ids := []ShipID{1, 2, 3, 4, 5, 6, 7, 8}
		w := newWorld(t, cfg, ids, []int{1, 2, 3, 4, 5, 6, 7, 8})
		m := w.Map()
		startPlay(t, w)
		rng := newRand(uint64(rate))
		for range 600 {
			before := append([]Ship(nil), w.Ships()...)
			inputs := make([]Input, len(before))
			for i, s := range before {
				inputs[i] = Input{Buttons: Buttons(rng.intn(16)), Aim: Angle(rng.next())}
				w.SetInput(s.ID, inputs[i])
			}
			w.Step()
			if w.Phase() != PhasePlaying {
				break
			}
			for i, s := range w.Ships() {
				if !before[i].Alive || !s.Alive {
					continue
				}
				if want := MoveShip(&m, w.Rules(), rate, before[i].Pos, inputs[i]); s.Pos != want {
					t.Fatalf("%d Hz tick %d: ship %d at %v, MoveShip predicts %v", rate, w.Tick(), s.ID, s.Pos, want)
				}
			}
		}
	}
}

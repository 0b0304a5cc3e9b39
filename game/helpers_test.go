package game

import "testing"

// xorshift is a tiny deterministic PRNG (xorshift64) for scripted inputs.
type xorshift uint64

func newRand(seed uint64) *xorshift {
	x := xorshift(seed | 1)
	return &x
}

func (x *xorshift) next() uint64 {
	*x ^= *x << 13
	*x ^= *x >> 7
	*x ^= *x << 17
	return uint64(*x)
}

func (x *xorshift) intn(n int) int { return int(x.next() % uint64(n)) }

// bots drives every ship like a simple player: it changes direction now and
// then, aims at the nearest living enemy with some error, and fires often.
type bots struct {
	rng  *xorshift
	move map[ShipID]Buttons // looked up only, never iterated
}

func newBots(seed uint64) *bots {
	return &bots{rng: newRand(seed), move: map[ShipID]Buttons{}}
}

func (b *bots) drive(w *World) {
	ships := w.Ships()
	for i := range ships {
		s := &ships[i]
		if s.Left {
			continue
		}
		if b.rng.intn(20) == 0 {
			b.move[s.ID] = Buttons(b.rng.intn(16))
		}
		aim := s.Aim
		if t := nearestEnemy(ships, s); t >= 0 {
			aim = AngleTo(s.Pos, ships[t].Pos) + Angle(b.rng.intn(2049)) - 1024
		}
		in := Input{Buttons: b.move[s.ID], Aim: aim}
		if b.rng.intn(3) != 0 {
			in.Buttons |= ButtonFire
		}
		w.SetInput(s.ID, in)
	}
}

func nearestEnemy(ships []Ship, s *Ship) int {
	best, bestD := -1, int64(0)
	for j := range ships {
		e := &ships[j]
		if !e.Alive || e.Team == s.Team {
			continue
		}
		if d := distSq(s.Pos, e.Pos); best < 0 || d < bestD {
			best, bestD = j, d
		}
	}
	return best
}

// openMap is a w×h arena without walls, with spawns in the four corners.
func openMap(w, h int32) Map {
	return Map{
		Name: "open", Width: w, Height: h,
		Spawns: []Vec{{100 * Unit, 100 * Unit}, {(w - 100) * Unit, 100 * Unit}, {100 * Unit, (h - 100) * Unit}, {(w - 100) * Unit, (h - 100) * Unit}},
	}
}

// mode returns the default mode called name, changed by opts.
func mode(t testing.TB, name string, opts ...func(*Mode)) Mode {
	t.Helper()
	m, err := FindMode(DefaultModes(), name)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&m)
	}
	return m
}

// newWorld builds a World and adds ships: ids[i] joins team teams[i].
func newWorld(t testing.TB, cfg Config, ids []ShipID, teams []int) *World {
	t.Helper()
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if err := w.AddPlayer(id, teams[i]); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// startPlay steps through the countdown.
func startPlay(t testing.TB, w *World) {
	t.Helper()
	for w.Phase() == PhaseCountdown {
		w.Step()
	}
	if w.Phase() != PhasePlaying {
		t.Fatalf("phase %v after the countdown", w.Phase())
	}
}

// ship returns a pointer to ship id's state, for tests to arrange.
func ship(t testing.TB, w *World, id ShipID) *Ship {
	t.Helper()
	i, ok := w.find(id)
	if !ok {
		t.Fatalf("no ship %d", id)
	}
	return &w.ships[i]
}

// at returns a position in world units.
func at(x, y int32) Vec { return Vec{x * Unit, y * Unit} }

// stepUntil steps until an event of kind happens or n ticks pass, and
// returns the events of that tick.
func stepUntil(w *World, kind EventKind, n int) []Event {
	for range n {
		evs := w.Step()
		for _, e := range evs {
			if e.Kind == kind {
				return evs
			}
		}
	}
	return nil
}

// setScore sets a ship's kills and deaths, keeping team totals in step.
func setScore(t testing.TB, w *World, id ShipID, kills, deaths int) {
	t.Helper()
	s := ship(t, w, id)
	w.teamKills[s.Team-1] += kills - s.Kills
	w.teamDeaths[s.Team-1] += deaths - s.Deaths
	s.Kills, s.Deaths = kills, deaths
}

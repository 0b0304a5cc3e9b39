package game

import (
	"slices"
	"testing"
	"time"
)

// clone returns a deep copy of w, for benchmarks that restart from a state.
func (w *World) clone() *World {
	c := *w
	c.ships = slices.Clone(w.ships)
	c.ctl = slices.Clone(w.ctl)
	c.projs = slices.Clone(w.projs)
	c.teamKills = slices.Clone(w.teamKills)
	c.teamDeaths = slices.Clone(w.teamDeaths)
	c.events = slices.Clone(w.events)
	c.targets = slices.Clone(w.targets)
	return &c
}

// ffa16Script returns a full ffa16 match 10 s into play (with limits raised
// so that it does not end), and the bots' inputs for the following ticks:
// script[k] holds every ship's input (in ID order) from tick 8k on. Replaying
// the script from the returned state replays the recorded match exactly.
func ffa16Script(b *testing.B, ticks int) (*World, [][]Input) {
	b.Helper()
	m := mode(b, "ffa16", func(m *Mode) { m.ScoreLimit, m.TimeLimit = 1_000_000, 24*time.Hour })
	ids := make([]ShipID, 16)
	teams := make([]int, 16)
	for i := range ids {
		ids[i], teams[i] = ShipID(i+1), i+1
	}
	w := newWorld(b, Config{Mode: m}, ids, teams)
	bots := newBots(42)
	for w.Phase() == PhaseCountdown || w.Tick() < 90+300 {
		bots.drive(w)
		w.Step()
	}
	start := w.clone()
	var script [][]Input
	for k := 0; k < ticks; k++ {
		if k%8 == 0 {
			bots.drive(w)
			frame := make([]Input, len(w.ships))
			for i := range w.ships {
				frame[i] = w.ctl[i].in
			}
			script = append(script, frame)
		}
		w.Step()
	}
	if w.Phase() != PhasePlaying {
		b.Fatalf("the scripted match ended")
	}
	return start, script
}

// BenchmarkStepFFA16 measures one Step of a full 16-player ffa16 match in
// play, with the ships moving, aiming at each other and firing (bot inputs
// recorded beforehand and replayed, changing every 8 ticks).
func BenchmarkStepFFA16(b *testing.B) {
	const ticks = 8 * 500
	start, script := ffa16Script(b, ticks)
	w := start.clone()
	var shots, hits, kills int
	k := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if k%8 == 0 {
			frame := script[k/8]
			for i := range frame {
				w.SetInput(w.ships[i].ID, frame[i])
			}
		}
		for _, e := range w.Step() {
			switch e.Kind {
			case EventShot:
				shots++
			case EventHit:
				hits++
			case EventKill:
				kills++
			}
		}
		if k++; k == ticks {
			b.StopTimer()
			w, k = start.clone(), 0
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(len(w.Projectiles())), "projectiles")
	b.ReportMetric(float64(shots)/float64(b.N), "shots/op")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
	b.ReportMetric(float64(kills)/float64(b.N), "kills/op")
}

func BenchmarkHash(b *testing.B) {
	start, _ := ffa16Script(b, 8)
	b.ReportAllocs()
	for b.Loop() {
		start.Hash()
	}
}

func BenchmarkMoveShip(b *testing.B) {
	m := DefaultMap()
	r := DefaultRules()
	pos := m.Spawns[0]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pos = MoveShip(&m, r, 30, pos, Input{Buttons: Buttons(i>>4) & 15})
		i++
	}
}

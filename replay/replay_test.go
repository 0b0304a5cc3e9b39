package replay

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arena-server/arena/game"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// mode returns one of the default modes by name.
func mode(t testing.TB, name string) game.Mode {
	t.Helper()
	for _, m := range game.DefaultModes() {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no mode %q", name)
	return game.Mode{}
}

// match is a recorded game: the world as the server ran it, and its recorder.
type match struct {
	world *game.World
	rec   *Recorder
	rng   *rand.Rand
	aims  []game.Angle
	dirs  []game.Buttons
}

// newMatch starts a recorded match of m with every seat taken, one player
// per team in turn, as the server seats them.
func newMatch(t testing.TB, m game.Mode, seed uint64) *match {
	t.Helper()
	w, err := game.NewWorld(game.Config{Mode: m})
	if err != nil {
		t.Fatal(err)
	}
	h := Header{MatchID: "m1", Start: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Mode: m, Map: w.Map(), Rules: w.Rules(), TickRate: w.TickRate()}
	for i := range m.Players() {
		p := Player{Ship: uint32(i + 1), Team: i%m.Teams + 1, PlayerID: "p" + string(rune('a'+i)), Name: "player"}
		if err := w.AddPlayer(game.ShipID(p.Ship), p.Team); err != nil {
			t.Fatal(err)
		}
		h.Players = append(h.Players, p)
	}
	rec, err := NewRecorder(h, w)
	if err != nil {
		t.Fatal(err)
	}
	return &match{world: w, rec: rec, rng: rand.New(rand.NewPCG(seed, 7)),
		aims: make([]game.Angle, len(h.Players)), dirs: make([]game.Buttons, len(h.Players))}
}

// step gives every ship still in the game an input the way players do (a
// new direction now and then, the aim drifting, shots), then steps.
func (m *match) step() {
	for i, s := range m.world.Ships() {
		if s.Left {
			continue
		}
		if m.rng.IntN(20) == 0 {
			m.dirs[i] = game.Buttons(m.rng.IntN(16))
		}
		m.aims[i] += game.Angle(m.rng.IntN(400) - 200)
		in := game.Input{Buttons: m.dirs[i], Aim: m.aims[i]}
		if m.rng.IntN(10) == 0 {
			in.Buttons |= game.ButtonFire
		}
		m.rec.Input(uint32(s.ID), in)
		m.world.SetInput(s.ID, in)
	}
	m.world.Step()
	m.rec.Stepped(m.world)
}

func (m *match) leave(ship uint32) {
	m.rec.Left(ship)
	m.world.RemovePlayer(game.ShipID(ship))
}

// play records ticks steps of m (ship 2 leaves halfway) and returns the file.
func (m *match) play(t testing.TB, ticks int) []byte {
	t.Helper()
	for i := range ticks {
		if i == ticks/2 && len(m.rec.cur) > 2 {
			m.leave(2)
		}
		m.step()
	}
	b, err := m.rec.Finish(m.world)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReplayReproducesTheMatch(t *testing.T) {
	for _, name := range []string{"duel", "teams", "ffa16"} {
		t.Run(name, func(t *testing.T) {
			m := newMatch(t, mode(t, name), 1)
			file := m.play(t, 1500)
			r, err := Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if r.MatchID != "m1" || len(r.Players) != mode(t, name).Players() || r.Mode != mode(t, name) {
				t.Fatalf("header %+v", r.Header)
			}
			w, err := r.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if w.Hash() != m.world.Hash() || w.Tick() != m.world.Tick() {
				t.Fatalf("replayed to tick %d hash %x, the match ended at tick %d hash %x", w.Tick(), w.Hash(), m.world.Tick(), m.world.Hash())
			}
			for i, s := range w.Ships() {
				if o := m.world.Ships()[i]; s.Kills != o.Kills || s.Deaths != o.Deaths || s.Left != o.Left {
					t.Errorf("ship %d replayed %d/%d left %v, played %d/%d left %v", s.ID, s.Kills, s.Deaths, s.Left, o.Kills, o.Deaths, o.Left)
				}
			}
		})
	}
}

// TestReplayToTheEnd: a match played to its time limit replays to the same
// end and placements.
func TestReplayToTheEnd(t *testing.T) {
	md := mode(t, "duel")
	md.TimeLimit = 20 * time.Second
	m := newMatch(t, md, 3)
	for m.world.Phase() != game.PhaseEnded {
		m.step()
	}
	file, err := m.rec.Finish(m.world)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Verify()
	if err != nil {
		t.Fatal(err)
	}
	if w.Phase() != game.PhaseEnded || w.EndReason() != m.world.EndReason() || w.Hash() != m.world.Hash() {
		t.Fatalf("replay ended %v/%v, the match %v/%v", w.Phase(), w.EndReason(), m.world.Phase(), m.world.EndReason())
	}
}

// TestCorruptReplayIsReported: a changed input or a changed hash makes the
// replay fail with ErrCorrupt naming the tick, never play as if fine.
func TestCorruptReplayIsReported(t *testing.T) {
	file := newMatch(t, mode(t, "duel"), 2).play(t, 300)
	for name, tamper := range map[string]func(rec []byte){
		"final hash": func(rec []byte) { rec[len(rec)-1] ^= 1 },
		"an input": func(rec []byte) {
			// The first record changes both ships' inputs: flags, changed,
			// ship 1's buttons, then its aim's change, which every later aim
			// of that ship builds on.
			rec[3] ^= 0x02
		},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			tamper(r.records)
			if _, err := r.Verify(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "tick") {
				t.Fatalf("tampered replay: %v, want ErrCorrupt at a tick", err)
			}
		})
	}
}

func TestReplayRefusesWhatItCannotPlay(t *testing.T) {
	file := newMatch(t, mode(t, "duel"), 2).play(t, 100)
	v2 := bytes.Clone(file)
	v2[len(magic)] = 2
	if _, err := Decode(v2); !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "version 1") {
		t.Fatalf("version 2: %v, want ErrVersion naming both versions", err)
	}
	for name, b := range map[string][]byte{
		"empty":        nil,
		"other file":   []byte("GIF89a"),
		"cut short":    file[:len(file)/2],
		"no version":   []byte(magic),
		"not deflated": append([]byte(magic), 1, 0xff, 0xff, 0xff),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

// TestReplayGolden keeps the bytes of a short duel's replay: a change to
// the format (or to the simulation) shows as a reviewed diff. Regenerate
// with go test ./replay/ -run Golden -update.
func TestReplayGolden(t *testing.T) {
	file := newMatch(t, mode(t, "duel"), 9).play(t, 240)
	path := filepath.Join("testdata", "duel.replay.golden")
	if *update {
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, want) {
		t.Fatalf("replay bytes changed (%d bytes, golden %d): if intended, run with -update and bump Version if old files no longer play", len(file), len(want))
	}
	r, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(); err != nil {
		t.Fatalf("the golden replay no longer plays: %v", err)
	}
}

// FuzzDecode plays arbitrary files: each is refused with an error or plays;
// nothing panics.
func FuzzDecode(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "duel.replay.golden"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(magic + "\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		p, err := r.Start()
		if err != nil {
			return
		}
		for range 100_000 {
			if p.Step() != nil {
				return
			}
		}
	})
}

// BenchmarkReplayFFA16 records five minutes of ffa16 and reports the file's
// size per player-minute (goal ≤ 20 KB) and the time to seek to its end:
// decode and replay every tick (goal ≤ 50 ms).
func BenchmarkReplayFFA16(b *testing.B) {
	md := mode(b, "ffa16")
	m := newMatch(b, md, 5)
	ticks := 5 * 60 * m.world.TickRate()
	for range ticks {
		m.step()
	}
	file, err := m.rec.Finish(m.world)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := Decode(file)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Verify(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(file))/float64(md.Players())/5, "B/player-min")
}

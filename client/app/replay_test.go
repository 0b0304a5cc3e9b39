package app

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/arena-server/arena/game"
	"github.com/arena-server/arena/netcode/transport"
	"github.com/arena-server/arena/replay"
)

// recorded is a duel played and recorded as the server does: alice (ship
// 1) against bob (ship 2), moving at random and shooting at each other, to
// its time limit.
type recorded struct {
	file  []byte
	world *game.World // as the match ended
}

// recordDuel records a duel of limit's length. With corruptAt above 0,
// the world plays another aim than the one recorded from that tick on, as
// a tampered file would replay.
func recordDuel(t *testing.T, limit time.Duration, corruptAt uint32) recorded {
	t.Helper()
	var md game.Mode
	for _, m := range game.DefaultModes() {
		if m.Name == "duel" {
			md = m
		}
	}
	md.TimeLimit = limit
	// An open arena: nothing stops the shots.
	open := game.Map{Name: "open", Width: 800, Height: 800, Spawns: []game.Vec{
		{X: 200 * game.Unit, Y: 400 * game.Unit}, {X: 600 * game.Unit, Y: 400 * game.Unit},
	}}
	w, err := game.NewWorld(game.Config{Mode: md, Map: open})
	if err != nil {
		t.Fatal(err)
	}
	h := replay.Header{MatchID: "m1", Mode: md, Map: w.Map(), Rules: w.Rules(), TickRate: w.TickRate(), Players: []replay.Player{
		{Ship: 1, Team: 1, PlayerID: "id-alice", Name: "alice"},
		{Ship: 2, Team: 2, PlayerID: "id-bob", Name: "bob"},
	}}
	for _, p := range h.Players {
		if err := w.AddPlayer(game.ShipID(p.Ship), p.Team); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := replay.NewRecorder(h, w)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dirs := make([]game.Buttons, 2)
	for w.Phase() != game.PhaseEnded {
		for i, s := range w.Ships() {
			o := w.Ships()[1-i]
			dx, dy := float64(o.Pos.X-s.Pos.X), float64(o.Pos.Y-s.Pos.Y)
			if rng.IntN(20) == 0 {
				dirs[i] = game.Buttons(rng.IntN(16))
				if math.Hypot(dx, dy) > 300*SubUnits { // closer
					dirs[i] = towards(dx, game.ButtonLeft, game.ButtonRight) | towards(dy, game.ButtonUp, game.ButtonDown)
				}
			}
			aim := AimAt(dx, dy)
			in := game.Input{Buttons: dirs[i], Aim: game.Angle(int(aim) + rng.IntN(2000) - 1000)}
			if rng.IntN(2) == 0 {
				in.Buttons |= game.ButtonFire
			}
			rec.Input(uint32(s.ID), in)
			if corruptAt > 0 && w.Tick() >= corruptAt {
				in.Aim += 1000
			}
			w.SetInput(s.ID, in)
		}
		w.Step()
		rec.Stepped(w)
	}
	file, err := rec.Finish(w)
	if err != nil {
		t.Fatal(err)
	}
	return recorded{file: file, world: w}
}

// towards is the button that moves along an axis by d: less or more.
func towards(d float64, less, more game.Buttons) game.Buttons {
	if d < 0 {
		return less
	}
	return more
}

// replayDialer serves one replay file, as the match m1's; the first
// missing fetches find none yet (404), as right after a match.
type replayDialer struct {
	*fakeDialer
	mu      sync.Mutex
	file    []byte
	missing int
	fetches int
}

func (d *replayDialer) Replay(ctx context.Context, matchID string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fetches++
	if matchID != "m1" || d.fetches <= d.missing {
		return nil, &transport.APIError{Op: "replay", Status: 404, Message: "no replay of that match is kept"}
	}
	return d.file, nil
}

func (d *replayDialer) fetched() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fetches
}

// newReplayHarness is alice signed in, on the results of the duel m1,
// with d serving file.
func newReplayHarness(t *testing.T, file []byte, missing int) (*harness, *replayDialer) {
	d := &replayDialer{fakeDialer: &fakeDialer{}, file: file, missing: missing}
	h := &harness{t: t, a: New(Config{Dialer: d, Rand: func() float64 { return 0.5 }}), d: d.fakeDialer}
	h.signIn("alice")
	h.startMatch()
	h.serve(matchEnd(0))
	h.wantScreen(ScreenResults)
	return h, d
}

// frames runs n Updates a sixtieth of a second apart.
func (h *harness) frames(n int) {
	for range n {
		time.Sleep(time.Second / 60)
		h.step()
	}
}

// wantScores checks the replay's scoreboard against the match as it ended.
func wantScores(t *testing.T, r *Replay, w *game.World) {
	t.Helper()
	names := map[game.ShipID]string{1: "alice", 2: "bob"}
	got := map[string][2]int{}
	for _, s := range r.Scores() {
		got[s.Name] = [2]int{s.Kills, s.Deaths}
	}
	for _, s := range w.Ships() {
		if g := got[names[s.ID]]; g != [2]int{s.Kills, s.Deaths} {
			t.Errorf("%s: replay scores %d/%d, the match %d/%d", names[s.ID], g[0], g[1], s.Kills, s.Deaths)
		}
	}
}

func TestReplayScreen(t *testing.T) {
	rec := recordDuel(t, 80*time.Second, 0)
	total := rec.world.Tick() // the score limit, after more than replayStepBudget ticks
	if total <= replayStepBudget || rec.world.EndReason() != game.EndScoreLimit {
		t.Fatalf("the recorded duel ended at tick %d (%v): want a score limit after more than %d ticks", total, rec.world.EndReason(), replayStepBudget)
	}
	synctest.Test(t, func(t *testing.T) {
		h, d := newReplayHarness(t, rec.file, 1)

		// The server stores the replay a moment after the results: the
		// first fetch finds none, the next, a second later, finds it.
		h.a.WatchReplay()
		h.wantScreen(ScreenReplay)
		h.step()
		h.step()
		if r := h.a.Replay(); !r.Loading() || r.Error() != "" || d.fetched() != 1 {
			t.Fatalf("after a 404: loading %v, error %q, %d fetches; want loading after 1", r.Loading(), r.Error(), d.fetched())
		}
		time.Sleep(replayRetry)
		h.step()
		h.step()
		r := h.a.Replay()
		if r.Loading() || r.Error() != "" || !r.Playing() || d.fetched() != 2 {
			t.Fatalf("after the retry: loading %v, error %q, playing %v, %d fetches", r.Loading(), r.Error(), r.Playing(), d.fetched())
		}
		if r.TotalTicks() != 0 {
			t.Fatalf("length %d measured in one Update, more than %d steps", r.TotalTicks(), replayStepBudget)
		}
		h.step()
		if r.TotalTicks() != total || r.Total() != time.Duration(total)*time.Second/30 {
			t.Fatalf("length %d ticks (%v), want %d", r.TotalTicks(), r.Total(), total)
		}

		// It plays at the tick rate: a second of frames is 30 ticks, and
		// ×4 is 120.
		start := r.Tick()
		h.frames(60)
		if got := r.Tick() - start; got < 29 || got > 31 {
			t.Fatalf("a second at ×1 played %d ticks, want 30", got)
		}
		h.a.ChangeReplaySpeed(+1)
		h.a.ChangeReplaySpeed(+1)
		h.a.ChangeReplaySpeed(+1) // beyond the fastest: stays at ×4
		if r.Speed() != 4 {
			t.Fatalf("speed %v, want 4", r.Speed())
		}
		start = r.Tick()
		h.frames(60)
		if got := r.Tick() - start; got < 119 || got > 121 {
			t.Fatalf("a second at ×4 played %d ticks, want 120", got)
		}

		// Paused, nothing moves.
		h.a.ToggleReplay()
		paused := r.Tick()
		h.frames(30)
		if r.Playing() || r.Tick() != paused {
			t.Fatalf("paused at %d: playing %v at tick %d", paused, r.Playing(), r.Tick())
		}

		// Seeking: 5 s is 150 ticks either way, and back plays again from
		// the start.
		h.a.SeekReplay(ReplaySeek)
		h.step()
		if r.Tick() != paused+150 || r.Seeking() {
			t.Fatalf("+5 s from %d: tick %d, seeking %v", paused, r.Tick(), r.Seeking())
		}
		h.a.SeekReplay(-ReplaySeek)
		h.step()
		if r.Tick() != paused || r.Seeking() {
			t.Fatalf("-5 s from %d: tick %d, seeking %v", paused+150, r.Tick(), r.Seeking())
		}
		h.a.SeekReplay(-time.Hour)
		h.step()
		if r.Tick() != 0 {
			t.Fatalf("back past the start: tick %d", r.Tick())
		}

		// A seek that needs more steps than one Update takes goes on over
		// the next ones.
		for range 17 { // 85 s: past the end, so to the end
			h.a.SeekReplay(ReplaySeek)
		}
		h.step()
		if r.Tick() != replayStepBudget || !r.Seeking() {
			t.Fatalf("after one Update of a long seek: tick %d, seeking %v; want %d and still seeking", r.Tick(), r.Seeking(), replayStepBudget)
		}
		h.step()
		if r.Tick() != total || r.Seeking() {
			t.Fatalf("seek to the end: tick %d, seeking %v", r.Tick(), r.Seeking())
		}

		// Back a little and played to the end: it stops there, with the
		// match's final scores.
		h.a.SeekReplay(-ReplaySeek)
		h.a.ToggleReplay()
		h.frames(90) // 150 ticks at ×4 take 75 frames

		if !r.Ended() || r.Playing() || r.Tick() != total || r.Error() != "" {
			t.Fatalf("at the end: ended %v, playing %v, tick %d, error %q", r.Ended(), r.Playing(), r.Tick(), r.Error())
		}
		wantScores(t, r, rec.world)
		p := h.a.Probe(0)
		if p.Screen != "replay" || p.MatchID != "m1" || p.Mode != "duel" || p.Replay == nil ||
			!p.Replay.Ended || p.Replay.Tick != total || p.Replay.TotalTicks != total || p.Replay.Speed != 4 || len(p.Replay.Scores) != 2 {
			t.Fatalf("probe at the end: %+v %+v", p, p.Replay)
		}

		// Play at the end plays it again from the start.
		h.a.ToggleReplay()
		h.frames(1)
		if r.Ended() || !r.Playing() || r.Tick() > 10 {
			t.Fatalf("play again: ended %v, playing %v, tick %d", r.Ended(), r.Playing(), r.Tick())
		}

		// Following: the camera and the ring on bob, then the free camera
		// after the last player, then alice.
		h.a.FollowReplay(2)
		if x, y, ok := r.FollowedPos(); r.Follow() != 2 || !ok || h.a.Probe(0).Replay.Follow != "bob" {
			t.Fatalf("follow 2: ship %d at %v,%v (%v), probe %q", r.Follow(), x, y, ok, h.a.Probe(0).Replay.Follow)
		}
		for _, s := range r.Ships() {
			if s.Highlight != (s.ID == 2) {
				t.Errorf("ship %d highlighted %v while following bob", s.ID, s.Highlight)
			}
		}
		h.a.FollowNextReplay()
		if _, _, ok := r.FollowedPos(); r.Follow() != 0 || ok {
			t.Fatalf("after the last player: following %d", r.Follow())
		}
		h.a.FollowNextReplay()
		if r.Follow() != 1 {
			t.Fatalf("after the free camera: following %d, want alice's ship 1", r.Follow())
		}
		h.a.FollowReplay(0)
		if r.Follow() != 0 {
			t.Fatalf("0: following %d", r.Follow())
		}

		// Escape: the menu.
		h.a.CloseReplay()
		h.wantScreen(ScreenMenu)
		if h.a.Replay() != nil || h.a.Probe(0).Replay != nil {
			t.Fatal("the replay outlived its screen")
		}
		h.a.Close()
	})
}

func TestReplayThatCannotPlay(t *testing.T) {
	good := recordDuel(t, 10*time.Second, 0).file
	version2 := bytes.Clone(good)
	version2[4] = 2 // after "ARNR"
	for _, tc := range []struct {
		name    string
		file    []byte
		missing int
		want    string
		fetches int
	}{
		// The aim played from tick 100 differs: the hash of tick 120 does
		// not match.
		{name: "corrupt", file: recordDuel(t, 10*time.Second, 100).file, want: "replay corrupt at tick 120", fetches: 1},
		{name: "other version", file: version2, want: "the file is version 2, this build plays version 1", fetches: 1},
		{name: "not a replay", file: []byte("<html>"), want: "not a valid replay file", fetches: 1},
		{name: "never stored", file: good, missing: 10, want: "replay not available", fetches: replayTries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, d := newReplayHarness(t, tc.file, tc.missing)
				h.a.WatchReplay()
				for range 5 {
					h.step()
					h.step()
					time.Sleep(replayRetry)
				}
				r := h.a.Replay()
				if !strings.Contains(r.Error(), tc.want) || r.Playing() || r.Loading() {
					t.Fatalf("error %q, playing %v, loading %v; want %q, stopped", r.Error(), r.Playing(), r.Loading(), tc.want)
				}
				if d.fetched() != tc.fetches {
					t.Errorf("%d fetches, want %d", d.fetched(), tc.fetches)
				}
				// It stays stopped: play does nothing.
				tick := r.Tick()
				h.a.ToggleReplay()
				h.a.SeekReplay(ReplaySeek)
				h.frames(30)
				if r.Playing() || r.Tick() != tick || h.a.Probe(0).Replay.Error != r.Error() {
					t.Fatalf("after play: playing %v, tick %d (was %d)", r.Playing(), r.Tick(), tick)
				}
				h.a.Close()
			})
		})
	}
}

func TestReplayOnlyFromResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t) // a Dialer that cannot fetch replays
		h.signIn("alice")
		h.a.WatchReplay()
		h.wantScreen(ScreenMenu)
		h.startMatch()
		h.serve(matchEnd(0))
		h.a.WatchReplay()
		h.step()
		if r := h.a.Replay(); r == nil || r.Error() != "replay not available" {
			t.Fatalf("replay without a reader: %+v", r)
		}
		h.a.CloseReplay()
		h.wantScreen(ScreenMenu)
		h.a.Close()
	})
}

func TestViewportCentred(t *testing.T) {
	v := FitViewport(2000, 2000, 10, 10, 700, 700).Centred(2, 500, 1500, 10, 10, 700, 700)
	if x, y := v.ToScreen(500, 1500); !near(x, 360) || !near(y, 360) || !near(v.Scale, 0.7) {
		t.Fatalf("the followed point is drawn at %v,%v at scale %v; want the centre 360,360 at twice 0.35", x, y, v.Scale)
	}
}

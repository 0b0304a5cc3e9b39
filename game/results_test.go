package game

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// killWith makes killer kill victim through the simulation, from point
// blank, and returns when the kill happened.
func killWith(t *testing.T, w *World, killer, victim ShipID) {
	t.Helper()
	k, v := ship(t, w, killer), ship(t, w, victim)
	v.Pos, v.Health, v.ProtectedTicks = Vec{k.Pos.X + 40*Unit, k.Pos.Y}, 1, 0
	w.ctl[w.mustFind(t, killer)].cooldown = 0
	w.SetInput(killer, Input{Buttons: ButtonFire, Aim: AngleRight})
	evs := w.Step()
	w.SetInput(killer, Input{})
	for _, e := range evs {
		if e == (Event{EventKill, w.Tick(), killer, victim}) {
			return
		}
	}
	t.Fatalf("%d did not kill %d: %+v", killer, victim, evs)
}

func (w *World) mustFind(t *testing.T, id ShipID) int {
	t.Helper()
	i, ok := w.find(id)
	if !ok {
		t.Fatalf("no ship %d", id)
	}
	return i
}

func TestScoreLimitDuel(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel", func(m *Mode) { m.ScoreLimit = 2 }), Map: openMap(2000, 2000)}, []ShipID{7, 3}, []int{1, 2})
	startPlay(t, w)
	ship(t, w, 7).Pos = at(500, 500)
	killWith(t, w, 7, 3)
	if w.Phase() != PhasePlaying {
		t.Fatalf("ended after one kill of two")
	}
	for ship(t, w, 3).RespawnTicks > 0 {
		w.Step()
	}
	killWith(t, w, 7, 3)
	if w.Phase() != PhaseEnded || w.EndReason() != EndScoreLimit || w.TicksLeft() != 0 {
		t.Fatalf("after two kills: phase %v, reason %v, %d ticks left", w.Phase(), w.EndReason(), w.TicksLeft())
	}
	want := []Result{
		{ID: 7, Team: 1, Kills: 2, Placement: 1},
		{ID: 3, Team: 2, Deaths: 2, Placement: 2},
	}
	checkResults(t, w.Results(), want)
	// Step is a no-op once ended.
	tick, hash := w.Tick(), w.Hash()
	if evs := w.Step(); len(evs) != 0 || w.Tick() != tick || w.Hash() != hash {
		t.Errorf("Step after the end changed the world")
	}
	if err := w.AddPlayer(9, 1); !errors.Is(err, ErrMatchEnded) {
		t.Errorf("AddPlayer after the end = %v", err)
	}
	w.RemovePlayer(7) // ignored: the results are final
	checkResults(t, w.Results(), want)
}

func TestScoreLimitTeams(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "teams", func(m *Mode) { m.ScoreLimit = 2 }), Map: openMap(2000, 2000)},
		[]ShipID{1, 2, 3, 4}, []int{1, 1, 2, 2})
	startPlay(t, w)
	ship(t, w, 1).Pos = at(300, 300)
	ship(t, w, 2).Pos = at(300, 1300)
	killWith(t, w, 1, 3)
	if w.Phase() != PhasePlaying || w.TeamKills(1) != 1 {
		t.Fatalf("ended after one team kill of two")
	}
	killWith(t, w, 2, 4) // the team's second kill, by another player
	if w.Phase() != PhaseEnded || w.EndReason() != EndScoreLimit {
		t.Fatalf("phase %v reason %v after two team kills", w.Phase(), w.EndReason())
	}
	checkResults(t, w.Results(), []Result{
		{ID: 1, Team: 1, Kills: 1, Placement: 1},
		{ID: 2, Team: 1, Kills: 1, Placement: 1},
		{ID: 3, Team: 2, Deaths: 1, Placement: 2},
		{ID: 4, Team: 2, Deaths: 1, Placement: 2},
	})
}

func TestTimeLimit(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "ffa", func(m *Mode) { m.TimeLimit = time.Second })}, []ShipID{1, 2, 3}, []int{1, 2, 3})
	startPlay(t, w)
	if w.TimeLimitTicks() != 30 || w.CountdownTicks() != 90 || w.TicksLeft() != 30 {
		t.Fatalf("time limit %d ticks, countdown %d, left %d", w.TimeLimitTicks(), w.CountdownTicks(), w.TicksLeft())
	}
	for i := range 29 {
		w.Step()
		if w.Phase() != PhasePlaying || w.TicksLeft() != uint32(29-i) {
			t.Fatalf("tick %d: phase %v, %d left", w.Tick(), w.Phase(), w.TicksLeft())
		}
	}
	w.Step()
	if w.Phase() != PhaseEnded || w.EndReason() != EndTimeLimit || w.TicksLeft() != 0 || w.Tick() != 120 {
		t.Fatalf("at the time limit: phase %v reason %v left %d tick %d", w.Phase(), w.EndReason(), w.TicksLeft(), w.Tick())
	}
}

func TestResultsRanking(t *testing.T) {
	type score struct {
		id            ShipID
		team          int
		kills, deaths int
		left          bool
	}
	tests := []struct {
		name   string
		mode   Mode
		scores []score
		want   []Result
	}{
		{"kills, then fewer deaths; ties share", mode(t, "ffa"), []score{
			{1, 1, 3, 2, false}, {2, 2, 5, 9, false}, {3, 3, 3, 1, false}, {4, 4, 3, 1, false}, {5, 5, 0, 0, false},
		}, []Result{
			{ID: 2, Team: 2, Kills: 5, Deaths: 9, Placement: 1},
			{ID: 3, Team: 3, Kills: 3, Deaths: 1, Placement: 2},
			{ID: 4, Team: 4, Kills: 3, Deaths: 1, Placement: 2},
			{ID: 1, Team: 1, Kills: 3, Deaths: 2, Placement: 4},
			{ID: 5, Team: 5, Placement: 5},
		}},
		{"players who left rank last whatever their score", mode(t, "ffa"), []score{
			{1, 1, 9, 0, true}, {2, 2, 1, 0, false}, {3, 3, 0, 5, false}, {4, 4, 2, 0, true},
		}, []Result{
			{ID: 2, Team: 2, Kills: 1, Placement: 1},
			{ID: 3, Team: 3, Deaths: 5, Placement: 2},
			{ID: 1, Team: 1, Kills: 9, Placement: 3, Left: true},
			{ID: 4, Team: 4, Kills: 2, Placement: 3, Left: true},
		}},
		{"teams share the team's placement", mode(t, "teams"), []score{
			{1, 1, 2, 0, false}, {2, 1, 0, 3, false}, {3, 2, 1, 0, false}, {4, 2, 2, 0, false},
		}, []Result{
			{ID: 3, Team: 2, Kills: 1, Placement: 1},
			{ID: 4, Team: 2, Kills: 2, Placement: 1},
			{ID: 1, Team: 1, Kills: 2, Placement: 2},
			{ID: 2, Team: 1, Deaths: 3, Placement: 2},
		}},
		{"tied teams share first", mode(t, "teams"), []score{
			{1, 1, 2, 1, false}, {2, 1, 0, 0, false}, {3, 2, 1, 0, false}, {4, 2, 1, 1, false},
		}, []Result{
			{ID: 1, Team: 1, Kills: 2, Deaths: 1, Placement: 1},
			{ID: 2, Team: 1, Placement: 1},
			{ID: 3, Team: 2, Kills: 1, Placement: 1},
			{ID: 4, Team: 2, Kills: 1, Deaths: 1, Placement: 1},
		}},
		{"a leaver's kills still count for the team, the leaver ranks last", mode(t, "teams"), []score{
			{1, 1, 3, 0, true}, {2, 1, 0, 0, false}, {3, 2, 1, 0, false}, {4, 2, 1, 0, false},
		}, []Result{
			{ID: 2, Team: 1, Placement: 1},
			{ID: 3, Team: 2, Kills: 1, Placement: 2},
			{ID: 4, Team: 2, Kills: 1, Placement: 2},
			{ID: 1, Team: 1, Kills: 3, Placement: 3, Left: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWorld(Config{Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.scores {
				if err := w.AddPlayer(s.id, s.team); err != nil {
					t.Fatal(err)
				}
				setScore(t, w, s.id, s.kills, s.deaths)
			}
			for _, s := range tt.scores {
				if s.left {
					w.RemovePlayer(s.id)
				}
			}
			checkResults(t, w.Results(), tt.want)
		})
	}
}

func checkResults(t *testing.T, got, want []Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("results %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestAbandonment(t *testing.T) {
	t.Run("duel during play", func(t *testing.T) {
		w := newWorld(t, Config{Mode: mode(t, "duel")}, []ShipID{1, 2}, []int{1, 2})
		startPlay(t, w)
		w.Step()
		w.RemovePlayer(2)
		if w.Phase() != PhaseEnded || w.EndReason() != EndAbandoned || w.TicksLeft() != 0 {
			t.Fatalf("phase %v reason %v", w.Phase(), w.EndReason())
		}
		checkResults(t, w.Results(), []Result{{ID: 1, Team: 1, Placement: 1}, {ID: 2, Team: 2, Placement: 2, Left: true}})
		if s := ship(t, w, 2); s.Alive || !s.Left {
			t.Errorf("ship that left: %+v", *s)
		}
	})
	t.Run("during the countdown", func(t *testing.T) {
		w := newWorld(t, Config{Mode: mode(t, "ffa")}, []ShipID{1, 2, 3}, []int{1, 2, 3})
		w.Step()
		w.RemovePlayer(1)
		if w.Phase() != PhaseCountdown {
			t.Fatalf("ended with two sides left")
		}
		w.RemovePlayer(1) // twice: ignored
		w.RemovePlayer(99)
		w.RemovePlayer(3)
		if w.Phase() != PhaseEnded || w.EndReason() != EndAbandoned {
			t.Fatalf("phase %v reason %v", w.Phase(), w.EndReason())
		}
	})
	t.Run("teams need a whole side to leave", func(t *testing.T) {
		w := newWorld(t, Config{Mode: mode(t, "teams")}, []ShipID{1, 2, 3, 4}, []int{1, 1, 2, 2})
		startPlay(t, w)
		w.RemovePlayer(3)
		w.RemovePlayer(1)
		if w.Phase() != PhasePlaying {
			t.Fatalf("ended with a player left on each side")
		}
		w.RemovePlayer(4)
		if w.Phase() != PhaseEnded || w.EndReason() != EndAbandoned {
			t.Fatalf("phase %v reason %v", w.Phase(), w.EndReason())
		}
		checkResults(t, w.Results(), []Result{
			{ID: 2, Team: 1, Placement: 1},
			{ID: 1, Team: 1, Placement: 2, Left: true},
			{ID: 3, Team: 2, Placement: 2, Left: true},
			{ID: 4, Team: 2, Placement: 2, Left: true},
		})
	})
}

func TestRemovePlayerTakesItsProjectiles(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "ffa")}, []ShipID{1, 2, 3}, []int{1, 2, 3})
	startPlay(t, w)
	w.SetInput(1, Input{Buttons: ButtonFire, Aim: AngleDown})
	w.SetInput(2, Input{Buttons: ButtonFire, Aim: AngleDown})
	w.Step()
	w.Step()
	if len(w.Projectiles()) != 2 {
		t.Fatalf("%d projectiles", len(w.Projectiles()))
	}
	w.RemovePlayer(1)
	if ps := w.Projectiles(); len(ps) != 1 || ps[0].Owner != 2 {
		t.Fatalf("projectiles %+v, want only ship 2's", ps)
	}
	w.SetInput(1, Input{Buttons: ButtonFire | ButtonRight})
	pos := ship(t, w, 1).Pos
	for range 20 {
		w.Step()
	}
	if s := ship(t, w, 1); s.Pos != pos || s.Alive || s.RespawnTicks != 0 {
		t.Errorf("a ship that left is in play: %+v", *s)
	}
}

func TestAddPlayer(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "teams")}, []ShipID{5, 2}, []int{1, 2})
	tests := []struct {
		id   ShipID
		team int
		want error
	}{
		{0, 1, ErrInvalidShip},
		{5, 2, ErrDuplicateShip},
		{9, 0, ErrBadTeam},
		{9, 3, ErrBadTeam},
		{9, 1, nil},
		{10, 1, ErrTeamFull},
		{1, 2, nil},
	}
	for _, tt := range tests {
		if err := w.AddPlayer(tt.id, tt.team); !errors.Is(err, tt.want) {
			t.Errorf("AddPlayer(%d, %d) = %v, want %v", tt.id, tt.team, err, tt.want)
		}
	}
	var ids []ShipID
	for _, s := range w.Ships() {
		ids = append(ids, s.ID)
		if !s.Alive || s.Health != 100 || s.Protected() {
			t.Errorf("new ship %+v", s)
		}
	}
	if len(ids) != 4 || ids[0] != 1 || ids[1] != 2 || ids[2] != 5 || ids[3] != 9 {
		t.Errorf("ships %v, want sorted by id", ids)
	}
	// A player added during play has spawn protection.
	w2 := newWorld(t, Config{Mode: mode(t, "ffa")}, []ShipID{1, 2}, []int{1, 2})
	startPlay(t, w2)
	if err := w2.AddPlayer(3, 3); err != nil {
		t.Fatal(err)
	}
	if s, _ := w2.Ship(3); s.ProtectedTicks != 30 {
		t.Errorf("late joiner: %+v", s)
	}
	if _, ok := w2.Ship(42); ok {
		t.Error("Ship(42) found")
	}
}

func TestSetInputIgnoresUnknownAndMasksButtons(t *testing.T) {
	w := newWorld(t, Config{Mode: mode(t, "duel")}, []ShipID{1, 2}, []int{1, 2})
	h := w.Hash()
	w.SetInput(3, Input{Buttons: ButtonFire})
	if w.Hash() != h {
		t.Error("SetInput of an unknown id changed the world")
	}
	w.SetInput(1, Input{Buttons: 0xE0 | ButtonUp})
	if got := w.ctl[0].in.Buttons; got != ButtonUp {
		t.Errorf("buttons %08b, want only ButtonUp", got)
	}
}

func TestNewWorld(t *testing.T) {
	w, err := NewWorld(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Mode().Name != "duel" || w.Map().Name != "arena" || w.TickRate() != 30 || w.Rules() != DefaultRules() {
		t.Errorf("zero config: mode %q map %q rate %d rules %+v", w.Mode().Name, w.Map().Name, w.TickRate(), w.Rules())
	}
	cramped := openMap(1000, 1000)
	cramped.Spawns = []Vec{at(10, 500)}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"tick rate too low", Config{TickRate: 9}, []string{"tick rate 9"}},
		{"tick rate too high", Config{TickRate: 129}, []string{"tick rate 129"}},
		{"bad rules and mode, all reported", Config{Rules: Rules{ShipSpeed: -1}, Mode: Mode{Name: "x"}},
			[]string{"ShipSpeed", "teams", "score_limit"}},
		{"bad map", Config{Map: Map{Name: "m", Width: 1000, Height: 1000}}, []string{"no spawn points"}},
		{"spawn too close to the edge for the ship", Config{Map: cramped}, []string{"closer than the ship radius to the edge"}},
	}
	for _, tt := range tests {
		_, err := NewWorld(tt.cfg)
		for _, want := range tt.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: NewWorld error %v, want one mentioning %q", tt.name, err, want)
			}
		}
	}
	// The world keeps its own copy of the map.
	m := openMap(1000, 1000)
	w, err = NewWorld(Config{Map: m})
	if err != nil {
		t.Fatal(err)
	}
	m.Spawns[0] = Vec{}
	if w.Map().Spawns[0] == (Vec{}) {
		t.Error("the world shares the caller's map")
	}
}

func TestStringers(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{PhaseCountdown.String(), "countdown"}, {PhaseEnded.String(), "ended"}, {Phase(9).String(), "Phase(9)"},
		{EndAbandoned.String(), "abandoned"}, {EndReason(9).String(), "EndReason(9)"},
		{EventRespawn.String(), "respawn"}, {EventKind(0).String(), "EventKind(0)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

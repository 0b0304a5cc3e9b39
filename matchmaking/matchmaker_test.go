package matchmaking

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

	arenaShapes = []Shape{
		{Mode: "duel", Teams: 2, PlayersPerTeam: 1},
		{Mode: "teams", Teams: 2, PlayersPerTeam: 2},
		{Mode: "ffa", Teams: 8, PlayersPerTeam: 1},
		{Mode: "ffa16", Teams: 16, PlayersPerTeam: 1},
	}
)

func newArena(t testing.TB, cfg Config) *Matchmaker {
	t.Helper()
	cfg.Shapes = arenaShapes
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ticket(p string, mode string, mu float64, at time.Time) Ticket {
	return Ticket{Player: PlayerID(p), Mode: mode, Rating: Rating{Mu: mu, Sigma: DefaultSigma}, Enqueued: at}
}

// Two fresh players queueing for a duel are paired by the next pass.
func TestFreshDuelPairsAtOnce(t *testing.T) {
	m := newArena(t, Config{})
	for _, p := range []string{"alice", "bob"} {
		if err := m.Join(Ticket{Player: PlayerID(p), Mode: "duel", Rating: NewRating(), Enqueued: t0}); err != nil {
			t.Fatal(err)
		}
	}
	groups := m.Pass(t0)
	if len(groups) != 1 {
		t.Fatalf("got %d groups, want 1", len(groups))
	}
	g := groups[0]
	if g.Mode != "duel" || len(g.Teams) != 2 || len(g.Teams[0]) != 1 || len(g.Teams[1]) != 1 {
		t.Fatalf("bad group %+v", g)
	}
	if m.Queued("alice") || m.Queued("bob") || m.Len("duel") != 0 {
		t.Error("grouped players still queued")
	}
	ids := g.Players()
	if got := fmt.Sprint(ids); got != "[[alice] [bob]]" && got != "[[bob] [alice]]" {
		t.Errorf("Players() = %v", got)
	}
}

func TestJoinErrors(t *testing.T) {
	m := newArena(t, Config{})
	if err := m.Join(ticket("a", "duel", 25, t0)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		t    Ticket
		want error
	}{
		{ticket("a", "duel", 25, t0), ErrAlreadyQueued},
		{ticket("a", "ffa", 25, t0), ErrAlreadyQueued},
		{ticket("b", "ctf", 25, t0), ErrUnknownMode},
		{ticket("", "duel", 25, t0), ErrInvalidTicket},
		{ticket("c", "duel", 25, time.Time{}), ErrInvalidTicket},
		{Ticket{Player: "d", Mode: "duel", Rating: Rating{Mu: 1, Sigma: -1}, Enqueued: t0}, ErrInvalidTicket},
	}
	for _, c := range cases {
		err := m.Join(c.t)
		if !errors.Is(err, c.want) {
			t.Errorf("Join(%+v) = %v, want %v", c.t, err, c.want)
		}
		if err != nil && c.t.Player != "" && !strings.Contains(err.Error(), string(c.t.Player)) {
			t.Errorf("error %q does not name the player", err)
		}
	}
	if m.Len("duel") != 1 || m.Len("ffa") != 0 || m.Len("nope") != 0 {
		t.Errorf("Len after failed joins: duel %d ffa %d", m.Len("duel"), m.Len("ffa"))
	}
}

func TestLeave(t *testing.T) {
	m := newArena(t, Config{})
	for _, p := range []string{"a", "b", "c"} {
		if err := m.Join(ticket(p, "duel", 25, t0)); err != nil {
			t.Fatal(err)
		}
	}
	// Leave before any pass (the ticket is still pending) and after one.
	if !m.Leave("a") || m.Leave("a") || m.Queued("a") {
		t.Fatal("Leave(a) not honoured")
	}
	if m.Leave("nobody") {
		t.Error("Leave of an unknown player reported true")
	}
	m.Pass(t0) // pairs b and c
	if m.Len("duel") != 0 {
		t.Fatalf("Len = %d", m.Len("duel"))
	}
	for _, p := range []string{"d", "e"} {
		m.Join(ticket(p, "duel", 25, t0))
	}
	m.Pass(t0.Add(-time.Hour)) // nothing to do for an early clock but pairing d and e
	m.Join(ticket("f", "duel", 25, t0))
	m.Join(ticket("g", "duel", 25, t0))
	m.Pass(t0) // merges f and g, pairs them
	m.Join(ticket("h", "duel", 25, t0))
	m.Pass(t0)
	if !m.Leave("h") || m.Len("duel") != 0 {
		t.Fatal("Leave(h) after a pass not honoured")
	}
	m.Join(ticket("i", "duel", 25, t0))
	if groups := m.Pass(t0.Add(time.Hour)); len(groups) != 0 {
		t.Fatalf("a lone ticket and a left one were grouped: %+v", groups)
	}
	// A player who left may queue again, in another mode.
	if err := m.Join(ticket("h", "teams", 25, t0)); err != nil {
		t.Fatal(err)
	}
}

func TestWindowWidensWithWait(t *testing.T) {
	m := newArena(t, Config{InitialWindow: 1, WindowGrowth: 1, MaxWindow: 5, MaxWait: 20 * time.Second})
	m.Join(ticket("low", "duel", 20, t0))
	m.Join(ticket("high", "duel", 23, t0))
	for _, s := range []int{0, 1} {
		if g := m.Pass(t0.Add(time.Duration(s) * time.Second)); len(g) != 0 {
			t.Fatalf("grouped at %ds with a gap of 3 and window %d", s, 1+s)
		}
	}
	st, ok := m.Status("low", t0.Add(1500*time.Millisecond))
	if !ok || st.Window != 2.5 || st.Queued != 2 || st.Waited != 1500*time.Millisecond || st.Unlimited || st.Mode != "duel" {
		t.Errorf("Status = %+v, %v", st, ok)
	}
	if g := m.Pass(t0.Add(2 * time.Second)); len(g) != 1 {
		t.Fatalf("not grouped at 2s with window 3: %d groups", len(g))
	}
	if _, ok := m.Status("low", t0); ok {
		t.Error("Status of a grouped player")
	}

	// Beyond MaxWindow only MaxWait helps; then anything goes.
	m.Join(ticket("a", "duel", 0, t0))
	m.Join(ticket("b", "duel", 100, t0.Add(5*time.Second)))
	if g := m.Pass(t0.Add(19 * time.Second)); len(g) != 0 {
		t.Fatal("grouped a gap of 100 before MaxWait")
	}
	st, _ = m.Status("a", t0.Add(20*time.Second))
	if !st.Unlimited || st.Window != 5 {
		t.Errorf("Status at MaxWait = %+v", st)
	}
	if g := m.Pass(t0.Add(20 * time.Second)); len(g) != 1 {
		t.Fatal("not grouped at MaxWait")
	}
	if e := m.byMode["duel"].estimate.value(); e <= 0 {
		t.Errorf("estimate = %v after two groups", e)
	}
}

// The oldest ticket is served first: with three tickets close together, the
// oldest is paired with its nearest neighbour even if the two others are
// closer to each other.
func TestOldestFirst(t *testing.T) {
	m := newArena(t, Config{})
	m.Join(ticket("new1", "duel", 25.0, t0.Add(5*time.Second)))
	m.Join(ticket("new2", "duel", 25.1, t0.Add(5*time.Second)))
	m.Join(ticket("old", "duel", 25.5, t0))
	g := m.Pass(t0.Add(5 * time.Second))
	if len(g) != 1 {
		t.Fatalf("%d groups", len(g))
	}
	got := map[PlayerID]bool{}
	for _, team := range g[0].Players() {
		for _, p := range team {
			got[p] = true
		}
	}
	if !got["old"] || !got["new2"] {
		t.Errorf("grouped %v, want old with new2", got)
	}
}

func TestTeamsBalanced(t *testing.T) {
	m := newArena(t, Config{InitialWindow: 20})
	for i, mu := range []float64{30, 29, 21, 20} {
		m.Join(ticket(fmt.Sprint("p", i), "teams", mu, t0))
	}
	g := m.Pass(t0)
	if len(g) != 1 {
		t.Fatalf("%d groups", len(g))
	}
	sum := func(team []Ticket) (s float64) {
		for _, t := range team {
			s += t.Rating.Mu
		}
		return s
	}
	if a, b := sum(g[0].Teams[0]), sum(g[0].Teams[1]); a != 50 || b != 50 {
		t.Errorf("teams sum %v and %v, want 50 and 50: %+v", a, b, g[0].Teams)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{Shapes: arenaShapes}).Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Config{
		Shapes: []Shape{
			{Mode: "", Teams: 2, PlayersPerTeam: 1},
			{Mode: "solo", Teams: 1, PlayersPerTeam: 1},
			{Mode: "solo", Teams: 2, PlayersPerTeam: 0},
		},
		InitialWindow: 10,
		MaxWindow:     5,
		WindowGrowth:  -1,
		MaxWait:       -time.Second,
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"empty mode", "listed twice", "1 teams", "0 players", "MaxWindow 5 is below", "WindowGrowth", "MaxWait"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := New(bad); err == nil {
		t.Error("New accepted a bad config")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted no shapes")
	}
	// A large InitialWindow raises the default MaxWindow with it.
	if err := (Config{Shapes: arenaShapes, InitialWindow: 50}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestStoreAndUpdateRatings(t *testing.T) {
	s := NewMemoryStore()
	s.SetRating("vet", Rating{Mu: 30, Sigma: 2})
	changes := UpdateRatings(s, [][]PlayerID{{"new", "vet"}, {"x", "y"}}, []int{1, 2})
	if len(changes) != 4 || s.Len() != 4 {
		t.Fatalf("changes %v, store %d", changes, s.Len())
	}
	for p, c := range changes {
		r, _ := s.Rating(p)
		if r != c.After {
			t.Errorf("%s: stored %v, change says %v", p, r, c.After)
		}
	}
	if c := changes["vet"]; c.Before != (Rating{Mu: 30, Sigma: 2}) || c.After.Mu <= 30 {
		t.Errorf("vet: %+v", c)
	}
	if c := changes["new"]; c.Before != NewRating() || c.After.Mu <= 25 || c.After.Sigma >= DefaultSigma {
		t.Errorf("new: %+v", c)
	}
	if c := changes["x"]; c.After.Mu >= 25 || c.After.Display() >= changes["new"].After.Display() {
		t.Errorf("x: %+v", c)
	}
	// Invalid matches change nothing.
	if UpdateRatings(s, [][]PlayerID{{"a"}, {"a"}}, nil) != nil ||
		UpdateRatings(s, [][]PlayerID{{"a"}, {"b"}}, []int{1}) != nil ||
		UpdateRatings(s, [][]PlayerID{{"a"}}, nil) != nil || s.Len() != 4 {
		t.Error("an invalid match was rated")
	}
}

func TestMemoryStoreConcurrent(t *testing.T) {
	s := NewMemoryStore()
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				p := PlayerID(fmt.Sprint(g, "-", i%10))
				r, _ := s.Rating(p)
				s.SetRating(p, Rating{Mu: r.Mu + 1, Sigma: 1})
			}
		}()
	}
	for range 4 {
		<-done
	}
	if s.Len() != 40 {
		t.Errorf("Len = %d", s.Len())
	}
}

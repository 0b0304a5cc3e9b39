package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// serverModes is what the server lists by default, in its order.
var serverModes = []transport.Mode{
	{Name: "teams", Teams: 2, PlayersPerTeam: 2, ScoreLimit: 20, TimeLimitS: 300},
	{Name: "duel", Teams: 2, PlayersPerTeam: 1, ScoreLimit: 10, TimeLimitS: 300},
	{Name: "ffa", Teams: 8, PlayersPerTeam: 1, ScoreLimit: 15, TimeLimitS: 240},
	{Name: "ffa16", Teams: 16, PlayersPerTeam: 1, ScoreLimit: 20, TimeLimitS: 300},
}

// modesResult is one answer of a listingDialer.
type modesResult struct {
	modes []transport.Mode
	err   error
}

// listingDialer is a fakeDialer that also lists modes: the answers queued
// in replies, one per fetch (the last one repeats).
type listingDialer struct {
	*fakeDialer
	mu      sync.Mutex
	replies []modesResult
	calls   int
}

func (d *listingDialer) Modes(ctx context.Context) ([]transport.Mode, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	r := d.replies[min(d.calls, len(d.replies))-1]
	return r.modes, r.err
}

func (d *listingDialer) fetches() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

func newListingHarness(t *testing.T, replies ...modesResult) (*harness, *listingDialer) {
	d := &listingDialer{fakeDialer: &fakeDialer{}, replies: replies}
	store := &MemoryStore{}
	h := &harness{t: t, a: New(Config{Dialer: d, Store: store, Rand: func() float64 { return 0.5 }}), d: d.fakeDialer, store: store}
	return h, d
}

func (h *harness) wantModes(state ModesState, selected string, names ...string) {
	h.t.Helper()
	var got []string
	for _, m := range h.a.Modes() {
		got = append(got, m.Name)
	}
	if h.a.ModesState() != state || h.a.SelectedMode().Name != selected || strings.Join(got, ",") != strings.Join(names, ",") {
		h.t.Fatalf("modes %v %q selected %q, want %v %q selected %q",
			h.a.ModesState(), got, h.a.SelectedMode().Name, state, names, selected)
	}
}

func TestModePicker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newListingHarness(t, modesResult{modes: serverModes})
		h.wantModes(ModesLoading, "duel", "duel")
		h.step() // the first Update starts the fetch on the name screen
		h.step()
		// duel stays selected, though the server lists teams first.
		h.wantModes(ModesLoaded, "duel", "teams", "duel", "ffa", "ffa16")
		h.signIn("alice")
		p := h.a.Probe(0)
		if p.Mode != "duel" || p.SelectedMode != "duel" || p.ModesState != "loaded" || len(p.Modes) != 4 ||
			p.Modes[0] != (ProbeMode{Name: "teams", Label: "teams · 2v2"}) || p.Modes[2].Label != "ffa · 8 players" {
			t.Fatalf("menu probe: mode %q selected %q %s %+v", p.Mode, p.SelectedMode, p.ModesState, p.Modes)
		}
		// Arrows move the selection and stop at the ends; a click selects.
		h.a.MoveModeSelection(+1)
		h.wantModes(ModesLoaded, "ffa", "teams", "duel", "ffa", "ffa16")
		h.a.MoveModeSelection(+5)
		h.wantModes(ModesLoaded, "ffa16", "teams", "duel", "ffa", "ffa16")
		h.a.MoveModeSelection(-9)
		h.wantModes(ModesLoaded, "teams", "teams", "duel", "ffa", "ffa16")
		h.a.SelectMode(7)
		h.wantModes(ModesLoaded, "teams", "teams", "duel", "ffa", "ffa16")
		h.a.SelectMode(2)
		h.a.SelectMode(0)
		// Enter queues for the selected mode.
		h.sent()
		h.a.JoinQueue()
		if m := h.sentOnly(); m.GetQueueJoin().GetMode() != "teams" {
			t.Fatalf("sent %v, want queue_join teams", m)
		}
		h.wantScreen(ScreenQueue)
		if q := h.a.Queue(); q.Mode != "teams" {
			t.Fatalf("queue mode %q", q.Mode)
		}
		if p := h.a.Probe(0); p.Mode != "teams" || h.a.ModeLabel(p.Mode) != "teams · 2v2" {
			t.Fatalf("queue probe mode %q", p.Mode)
		}
		// The selection holds still off the menu.
		h.a.SelectMode(1)
		h.a.MoveModeSelection(1)
		if h.a.SelectedMode().Name != "teams" {
			t.Fatal("the selection moved on the queue screen")
		}
		// A dropped connection while queued joins the same mode's queue again.
		h.drop()
		time.Sleep(time.Second)
		h.step()
		h.wantAuth("tok-alice")
		h.serve(authenticated())
		var joins []string
		for _, m := range h.sent() {
			if j := m.GetQueueJoin(); j != nil {
				joins = append(joins, j.GetMode())
			}
		}
		if strings.Join(joins, ",") != "teams" {
			t.Fatalf("queue joins after the reconnect: %q, want teams", joins)
		}
		h.wantScreen(ScreenQueue)
		// The match says its mode and the player's team.
		h.serve(msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
			MatchId: "t1", Mode: "teams", YourShipId: 3, TickRate: 30, Teams: 2,
			Players: []*arenav1.PlayerInfo{
				{ShipId: 1, Name: "bob", Team: 1}, {ShipId: 2, Name: "carol", Team: 2},
				{ShipId: 3, Name: "alice", Team: 2}, {ShipId: 4, Name: "dave", Team: 1},
			},
		}}))
		h.wantScreen(ScreenMatch)
		if p := h.a.Probe(0); p.Mode != "teams" || p.Team != 2 || !p.TeamPlay || p.ShipID != 3 {
			t.Fatalf("match probe: mode %q team %d team play %v ship %d", p.Mode, p.Team, p.TeamPlay, p.ShipID)
		}
		// Chat lines carry their channel and the sender's team.
		h.serve(
			msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
				Channel: arenav1.ChatChannel_CHAT_CHANNEL_TEAM, Seq: 1, ServerTimeMs: 10, SenderName: "carol", SenderTeam: 2, Text: "left",
			}}),
			msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
				Channel: arenav1.ChatChannel_CHAT_CHANNEL_MATCH, Seq: 1, ServerTimeMs: 11, SenderName: "bob", SenderTeam: 1, Text: "gl",
			}}),
		)
		if c := h.a.Probe(0).Chat; len(c) != 2 || c[0].Channel != "team" || c[0].Team != 2 || c[1].Channel != "match" || c[1].Team != 1 {
			t.Fatalf("probe chat = %+v", c)
		}
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "t1"}}))
		if p := h.a.Probe(0); p.Screen != "results" || p.Mode != "teams" || p.Team != 0 {
			t.Fatalf("results probe: %s mode %q team %d", p.Screen, p.Mode, p.Team)
		}
		// Back on the menu the choice is still teams, and the list was fetched once.
		h.a.BackToMenu()
		h.step()
		if h.a.SelectedMode().Name != "teams" || d.fetches() != 1 {
			t.Fatalf("selected %q after the match, %d fetches", h.a.SelectedMode().Name, d.fetches())
		}
		h.a.Close()
	})
}

func TestModesFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newListingHarness(t,
			modesResult{err: errors.New("connection refused")},
			modesResult{},
			modesResult{modes: serverModes[2:]}, // no duel
		)
		h.step()
		h.step()
		h.wantModes(ModesFallback, "duel", "duel")
		if !strings.Contains(h.a.ModesError(), "connection refused") {
			t.Fatalf("modes error %q", h.a.ModesError())
		}
		h.signIn("alice")
		if p := h.a.Probe(0); p.ModesState != "fallback" || len(p.Modes) != 1 || p.Modes[0].Label != "duel" {
			t.Fatalf("probe modes %s %+v", p.ModesState, p.Modes)
		}
		h.sent()
		h.a.JoinQueue()
		if m := h.sentOnly(); m.GetQueueJoin().GetMode() != "duel" {
			t.Fatalf("sent %v, want queue_join duel", m)
		}
		h.a.CancelQueue()
		h.sent()
		// On the menu the client asks again a while later: an empty list is
		// no better.
		time.Sleep(modesRetry)
		h.step()
		h.step()
		if d.fetches() != 2 {
			t.Fatalf("%d fetches, want 2", d.fetches())
		}
		h.wantModes(ModesFallback, "duel", "duel")
		if h.a.ModesError() != "no modes" {
			t.Fatalf("modes error %q", h.a.ModesError())
		}
		// Not on other screens.
		h.a.JoinQueue()
		time.Sleep(2 * modesRetry)
		h.step()
		h.step()
		if d.fetches() != 2 {
			t.Fatalf("%d fetches off the menu, want 2", d.fetches())
		}
		h.a.CancelQueue()
		h.step()
		h.step()
		// A list without duel selects its first mode.
		h.wantModes(ModesLoaded, "ffa", "ffa", "ffa16")
		time.Sleep(2 * modesRetry)
		h.step()
		if d.fetches() != 3 {
			t.Fatalf("%d fetches once loaded, want 3", d.fetches())
		}
		h.a.Close()
	})
}

func TestModesWithoutLister(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		a := New(Config{Dialer: d, Mode: "teams"})
		a.Update()
		if a.ModesState() != ModesFallback || a.SelectedMode().Name != "teams" || len(a.Modes()) != 1 || a.ModesError() != "" {
			t.Fatalf("modes %v %+v, error %q", a.ModesState(), a.Modes(), a.ModesError())
		}
		a.Close()
	})
}

func TestModeLabel(t *testing.T) {
	for _, tc := range []struct {
		m           transport.Mode
		label, rule string
	}{
		{transport.Mode{Name: "duel", Teams: 2, PlayersPerTeam: 1, ScoreLimit: 10, TimeLimitS: 300}, "duel · 1v1", "first to 10 · 5:00"},
		{transport.Mode{Name: "teams", Teams: 2, PlayersPerTeam: 2, ScoreLimit: 20, TimeLimitS: 45}, "teams · 2v2", "first to 20 · 0:45"},
		{transport.Mode{Name: "ffa", Teams: 8, PlayersPerTeam: 1}, "ffa · 8 players", ""},
		{transport.Mode{Name: "ffa16", Teams: 16, PlayersPerTeam: 1, TimeLimitS: 600}, "ffa16 · 16 players", "10:00"},
		{transport.Mode{Name: "trio", Teams: 3, PlayersPerTeam: 3}, "trio · 3v3v3", ""},
		{transport.Mode{Name: "big", Teams: 6, PlayersPerTeam: 2}, "big · 6 teams of 2", ""},
		{transport.Mode{Name: "coop", Teams: 1, PlayersPerTeam: 4}, "coop · 4 players", ""},
		{transport.Mode{Name: "duel"}, "duel", ""},
	} {
		if got := ModeLabel(tc.m); got != tc.label {
			t.Errorf("ModeLabel(%+v) = %q, want %q", tc.m, got, tc.label)
		}
		if got := ModeRules(tc.m); got != tc.rule {
			t.Errorf("ModeRules(%+v) = %q, want %q", tc.m, got, tc.rule)
		}
	}
}

package app

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// watchDialer is a fakeDialer that also lists matches: the live ones set
// in it, and the finished ones of the player asked for.
type watchDialer struct {
	*fakeDialer
	mu       sync.Mutex
	live     []LiveMatch
	finished map[string][]transport.FinishedMatch
	reads    int
}

func (d *watchDialer) LiveMatches(ctx context.Context) ([]LiveMatch, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reads++
	return slices.Clone(d.live), nil
}

func (d *watchDialer) Matches(ctx context.Context, player string, limit int) ([]transport.FinishedMatch, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.finished[player], nil
}

func (d *watchDialer) setLive(live ...LiveMatch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.live = live
}

func (d *watchDialer) liveReads() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reads
}

var liveDuel = LiveMatch{MatchID: "m7", Mode: "duel", ElapsedS: 12.5, Players: []LivePlayer{
	{PlayerID: "id-bob", Name: "bob", Team: 1}, {PlayerID: "id-carol", Name: "carol", Team: 2},
}}

func newWatchHarness(t *testing.T) (*harness, *watchDialer) {
	d := &watchDialer{fakeDialer: &fakeDialer{}, live: []LiveMatch{liveDuel}, finished: map[string][]transport.FinishedMatch{
		"id-alice": {{MatchID: "old1", Mode: "duel"}},
	}}
	store := &MemoryStore{}
	h := &harness{t: t, a: New(Config{Dialer: d, Store: store, Rand: func() float64 { return 0.5 }}), d: d.fakeDialer, store: store}
	return h, d
}

// openWatch signs alice in and opens the Watch screen with its lists read.
func (h *harness) openWatch() {
	h.t.Helper()
	h.signIn("alice")
	h.a.OpenWatch()
	h.wantScreen(ScreenWatch)
	h.step() // starts the reads
	h.step() // takes their answers
	h.sent()
}

// spectateStart is the server's answer to spectating liveDuel: ships 1
// and 2, seen 30 ticks (1 s) behind.
func spectateStart() *arenav1.ServerMessage {
	return msg(&arenav1.ServerMessage_MatchStart{MatchStart: &arenav1.MatchStart{
		MatchId: "m7", Mode: "duel", TickRate: 30, Teams: 2, Spectator: true, DelayTicks: 30,
		Map: &arenav1.MapInfo{Name: "test", Width: 2000, Height: 2000},
		Players: []*arenav1.PlayerInfo{
			{ShipId: 1, PlayerId: "id-bob", Name: "bob", Team: 1},
			{ShipId: 2, PlayerId: "id-carol", Name: "carol", Team: 2},
		},
	}})
}

func TestWatchListsAndRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newWatchHarness(t)
		h.openWatch()
		w := h.a.Probe(0).Watch
		if w == nil || !w.Loaded || len(w.Live) != 1 || w.Live[0].MatchID != "m7" ||
			!slices.Equal(w.Live[0].Players, []string{"bob", "carol"}) || !slices.Equal(w.Finished, []string{"old1"}) {
			t.Fatalf("watch probe = %+v, want m7 (bob, carol) live and old1 finished", w)
		}

		// The list is read again a few seconds later, not every frame.
		reads := d.liveReads()
		d.setLive()
		h.step()
		if d.liveReads() != reads {
			t.Fatalf("live list read again at once (%d reads, was %d)", d.liveReads(), reads)
		}
		time.Sleep(watchRefresh)
		h.step()
		h.step()
		if got := h.a.WatchList().Live; len(got) != 0 {
			t.Fatalf("after a refresh live = %v, want none", got)
		}

		// Escape (CloseWatch) returns to the menu and stops reading.
		h.a.CloseWatch()
		h.step()
		h.wantScreen(ScreenMenu)
		reads = d.liveReads()
		time.Sleep(3 * watchRefresh)
		h.step()
		if d.liveReads() != reads {
			t.Fatal("the live list was read off the Watch screen")
		}
		h.a.Close()
	})
}

func TestSpectateFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newWatchHarness(t)
		h.openWatch()
		h.a.WatchSelected()
		if m := h.sentOnly(); m.GetSpectate().GetMatchId() != "m7" {
			t.Fatalf("sent %v, want spectate m7", m)
		}
		h.serve(spectateStart(),
			snapshot(100, arenav1.MatchPhase_MATCH_PHASE_PLAYING, ship{ID: 1, Team: 1, X: 500_000, Y: 500_000, Health: 100, Alive: true, Kills: 2},
				ship{ID: 2, Team: 2, X: 1_500_000, Y: 500_000, Health: 100, Alive: true}))
		h.wantScreen(ScreenMatch)
		p := h.a.Probe(0)
		if !p.Spectator || p.DelayTicks != 30 || p.MatchID != "m7" || len(p.Ships) != 2 || p.Ships[0].Name != "bob" || p.Ships[0].Kills != 2 {
			t.Fatalf("probe = %+v, want spectating m7 30 ticks behind, bob and carol", p)
		}
		if got := h.a.Match().Delay(); got != time.Second {
			t.Fatalf("delay = %v, want 1s", got)
		}
		for _, s := range h.a.Match().Ships() {
			if s.Highlight {
				t.Fatalf("ship %d highlighted with the free camera", s.ID)
			}
		}

		// No inputs: a spectator has no ship.
		time.Sleep(time.Second)
		h.step()
		for _, m := range h.sent() {
			if m.GetInput() != nil {
				t.Fatalf("spectator sent an input: %v", m)
			}
		}

		// Following: 2 is carol, Tab goes on to the free camera, then bob.
		h.a.FollowPlayer(2)
		if p := h.a.Probe(0); p.Follow != "carol" {
			t.Fatalf("follow = %q, want carol", p.Follow)
		}
		if x, _, ok := h.a.Match().FollowedPos(); !ok || x != p.Ships[1].X {
			t.Fatalf("followed at x %v (%v), want carol's %v", x, ok, p.Ships[1].X)
		}
		h.a.FollowNextPlayer()
		if p := h.a.Probe(0); p.Follow != "" {
			t.Fatalf("follow after carol = %q, want the free camera", p.Follow)
		}
		h.a.FollowNextPlayer()
		if p := h.a.Probe(0); p.Follow != "bob" {
			t.Fatalf("follow after the free camera = %q, want bob", p.Follow)
		}

		// Chat goes to the spectators; their lines show.
		if !h.a.SendChat("gg") {
			t.Fatal("spectator chat not sent")
		}
		if c := h.sentOnly().GetChatSend(); c.GetChannel() != arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS || c.GetText() != "gg" {
			t.Fatalf("chat sent %v, want gg to the spectators", c)
		}
		h.serve(msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{
			Channel: arenav1.ChatChannel_CHAT_CHANNEL_SPECTATORS, SenderName: "alice", Text: "gg", Seq: 1,
		}}))
		if l := h.a.Chat().Last(1); len(l) != 1 || l[0].Channel != "spectators" || l[0].Text != "gg" {
			t.Fatalf("chat log = %v, want alice's gg in spectators", l)
		}

		// The match ends: its results, with the replay on offer, then the menu.
		h.serve(msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{MatchId: "m7", Results: []*arenav1.PlayerResult{
			{PlayerId: "id-bob", Name: "bob", Placement: 1, Kills: 3}, {PlayerId: "id-carol", Name: "carol", Placement: 2},
		}}}))
		h.wantScreen(ScreenResults)
		if p := h.a.Probe(0); p.MatchID != "m7" || len(p.Results) != 2 || p.Results[0].Name != "bob" {
			t.Fatalf("results probe = %+v", p)
		}
		h.a.WatchReplay()
		h.wantScreen(ScreenReplay)
		if r := h.a.Replay(); r.MatchID() != "m7" {
			t.Fatalf("replay of %q, want m7", r.MatchID())
		}
		h.a.CloseReplay()
		h.wantScreen(ScreenMenu)
		h.a.Close()
	})
}

func TestStopSpectating(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newWatchHarness(t)
		h.openWatch()
		h.a.WatchSelected()
		h.serve(spectateStart())
		h.sent()
		h.a.StopSpectating()
		if m := h.sentOnly(); m.GetSpectateStop() == nil {
			t.Fatalf("sent %v, want spectate_stop", m)
		}
		h.wantScreen(ScreenWatch)
		if h.a.Match() != nil {
			t.Fatal("the match is still kept after stopping")
		}
		h.serve(msg(&arenav1.ServerMessage_ChatMessage{ChatMessage: &arenav1.ChatMessage{System: true, Text: "stopped watching"}}))
		h.wantScreen(ScreenWatch)
		if w := h.a.Probe(0).Watch; w == nil || len(w.Live) != 1 {
			t.Fatalf("watch probe after stopping = %+v, want the live list", w)
		}
		h.a.Close()
	})
}

func TestSpectateUnknownMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newWatchHarness(t)
		h.openWatch()
		h.a.WatchSelected()
		h.sent()
		if w := h.a.Probe(0).Watch; w.Joining != "m7" {
			t.Fatalf("joining = %q after Enter, want m7", w.Joining)
		}
		reads := d.liveReads()
		d.setLive()
		h.serve(msg(&arenav1.ServerMessage_Error{Error: &arenav1.Error{Code: arenav1.ErrorCode_ERROR_CODE_UNKNOWN_MATCH, Message: "match m7 is over"}}))
		h.wantScreen(ScreenWatch)
		if n := h.a.Notice(); n != "unknown match: match m7 is over" || h.a.WatchList().Joining != "" {
			t.Fatalf("notice = %q, joining %q; want the unknown match error, not joining", n, h.a.WatchList().Joining)
		}
		// The list is read again at once: the match is gone from it.
		h.step()
		if d.liveReads() != reads+1 || len(h.a.WatchList().Live) != 0 {
			t.Fatalf("after the error: %d reads (was %d), live %v; want one more read and none live", d.liveReads(), reads, h.a.WatchList().Live)
		}
		h.a.Close()
	})
}

func TestReplayFromWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newWatchHarness(t)
		h.openWatch()
		h.a.MoveWatchSelection(+1) // the finished match, under the live one
		h.a.ReplaySelected()
		h.wantScreen(ScreenReplay)
		if r := h.a.Replay(); r.MatchID() != "old1" {
			t.Fatalf("replay of %q, want old1", r.MatchID())
		}
		h.a.CloseReplay()
		h.wantScreen(ScreenWatch)
		h.a.Close()
	})
}

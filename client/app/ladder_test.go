package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// ladderDialer is a listingDialer that also reads the ladder: the boards
// by mode and the profile set in it (or their errors). With hold set, each
// read waits until release is called, so a test sees it under way.
type ladderDialer struct {
	*listingDialer
	mu         sync.Mutex
	boards     map[string]transport.LeaderboardPage
	boardErr   error
	profile    transport.PlayerProfile
	profileErr error
	hold       bool
	held       chan struct{}
	asked      []string
}

func (d *ladderDialer) Leaderboard(ctx context.Context, mode string, limit, offset int, player string) (transport.LeaderboardPage, error) {
	d.wait(ctx, fmt.Sprintf("leaderboard %s %d %d %s", mode, limit, offset, player))
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.boards[mode], d.boardErr
}

func (d *ladderDialer) Profile(ctx context.Context, id string) (transport.PlayerProfile, error) {
	d.wait(ctx, "profile "+id)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.profile, d.profileErr
}

// wait records a read, then waits for release when reads are held.
func (d *ladderDialer) wait(ctx context.Context, read string) {
	d.mu.Lock()
	d.asked = append(d.asked, read)
	held := d.held
	d.mu.Unlock()
	if held == nil {
		return
	}
	select {
	case <-held:
	case <-ctx.Done():
	}
}

// holdReads makes the next reads wait until release.
func (d *ladderDialer) holdReads() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.held = make(chan struct{})
}

// release lets the held reads answer, and the next ones at once.
func (d *ladderDialer) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	close(d.held)
	d.held = nil
}

// reads returns the reads asked for since the last call.
func (d *ladderDialer) reads() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.asked
	d.asked = nil
	return r
}

func (d *ladderDialer) set(f func(d *ladderDialer)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d)
}

func rating(n int) *int { return &n }

// The ladder as the tests' server keeps it: alice is second in duel, placing
// in teams, and has never played ffa.
var (
	duelBoard = transport.LeaderboardPage{Mode: "duel", PlacementMatches: 5, Entries: []transport.LeaderboardEntry{
		{Rank: 1, PlayerID: "id-bob", Name: "bob", Rating: 1700, Matches: 12},
		{Rank: 2, PlayerID: "id-alice", Name: "alice", Rating: 1612, Matches: 9},
	}, Player: &transport.Standing{Mode: "duel", Rank: 2, Rating: rating(1612), Matches: 9}}
	teamsBoard = transport.LeaderboardPage{Mode: "teams", PlacementMatches: 5, Entries: []transport.LeaderboardEntry{
		{Rank: 1, PlayerID: "id-carol", Name: "carol", Rating: 1555, Matches: 30},
	}, Player: &transport.Standing{Mode: "teams", Matches: 2, PlacementMatchesLeft: 3}}
	aliceProfile = transport.PlayerProfile{PlayerID: "id-alice", Name: "alice", Ratings: []transport.Standing{
		{Mode: "teams", Matches: 2, PlacementMatchesLeft: 3},
		{Mode: "duel", Rating: rating(1612), Matches: 9},
	}}
)

// newLadderHarness is a harness whose server lists serverModes (duel
// selected first) and answers the ladder reads from d's fields.
func newLadderHarness(t *testing.T) (*harness, *ladderDialer) {
	d := &ladderDialer{
		listingDialer: &listingDialer{fakeDialer: &fakeDialer{}, replies: []modesResult{{modes: serverModes}}},
		boards:        map[string]transport.LeaderboardPage{"duel": duelBoard, "teams": teamsBoard},
		profile:       aliceProfile,
	}
	store := &MemoryStore{}
	h := &harness{t: t, a: New(Config{Dialer: d, Store: store, Rand: func() float64 { return 0.5 }}), d: d.fakeDialer, store: store}
	return h, d
}

// wantReads checks the ladder reads asked for since the last check.
func (h *harness) wantReads(d *ladderDialer, want ...string) {
	h.t.Helper()
	if got := d.reads(); !slices.Equal(got, want) {
		h.t.Fatalf("ladder reads %q, want %q", got, want)
	}
}

// wantBoard checks what the leaderboard screen shows: its mode and state,
// the names of its rows in order, and the player's own line.
func (h *harness) wantBoard(mode string, state LadderState, names, you string) {
	h.t.Helper()
	v := h.a.Leaderboard()
	var got []string
	for _, e := range v.Rows {
		got = append(got, e.Name)
	}
	if v.Mode != mode || v.State != state || strings.Join(got, ",") != names || v.YouLine() != you {
		h.t.Fatalf("leaderboard %s %v rows %q you %q (error %q), want %s %v rows %q you %q",
			v.Mode, v.State, got, v.YouLine(), v.Error, mode, state, names, you)
	}
}

func TestLeaderboardScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newLadderHarness(t)
		h.signIn("alice")
		h.wantReads(d, "profile id-alice") // entering the menu reads the profile
		h.step()
		if got := h.a.RatingLine(); got != "duel rating: 1612" {
			t.Fatalf("menu rating line %q", got)
		}

		// L opens the selected mode's leaderboard, with alice's standing.
		h.a.OpenLeaderboard()
		h.wantScreen(ScreenLeaderboard)
		h.step()
		h.wantReads(d, "leaderboard duel 20 0 id-alice")
		h.step()
		h.wantBoard("duel", LadderLoaded, "bob,alice", "you: #2, 1612")
		p := h.a.Probe(0)
		if p.Screen != "leaderboard" || p.Mode != "duel" || p.Leaderboard == nil || p.Leaderboard.State != "loaded" {
			t.Fatalf("leaderboard probe: %+v", p)
		}
		rows := p.Leaderboard.Rows
		if len(rows) != 2 || rows[0] != (ProbeRank{Rank: 1, Name: "bob", Rating: 1700, Matches: 12}) ||
			rows[1] != (ProbeRank{Rank: 2, Name: "alice", Rating: 1612, Matches: 9, You: true}) {
			t.Fatalf("probe rows %+v: want bob, then alice marked as the player", rows)
		}
		if you := p.Leaderboard.You; you == nil || you.Rank != 2 || *you.Rating != 1612 || you.PlacementLeft != 0 || you.Line != "you: #2, 1612" {
			t.Fatalf("probe you %+v", you)
		}

		// Right switches to the next mode (the menu's selection too) and
		// reads its board: alice is still placing there.
		h.a.MoveModeSelection(+1) // serverModes: teams, duel, ffa, ffa16
		h.step()
		h.wantReads(d, "leaderboard ffa 20 0 id-alice")
		h.step()
		h.wantBoard("ffa", LadderLoaded, "", "") // nobody ranked, and no standing sent
		h.a.MoveModeSelection(-2)
		h.step()
		h.step()
		h.wantReads(d, "leaderboard teams 20 0 id-alice")
		h.wantBoard("teams", LadderLoaded, "carol", "you: placing, 2 of 5 played")
		if p := h.a.Probe(0); p.Leaderboard.You.Rating != nil || p.Leaderboard.You.PlacementLeft != 3 {
			t.Fatalf("probe you while placing: %+v", p.Leaderboard.You)
		}

		// Back on the menu (Escape) with teams selected: the profile is
		// read again, and the line is about teams.
		h.a.CloseLeaderboard()
		h.wantScreen(ScreenMenu)
		h.step()
		h.wantReads(d, "profile id-alice")
		if got := h.a.Probe(0).RatingLine; got != "teams placement: 2 of 5 played" {
			t.Fatalf("menu rating line %q", got)
		}
		h.a.MoveModeSelection(+2)
		if got := h.a.RatingLine(); got != "ffa: unranked" {
			t.Fatalf("menu rating line for a mode never played %q", got)
		}

		// The leaderboard opens only from the menu, and closes only itself.
		h.a.CloseLeaderboard()
		h.wantScreen(ScreenMenu)
		h.a.JoinQueue()
		h.a.OpenLeaderboard()
		h.wantScreen(ScreenQueue)
		h.a.Close()
	})
}

func TestLeaderboardReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newLadderHarness(t)
		h.signIn("alice")
		h.step()
		d.reads()

		// Until the server answers, the screen says it is loading.
		d.holdReads()
		h.a.OpenLeaderboard()
		h.step()
		h.step()
		h.wantBoard("duel", LadderLoading, "", "")
		// Switching modes meanwhile abandons that read: duel's rows never
		// show under another mode.
		h.a.MoveModeSelection(-1)
		h.step()
		h.wantBoard("teams", LadderLoading, "", "")
		d.release()
		h.step()
		h.step()
		h.wantReads(d, "leaderboard duel 20 0 id-alice", "leaderboard teams 20 0 id-alice")
		h.wantBoard("teams", LadderLoaded, "carol", "you: placing, 2 of 5 played")

		// A failure says why, with the server's message; the next mode is
		// read again.
		d.set(func(d *ladderDialer) {
			d.boardErr = &transport.APIError{Op: "leaderboard", Status: 503, Message: "the player store is not answering; try again shortly"}
		})
		h.a.MoveModeSelection(+1)
		h.step()
		h.step()
		h.wantBoard("duel", LadderFailed, "", "")
		if v := h.a.Leaderboard(); !strings.Contains(v.Error, "the player store is not answering") {
			t.Fatalf("leaderboard error %q", v.Error)
		}
		if p := h.a.Probe(0).Leaderboard; p.State != "failed" || p.Error == "" || len(p.Rows) != 0 {
			t.Fatalf("probe of a failed leaderboard %+v", p)
		}
		d.set(func(d *ladderDialer) { d.boardErr = nil })
		h.a.CloseLeaderboard()
		h.step()
		h.a.OpenLeaderboard() // opening it again reads again
		h.step()
		h.step()
		h.wantBoard("duel", LadderLoaded, "bob,alice", "you: #2, 1612")
		h.a.Close()
	})
}

func TestMenuRatingLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newLadderHarness(t)
		// The profile read does not hold the menu up: no line until it
		// answers, and the menu queues meanwhile.
		d.holdReads()
		h.signIn("alice")
		h.step()
		if got := h.a.RatingLine(); got != "" {
			t.Fatalf("rating line before the profile arrived %q", got)
		}
		h.sent()
		h.a.JoinQueue()
		if m := h.sentOnly(); m.GetQueueJoin().GetMode() != "duel" {
			t.Fatalf("sent %v, want queue_join duel", m)
		}
		h.step()
		h.a.CancelQueue()
		h.step() // the menu again: the first read is abandoned for a new one
		d.release()
		h.step()
		h.wantReads(d, "profile id-alice", "profile id-alice")
		if got := h.a.RatingLine(); got != "duel rating: 1612" {
			t.Fatalf("rating line %q", got)
		}

		for _, tc := range []struct {
			name string
			err  error
			want string
		}{
			{"store down", &transport.APIError{Op: "profile", Status: 503, Message: "the player store is not answering"}, "rating unavailable"},
			{"network", errors.New("connection refused"), "rating unavailable"},
			{"not in the store yet", &transport.APIError{Op: "profile", Status: 404, Message: "no such player"}, "duel: unranked"},
		} {
			d.set(func(d *ladderDialer) { d.profileErr = tc.err })
			h.a.OpenLeaderboard()
			h.step()
			h.a.CloseLeaderboard()
			h.step()
			h.step()
			if got := h.a.RatingLine(); got != tc.want {
				t.Errorf("%s: rating line %q, want %q", tc.name, got, tc.want)
			}
			h.wantScreen(ScreenMenu)
		}
		h.a.Close()
	})
}

// matchEnd ends the harness's match m1 (alice ship 1, bob ship 2) with
// alice placing and bob rated.
func matchEnd(aliceLeft uint32) *arenav1.ServerMessage {
	return msg(&arenav1.ServerMessage_MatchEnd{MatchEnd: &arenav1.MatchEnd{
		MatchId: "m1", Reason: arenav1.MatchEndReason_MATCH_END_REASON_SCORE_LIMIT,
		Results: []*arenav1.PlayerResult{
			{ShipId: 1, PlayerId: "id-alice", Name: "alice", Kills: 10, Placement: 1, PlacementMatchesLeft: aliceLeft},
			{ShipId: 2, PlayerId: "id-bob", Name: "bob", Deaths: 10, Placement: 2, Rating: 1688, RatingChange: -12},
		},
	}})
}

func TestResultsPlacement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, d := newLadderHarness(t)
		d.set(func(d *ladderDialer) { d.profile = transport.PlayerProfile{PlayerID: "id-alice"} }) // new: no match yet
		h.signIn("alice")
		h.step()
		if got := h.a.RatingLine(); got != "duel: unranked" {
			t.Fatalf("rating line of a new player %q", got)
		}
		d.reads()
		h.startMatch()
		h.serve(matchEnd(4))
		h.wantScreen(ScreenResults)
		p := h.a.Probe(0)
		if len(p.Results) != 2 ||
			p.Results[0] != (ProbeResult{Placement: 1, Name: "alice", Kills: 10, PlacementMatchesLeft: 4}) ||
			p.Results[1] != (ProbeResult{Placement: 2, Name: "bob", Deaths: 10, Rating: 1688, RatingChange: -12}) {
			t.Fatalf("results probe %+v", p.Results)
		}
		// The server's count of placement matches is not known yet: the
		// results screen reads the mode's board, which says it.
		if got := h.a.PlacementProgress(4); got != "placement: 4 left" {
			t.Fatalf("placement before the count is known %q", got)
		}
		h.wantReads(d, "leaderboard duel 20 0 id-alice")
		h.step()
		if got := h.a.PlacementProgress(4); got != "placement 1/5" {
			t.Fatalf("placement after one match of five %q", got)
		}

		// Back on the menu, the profile is read again: one placement match played.
		d.set(func(d *ladderDialer) {
			d.profile.Ratings = []transport.Standing{{Mode: "duel", Matches: 1, PlacementMatchesLeft: 4}}
		})
		h.a.BackToMenu()
		h.step()
		h.step()
		h.wantReads(d, "profile id-alice")
		if got := h.a.RatingLine(); got != "duel placement: 1 of 5 played" {
			t.Fatalf("rating line after the first placement match %q", got)
		}

		// The count is known now: the next results read nothing.
		h.startMatch()
		h.serve(matchEnd(3))
		h.step()
		h.wantReads(d)
		if got := h.a.PlacementProgress(3); got != "placement 2/5" {
			t.Fatalf("placement after two matches of five %q", got)
		}
		h.a.Close()
	})
}

func TestLadderWithoutReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t) // a Dialer that cannot read the ladder
		h.signIn("alice")
		h.step()
		if got := h.a.RatingLine(); got != "" {
			t.Fatalf("rating line %q without a ladder", got)
		}
		h.a.OpenLeaderboard()
		h.step()
		h.wantBoard("duel", LadderFailed, "", "")
		if v := h.a.Leaderboard(); v.Error != errNoLadder.Error() {
			t.Fatalf("leaderboard error %q", v.Error)
		}
		h.a.CloseLeaderboard()
		h.wantScreen(ScreenMenu)
		h.a.Close()
	})
}

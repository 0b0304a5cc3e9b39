package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// LadderReader is a Dialer that can also read the ladder: a mode's
// leaderboard and a player's profile (ServerDialer does). With a Dialer that
// cannot, the menu shows no rating and the leaderboard screen says it is
// unavailable.
type LadderReader interface {
	Leaderboard(ctx context.Context, mode string, limit, offset int, player string) (transport.LeaderboardPage, error)
	Profile(ctx context.Context, playerID string) (transport.PlayerProfile, error)
}

// Leaderboard asks the server for a page of a mode's ranked players over HTTP.
func (d ServerDialer) Leaderboard(ctx context.Context, mode string, limit, offset int, player string) (transport.LeaderboardPage, error) {
	return transport.Leaderboard(ctx, d.BaseURL, mode, limit, offset, player)
}

// Profile asks the server for a player's profile over HTTP.
func (d ServerDialer) Profile(ctx context.Context, playerID string) (transport.PlayerProfile, error) {
	return transport.Profile(ctx, d.BaseURL, playerID)
}

// LeaderboardSize is how many ranked players the leaderboard screen shows.
const LeaderboardSize = 20

// ladderTimeout bounds one read of the ladder.
const ladderTimeout = 10 * time.Second

// errNoLadder is the leaderboard's error with a Dialer that cannot read it.
var errNoLadder = errors.New("this client cannot read the ladder")

// LadderState is how far a read of the ladder got.
type LadderState int

// The states of a ladder read.
const (
	// LadderNone: nothing was asked yet.
	LadderNone LadderState = iota
	// LadderLoading: the server has not answered yet.
	LadderLoading
	// LadderLoaded: the server answered.
	LadderLoaded
	// LadderFailed: the read failed; Error says why.
	LadderFailed
)

var ladderStateNames = [...]string{"none", "loading", "loaded", "failed"}

// String returns the state's short name, as the browser test reads it.
func (s LadderState) String() string {
	if s < 0 || int(s) >= len(ladderStateNames) {
		return fmt.Sprintf("ladder(%d)", int(s))
	}
	return ladderStateNames[s]
}

// ladder is what the client read of the ladder: the player's own profile
// (for the menu) and a mode's leaderboard (for its screen). Entering a
// screen, as Update sees it, starts its read: the menu the profile, the leaderboard screen the
// selected mode's board (again when the selection changes), and the
// results screen, when it has players placing and the server's count of
// placement matches is not known yet, the match's mode's board, which
// says it.
type ladder struct {
	seen Screen // the screen as of the last Update

	// Each read under way replaces the one before, so an answer is always
	// that of the last read asked for.
	profileReq   *request[transport.PlayerProfile] // the read under way, or nil
	profileAsked string                            // whose profile was asked for last
	profileOf    string                            // whose profile and profileErr are, "" before the first answer
	profile      transport.PlayerProfile
	profileErr   error

	boardReq   *request[transport.LeaderboardPage] // the read under way, or nil
	boardAsked string                              // the mode of the last board asked for
	boardOf    string                              // the mode of board and boardErr
	board      transport.LeaderboardPage
	boardErr   error

	placements int // the server's placement matches per mode; 0 until an answer said
}

// updateLadder takes the answers that arrived and starts the reads of the
// screen just entered.
func (a *App) updateLadder() {
	l := &a.ladder
	if r, ok := l.profileReq.poll(); ok {
		l.profileReq = nil
		a.profileRead(r)
	}
	if r, ok := l.boardReq.poll(); ok {
		l.boardReq = nil
		a.boardRead(r)
	}
	entered := a.screen != l.seen
	l.seen = a.screen
	switch {
	case a.screen == ScreenMenu && entered:
		a.readProfile()
	case a.screen == ScreenLeaderboard && (entered || l.boardAsked != a.SelectedMode().Name):
		a.readBoard(a.SelectedMode().Name)
	case a.screen == ScreenResults && entered && l.placements == 0 && a.results.placing():
		a.readBoard(a.results.Mode)
	}
}

// readProfile starts reading the player's profile, abandoning a read under way.
func (a *App) readProfile() {
	l := &a.ladder
	reader, ok := a.cfg.Dialer.(LadderReader)
	id := a.conn.playerID
	if !ok || id == "" {
		return
	}
	l.profileReq.abandon()
	l.profileAsked = id
	l.profileReq = startRequest(ladderTimeout, func(ctx context.Context) (transport.PlayerProfile, error) {
		p, err := reader.Profile(ctx, id)
		if apiErr, ok := errors.AsType[*transport.APIError](err); ok && apiErr.Status == http.StatusNotFound {
			// Not in the store yet: no match played anywhere.
			return transport.PlayerProfile{PlayerID: id}, nil
		}
		return p, err
	})
}

// profileRead takes a profile's answer.
func (a *App) profileRead(r reply[transport.PlayerProfile]) {
	l := &a.ladder
	l.profileOf, l.profile, l.profileErr = l.profileAsked, r.val, r.err
	for _, s := range r.val.Ratings {
		if s.PlacementMatchesLeft > 0 {
			l.placements = s.Matches + s.PlacementMatchesLeft
		}
	}
}

// readBoard starts reading mode's leaderboard with the player's standing,
// abandoning a read under way.
func (a *App) readBoard(mode string) {
	l := &a.ladder
	l.boardReq.abandon()
	l.boardReq, l.boardAsked = nil, mode
	reader, ok := a.cfg.Dialer.(LadderReader)
	if !ok {
		l.boardOf, l.board, l.boardErr = mode, transport.LeaderboardPage{}, errNoLadder
		return
	}
	id := a.conn.playerID
	l.boardReq = startRequest(ladderTimeout, func(ctx context.Context) (transport.LeaderboardPage, error) {
		return reader.Leaderboard(ctx, mode, LeaderboardSize, 0, id)
	})
}

// boardRead takes a leaderboard's answer.
func (a *App) boardRead(r reply[transport.LeaderboardPage]) {
	l := &a.ladder
	l.boardOf, l.board, l.boardErr = l.boardAsked, r.val, r.err
	if r.err == nil && r.val.PlacementMatches > 0 {
		l.placements = r.val.PlacementMatches
	}
}

// placing reports whether a player of the results still plays placement
// matches.
func (r *Results) placing() bool {
	return r != nil && slices.ContainsFunc(r.Rows, func(p *arenav1.PlayerResult) bool { return p.GetPlacementMatchesLeft() > 0 })
}

// OpenLeaderboard shows the leaderboard of the selected mode, from the menu.
func (a *App) OpenLeaderboard() {
	if a.screen != ScreenMenu {
		return
	}
	a.chat.cancel()
	a.screen = ScreenLeaderboard
}

// CloseLeaderboard returns from the leaderboard to the menu.
func (a *App) CloseLeaderboard() {
	if a.screen != ScreenLeaderboard {
		return
	}
	a.screen = ScreenMenu
}

// LeaderboardView is what the leaderboard screen shows: the selected mode's
// top players and the player's own standing.
type LeaderboardView struct {
	// Mode is the mode ranked: the selected one.
	Mode string
	// State is how far its read got; Error says why it failed.
	State LadderState
	Error string
	// Rows are the top LeaderboardSize players, best first, once loaded
	// (while it reloads, those of the last read).
	Rows []transport.LeaderboardEntry
	// You is the player's own standing in Mode; nil until loaded.
	You *transport.Standing
}

// Leaderboard is what the leaderboard screen shows now.
func (a *App) Leaderboard() LeaderboardView {
	l := &a.ladder
	v := LeaderboardView{Mode: a.SelectedMode().Name}
	if l.boardOf == v.Mode {
		if l.boardErr != nil {
			v.State, v.Error = LadderFailed, l.boardErr.Error()
		} else {
			v.State, v.Rows, v.You = LadderLoaded, l.board.Entries, l.board.Player
		}
	}
	if l.boardReq != nil && l.boardAsked == v.Mode {
		v.State, v.Error = LadderLoading, ""
	}
	return v
}

// YouLine is the player's own line under the leaderboard: "you: #57, 1234",
// "you: placing, 2 of 5 played", "you: unranked (no duel match yet)"; ""
// until loaded.
func (v LeaderboardView) YouLine() string {
	s := v.You
	switch {
	case s == nil:
		return ""
	case s.Rating != nil:
		return fmt.Sprintf("you: #%d, %d", s.Rank, *s.Rating)
	case s.Matches == 0:
		return fmt.Sprintf("you: unranked (no %s match yet)", v.Mode)
	}
	return fmt.Sprintf("you: placing, %d of %d played", s.Matches, s.Matches+s.PlacementMatchesLeft)
}

// RatingLine is the player's own rating in the selected mode, as the menu
// shows it: "duel rating: 1234", "duel placement: 2 of 5 played", "duel:
// unranked" (no match in it yet), "rating unavailable" when the profile
// could not be read; "" before the first answer.
func (a *App) RatingLine() string {
	l := &a.ladder
	mode := a.SelectedMode().Name
	switch {
	case l.profileOf == "" || l.profileOf != a.conn.playerID:
		return ""
	case l.profileErr != nil:
		return "rating unavailable"
	}
	s, ok := l.profile.Standing(mode)
	switch {
	case !ok || s.Matches == 0:
		return mode + ": unranked"
	case s.Rating != nil:
		return fmt.Sprintf("%s rating: %d", mode, *s.Rating)
	}
	return fmt.Sprintf("%s placement: %d of %d played", mode, s.Matches, s.Matches+s.PlacementMatchesLeft)
}

// PlacementProgress is how the results table shows a player with left
// placement matches to play, instead of a rating: "placement 1/5", with
// the server's count of placement matches once an answer of the ladder
// said it, else "placement: 4 left".
func (a *App) PlacementProgress(left uint32) string {
	if n := a.ladder.placements; n > 0 {
		return fmt.Sprintf("placement %d/%d", max(n-int(left), 0), n)
	}
	return fmt.Sprintf("placement: %d left", left)
}

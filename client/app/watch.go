package app

import (
	"context"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
)

// LiveMatch is a running match (transport.LiveMatch).
type LiveMatch = transport.LiveMatch

// LivePlayer is one player of a LiveMatch (transport.LivePlayer).
type LivePlayer = transport.LivePlayer

// MatchLister is a Dialer that can also list matches: the running ones and
// a player's finished ones (ServerDialer does, and so does the browser's
// fetch dialer). With a Dialer that cannot, the Watch screen says so.
type MatchLister interface {
	LiveMatches(ctx context.Context) ([]LiveMatch, error)
	Matches(ctx context.Context, player string, limit int) ([]transport.FinishedMatch, error)
}

// LiveMatches asks the server for its running matches over HTTP.
func (d ServerDialer) LiveMatches(ctx context.Context) ([]LiveMatch, error) {
	return transport.LiveMatches(ctx, d.BaseURL)
}

// Matches asks the server for a player's finished matches over HTTP.
func (d ServerDialer) Matches(ctx context.Context, player string, limit int) ([]transport.FinishedMatch, error) {
	return transport.Matches(ctx, d.BaseURL, player, limit)
}

// Watch screen reads.
const (
	// watchRefresh is how often the Watch screen reads the lists again.
	watchRefresh = 3 * time.Second
	// watchTimeout bounds one read of a list.
	watchTimeout = 10 * time.Second
	// RecentMatches is how many of the player's finished matches the Watch
	// screen lists.
	RecentMatches = 10
)

// errNoLister is the Watch screen's error with a Dialer that cannot list
// matches.
const errNoLister = "this client cannot list matches"

// watch is the Watch screen's state: the lists as last read, the reads
// under way, and the selected row (the live matches first, then the
// finished ones).
type watch struct {
	liveReq     *request[[]LiveMatch]
	finishedReq *request[[]transport.FinishedMatch]
	next        time.Time // when to read the lists again

	live     []LiveMatch
	finished []transport.FinishedMatch
	loaded   bool   // a live list arrived
	err      string // why the last read failed; "" when it did not
	selected int
	joining  string // the match asked to spectate, until the server answers
}

// OpenWatch opens the Watch screen from the menu; its lists are read at once.
func (a *App) OpenWatch() {
	if a.screen != ScreenMenu {
		return
	}
	a.chat.cancel()
	a.watch = watch{}
	a.screen = ScreenWatch
}

// CloseWatch leaves the Watch screen for the menu.
func (a *App) CloseWatch() {
	if a.screen == ScreenWatch {
		a.screen = ScreenMenu
	}
}

// dropWatch abandons the Watch screen's reads; back on the screen, they
// start again at once.
func (a *App) dropWatch() {
	w := &a.watch
	w.liveReq.abandon()
	w.finishedReq.abandon()
	w.liveReq, w.finishedReq, w.next = nil, nil, time.Time{}
}

// updateWatch takes the answers of the Watch screen's reads and starts
// them again every watchRefresh while the screen is on show; off it, it
// abandons them.
func (a *App) updateWatch() {
	w := &a.watch
	if a.screen != ScreenWatch {
		a.dropWatch()
		w.joining = ""
		return
	}
	if r, ok := w.liveReq.poll(); ok {
		w.liveReq = nil
		if r.err != nil {
			w.err = r.err.Error()
		} else {
			w.live, w.loaded, w.err = r.val, true, ""
		}
	}
	if r, ok := w.finishedReq.poll(); ok {
		w.finishedReq = nil
		if r.err == nil {
			w.finished = r.val
		}
	}
	w.selected = min(max(w.selected, 0), max(len(w.live)+len(w.finished)-1, 0))
	if a.now.Before(w.next) || w.liveReq != nil || w.finishedReq != nil {
		return
	}
	w.next = a.now.Add(watchRefresh)
	lister, ok := a.cfg.Dialer.(MatchLister)
	if !ok {
		w.err = errNoLister
		return
	}
	w.liveReq = startRequest(watchTimeout, lister.LiveMatches)
	if id := a.conn.playerID; id != "" {
		w.finishedReq = startRequest(watchTimeout, func(ctx context.Context) ([]transport.FinishedMatch, error) {
			return lister.Matches(ctx, id, RecentMatches)
		})
	}
}

// WatchList is what the Watch screen shows.
type WatchList struct {
	// Live are the running matches, oldest first.
	Live []LiveMatch
	// Finished are the player's own finished matches, newest first.
	Finished []transport.FinishedMatch
	// Loaded is true once a live list arrived; Error says why the last
	// read failed.
	Loaded bool
	Error  string
	// Selected is the selected row: Live's, then Finished's.
	Selected int
	// Joining is the match asked to spectate, until the server answers.
	Joining string
}

// WatchList is the Watch screen's lists.
func (a *App) WatchList() WatchList {
	w := &a.watch
	return WatchList{Live: w.live, Finished: w.finished, Loaded: w.loaded, Error: w.err, Selected: w.selected, Joining: w.joining}
}

// MoveWatchSelection moves the Watch screen's selection by delta rows,
// within its lists.
func (a *App) MoveWatchSelection(delta int) {
	w := &a.watch
	w.selected = min(max(w.selected+delta, 0), max(len(w.live)+len(w.finished)-1, 0))
}

// SelectWatch selects the i-th row of the Watch screen.
func (a *App) SelectWatch(i int) {
	if i >= 0 && i < len(a.watch.live)+len(a.watch.finished) {
		a.watch.selected = i
	}
}

// WatchSelected acts on the selected row: a live match is spectated (the
// spectator view opens when the server's MatchStart arrives), a finished
// one's replay opens.
func (a *App) WatchSelected() {
	w := &a.watch
	if a.screen != ScreenWatch {
		return
	}
	switch i := w.selected; {
	case i < len(w.live):
		if a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_Spectate{
			Spectate: &arenav1.Spectate{MatchId: w.live[i].MatchID},
		}}) {
			w.joining = w.live[i].MatchID
		}
	case i-len(w.live) < len(w.finished):
		a.ReplaySelected()
	}
}

// ReplaySelected opens the replay of the selected finished match.
func (a *App) ReplaySelected() {
	w := &a.watch
	i := w.selected - len(w.live)
	if a.screen != ScreenWatch || i < 0 || i >= len(w.finished) {
		return
	}
	a.openReplay(w.finished[i].MatchID, ScreenWatch)
}

// Spectating reports whether the match on show is watched, not played.
func (a *App) Spectating() bool { return a.screen == ScreenMatch && a.match.Spectator() }

// StopSpectating stops watching the match on show and returns to the Watch
// screen.
func (a *App) StopSpectating() {
	if !a.Spectating() {
		return
	}
	a.send(&arenav1.ClientMessage{Body: &arenav1.ClientMessage_SpectateStop{SpectateStop: &arenav1.SpectateStop{}}})
	a.leaveMatch(ScreenWatch)
}

package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/arena-server/arena/matchmaking"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/store"
)

// ladder owns the players' ratings while the process lives and makes match
// results durable through the store's writer.
//
// A player's ratings are read from the store once, when a connection of
// theirs signs in, and kept while anything holds them: each signed-in
// connection and each seat in a match holds its player once, and each
// result not yet written holds its players too. Rating changes are made
// here first and written behind, in order, so the next match always starts
// from the latest rating even while the store is slow.
//
// Without a store (Config.Store nil) ratings live in memory for the life of
// the process and are never evicted.
//
// Locking: mu guards entries and pending; no store call is made under it.
type ladder struct {
	store     store.Store   // nil: memory only
	writer    *store.Writer // nil without a store
	timeout   time.Duration // bounds the reads a player waits for
	placement int           // rated matches before a rating is shown
	log       *slog.Logger

	mu      sync.Mutex
	entries map[string]*ladderEntry
	pending map[string]func() // match id → what to do once its results are written
}

// ladderEntry is one player's ratings and what keeps them in memory.
type ladderEntry struct {
	ratings map[string]store.Rating // by mode
	holds   int                     // connections and seats holding the player
	unsaved int                     // results with this player not yet written
}

func newLadder(cfg *Config, log *slog.Logger) *ladder {
	return &ladder{
		store: cfg.Store, timeout: cfg.StoreTimeout, placement: cfg.PlacementMatches, log: log,
		entries: make(map[string]*ladderEntry),
		pending: make(map[string]func()),
	}
}

// hold loads a player's ratings (from the store, unless already in memory)
// and holds them until release. It fails when the store cannot be read in
// time; the player should then be told to try again.
func (l *ladder) hold(ctx context.Context, id string) error {
	l.mu.Lock()
	if e := l.entries[id]; e != nil {
		e.holds++
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	var stored map[string]store.Rating
	if l.store != nil {
		ctx, cancel := context.WithTimeout(ctx, l.timeout)
		defer cancel()
		var err error
		if stored, err = l.store.Ratings(ctx, id); err != nil {
			return fmt.Errorf("read ratings: %w", err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[id]
	if e == nil { // nobody loaded it meanwhile
		e = &ladderEntry{ratings: stored}
		if e.ratings == nil {
			e.ratings = make(map[string]store.Rating)
		}
		l.entries[id] = e
	}
	e.holds++
	return nil
}

// holdLoaded holds a player whose ratings are already held (a connection
// of theirs is signed in): it never reads the store.
func (l *ladder) holdLoaded(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[id]; e != nil {
		e.holds++
	}
}

// release undoes one hold.
func (l *ladder) release(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[id]; e != nil {
		e.holds--
		l.evictLocked(id, e)
	}
}

func (l *ladder) evictLocked(id string, e *ladderEntry) {
	if l.store != nil && e.holds <= 0 && e.unsaved <= 0 {
		delete(l.entries, id)
	}
}

// rating returns a held player's rating in mode; a new one if they have none.
func (l *ladder) rating(id, mode string) store.Rating {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.entries[id]; e != nil {
		if r, ok := e.ratings[mode]; ok {
			return r
		}
	}
	n := matchmaking.NewRating()
	return store.Rating{Mu: n.Mu, Sigma: n.Sigma, Display: n.Display()}
}

// shown reports whether a rating has left its placement matches and is
// shown to players.
func (l *ladder) shown(r store.Rating) bool { return r.Matches >= l.placement }

// rate moves the ratings of a finished match's players by their placements,
// writes each player's new rating (or their placement matches left) into
// the results, and returns the result to store; ok is false when the match
// is not rated (aborted, or fewer than two sides).
func (l *ladder) rate(m *match, end *arenav1.MatchEnd, ended time.Time) (res store.MatchResult, ok bool) {
	if end.Reason == arenav1.MatchEndReason_MATCH_END_REASON_ABORTED || len(end.Results) == 0 {
		return res, false
	}
	var teams [][]matchmaking.PlayerID
	var ranks []int
	var teamOf []uint32
	before := matchmaking.NewMemoryStore()
	prior := make(map[string]store.Rating, len(end.Results))
	for _, r := range end.Results {
		i := slices.Index(teamOf, r.Team)
		if i < 0 {
			teamOf = append(teamOf, r.Team)
			teams = append(teams, nil)
			ranks = append(ranks, int(r.Placement))
			i = len(teams) - 1
		}
		teams[i] = append(teams[i], matchmaking.PlayerID(r.PlayerId))
		ranks[i] = min(ranks[i], int(r.Placement))
		p := l.rating(r.PlayerId, m.mode.Name)
		prior[r.PlayerId] = p
		before.SetRating(matchmaking.PlayerID(r.PlayerId), matchmaking.Rating{Mu: p.Mu, Sigma: p.Sigma})
	}
	if len(teams) < 2 {
		return res, false
	}
	changes := matchmaking.UpdateRatings(before, teams, ranks)
	if changes == nil {
		return res, false
	}
	res = store.MatchResult{MatchID: m.id, Mode: m.mode.Name, Map: m.mapName, Start: m.started, End: ended, Replay: m.replay()}
	for _, r := range end.Results {
		c := changes[matchmaking.PlayerID(r.PlayerId)]
		b := prior[r.PlayerId]
		a := store.Rating{Mu: c.After.Mu, Sigma: c.After.Sigma, Display: c.After.Display(), Matches: b.Matches + 1}
		res.Players = append(res.Players, store.PlayerResult{
			PlayerID: r.PlayerId, Name: r.Name, Team: int(r.Team), Placement: int(r.Placement),
			Kills: int(r.Kills), Deaths: int(r.Deaths), Before: b, After: a,
		})
		if l.shown(a) {
			r.Rating = int32(a.Display)
			if l.shown(b) {
				r.RatingChange = int32(a.Display - b.Display)
			}
		} else {
			r.PlacementMatchesLeft = uint32(l.placement - a.Matches)
		}
	}
	return res, true
}

// record makes a rated match's new ratings current and hands the result to
// the writer; saved runs once the result is written (at once without a
// store, or when the writer refuses it: that is logged and counted there).
// Until then the match's players stay held.
func (l *ladder) record(res store.MatchResult, saved func()) {
	l.mu.Lock()
	for _, p := range res.Players {
		e := l.entries[p.PlayerID]
		if e == nil { // not held: a player can only be rated while seated, but be safe
			e = &ladderEntry{ratings: make(map[string]store.Rating)}
			l.entries[p.PlayerID] = e
		}
		e.ratings[res.Mode] = p.After
		e.unsaved++
	}
	if l.writer == nil {
		l.mu.Unlock()
		l.saved([]store.MatchResult{res})
		saved()
		return
	}
	l.pending[res.MatchID] = saved
	l.mu.Unlock()
	if err := l.writer.Enqueue(res); err != nil {
		l.log.Error("match results not stored: they live in memory until the process ends",
			slog.String("match", res.MatchID), slog.Any("err", err))
		l.saved([]store.MatchResult{res})
	}
}

// saved is the writer's report that results are stored: their players are
// no longer held for them, and what waited for them runs.
func (l *ladder) saved(results []store.MatchResult) {
	var then []func()
	l.mu.Lock()
	for _, res := range results {
		for _, p := range res.Players {
			if e := l.entries[p.PlayerID]; e != nil {
				e.unsaved--
				l.evictLocked(p.PlayerID, e)
			}
		}
		if f := l.pending[res.MatchID]; f != nil {
			then = append(then, f)
			delete(l.pending, res.MatchID)
		}
	}
	l.mu.Unlock()
	for _, f := range then {
		f()
	}
}

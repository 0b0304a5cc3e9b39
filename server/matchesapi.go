package server

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arena-server/arena/netcode/transport"
	"github.com/arena-server/arena/replay"
	"github.com/arena-server/arena/store"
)

// Limits of the matches API.
const (
	defaultMatchesLimit = 20
	maxMatchesLimit     = 100
)

// The JSON of these endpoints is netcode/transport's LiveMatch and
// FinishedMatch: the server writes what the clients decode.

// handleMatches serves GET /api/v1/matches: ?live=1 lists the running
// matches; otherwise ?limit=N&player=ID lists finished ones, newest first.
func (s *Server) handleMatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("live") {
		if err := onlyParams(q, "live"); err != nil || q.Get("live") != "1" {
			writeJSON(w, http.StatusBadRequest, errorResponse{"live: must be 1, alone"})
			return
		}
		writeJSON(w, http.StatusOK, s.lobby.liveMatches(s.cfg.Clock.Now()))
		return
	}
	if err := onlyParams(q, "limit", "player"); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	limit, err := intParam(q, "limit", defaultMatchesLimit, 1, maxMatchesLimit)
	if q.Has("player") && !validPlayerID(q.Get("player")) {
		err = errors.Join(err, errors.New("player: must be a player id"))
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	st, ctx, cancel, ok := s.storeFor(w, r)
	if !ok {
		return
	}
	defer cancel()
	found, err := st.Matches(ctx, q.Get("player"), limit)
	if err != nil {
		s.storeFailed(w, "matches", err)
		return
	}
	out := make([]transport.FinishedMatch, len(found))
	for i, m := range found {
		out[i] = finished(m)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleMatch serves GET /api/v1/matches/{id}: a finished match's summary,
// or a running match's.
func (s *Server) handleMatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validMatchID(id) {
		writeJSON(w, http.StatusBadRequest, errorResponse{"not a match id"})
		return
	}
	if live, ok := s.lobby.liveMatch(id, s.cfg.Clock.Now()); ok {
		writeJSON(w, http.StatusOK, live)
		return
	}
	st, ctx, cancel, ok := s.storeFor(w, r)
	if !ok {
		return
	}
	defer cancel()
	m, err := st.Match(ctx, id)
	if err != nil {
		s.lookupFailed(w, "match", "no such match", err)
		return
	}
	writeJSON(w, http.StatusOK, finished(m))
}

// handleReplay serves GET /api/v1/matches/{id}/replay: the replay file as
// recorded (already compressed). A replay never changes, so it is cached
// for good and revalidated by its ETag.
func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validMatchID(id) {
		writeJSON(w, http.StatusBadRequest, errorResponse{"not a match id"})
		return
	}
	etag := `"` + id + ".v" + strconv.Itoa(replay.Version) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	st, ctx, cancel, ok := s.storeFor(w, r)
	if !ok {
		return
	}
	defer cancel()
	b, err := st.Replay(ctx, id)
	if err != nil {
		s.lookupFailed(w, "replay", "no replay of that match is kept", err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.arena.replay")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// finished is a stored match as the API shows it.
func finished(m store.MatchResult) transport.FinishedMatch {
	f := transport.FinishedMatch{MatchID: m.MatchID, Mode: m.Mode, Map: m.Map, Start: m.Start, End: m.End, Players: make([]transport.MatchPlayer, len(m.Players))}
	for i, p := range m.Players {
		f.Players[i] = transport.MatchPlayer{PlayerID: p.PlayerID, Name: p.Name, Team: p.Team, Placement: p.Placement, Kills: p.Kills, Deaths: p.Deaths}
	}
	if m.HasReplay {
		f.Replay = transport.ReplayPath(m.MatchID)
	}
	return f
}

// validMatchID reports whether id has the form of the server's match ids:
// 16 lower-case hexadecimal digits.
func validMatchID(id string) bool {
	return len(id) == 16 && strings.Trim(id, "0123456789abcdef") == ""
}

// liveMatches lists the running matches, oldest first.
func (l *lobby) liveMatches(now time.Time) []transport.LiveMatch {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]transport.LiveMatch, 0, len(l.matches))
	for _, m := range l.matches {
		out = append(out, m.live(now))
	}
	slices.SortFunc(out, func(a, b transport.LiveMatch) int { return cmp.Compare(b.ElapsedS, a.ElapsedS) })
	return out
}

// liveMatch describes the running match id.
func (l *lobby) liveMatch(id string, now time.Time) (transport.LiveMatch, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.matches[id]
	if !ok {
		return transport.LiveMatch{}, false
	}
	return m.live(now), true
}

// live describes a running match from what never changes after its
// creation (its id, mode, seats and creation time): safe from any goroutine.
func (m *match) live(now time.Time) transport.LiveMatch {
	lm := transport.LiveMatch{MatchID: m.id, Mode: m.mode.Name, ElapsedS: now.Sub(m.created).Seconds(), Players: make([]transport.LivePlayer, len(m.seats))}
	for i, s := range m.seats {
		lm.Players[i] = transport.LivePlayer{PlayerID: s.player.id, Name: s.player.name, Team: s.team}
	}
	return lm
}

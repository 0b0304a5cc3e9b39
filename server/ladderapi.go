package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/arena-server/arena/netcode/transport"
	"github.com/arena-server/arena/store"
)

// Limits of the ladder's HTTP API.
const (
	defaultLeaderboardLimit = 50
	maxLeaderboardLimit     = 100
	maxLeaderboardOffset    = 1_000_000
	profileRecentMatches    = 20
)

// The JSON of these endpoints is netcode/transport's LeaderboardPage and
// PlayerProfile: the server writes what clients decode, from one definition.

// handleLeaderboard serves GET /api/v1/leaderboard?mode=M&limit=N&offset=K
// [&player=ID]: a page of a mode's ranked players, best first.
func (s *Server) handleLeaderboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyParams(q, "mode", "limit", "offset", "player"); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	mode := q.Get("mode")
	if _, ok := s.cfg.mode(mode); !ok {
		writeJSON(w, http.StatusBadRequest, errorResponse{fmt.Sprintf("mode %q: must be one of %v", mode, s.modeNames())})
		return
	}
	limit, err1 := intParam(q, "limit", defaultLeaderboardLimit, 1, maxLeaderboardLimit)
	offset, err2 := intParam(q, "offset", 0, 0, maxLeaderboardOffset)
	player := q.Get("player")
	var err3 error
	if q.Has("player") && !validPlayerID(player) {
		err3 = errors.New("player: must be a player id")
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	st, ctx, cancel, ok := s.storeFor(w, r)
	if !ok {
		return
	}
	defer cancel()
	rows, err := st.Leaderboard(ctx, mode, s.cfg.PlacementMatches, limit, offset)
	if err != nil {
		s.storeFailed(w, "leaderboard", err)
		return
	}
	resp := transport.LeaderboardPage{Mode: mode, PlacementMatches: s.cfg.PlacementMatches, Offset: offset, Entries: make([]transport.LeaderboardEntry, len(rows))}
	for i, e := range rows {
		resp.Entries[i] = transport.LeaderboardEntry{Rank: e.Rank, PlayerID: e.PlayerID, Name: e.Name, Rating: e.Rating.Display, Matches: e.Rating.Matches}
	}
	if player != "" {
		ratings, err := st.Ratings(ctx, player)
		if err != nil {
			s.storeFailed(w, "ratings", err)
			return
		}
		standing := s.standing(mode, ratings[mode])
		if standing.Rating != nil {
			if standing.Rank, err = st.Rank(ctx, mode, player, s.cfg.PlacementMatches); err != nil {
				s.storeFailed(w, "rank", err)
				return
			}
		}
		resp.Player = &standing
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleProfile serves GET /api/v1/players/{id}: the player's rating in
// every mode and their last matches.
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validPlayerID(id) {
		writeJSON(w, http.StatusBadRequest, errorResponse{"not a player id"})
		return
	}
	if err := onlyParams(r.URL.Query()); err != nil {
		writeJSON(w, http.StatusBadRequest, errorResponse{err.Error()})
		return
	}
	st, ctx, cancel, ok := s.storeFor(w, r)
	if !ok {
		return
	}
	defer cancel()
	p, err := st.Profile(ctx, id, profileRecentMatches)
	if err != nil {
		s.lookupFailed(w, "profile", "no such player", err)
		return
	}
	resp := transport.PlayerProfile{PlayerID: p.Player.ID, Name: p.Player.Name, Created: p.Player.Created, LastSeen: p.Player.LastSeen,
		Ratings: []transport.Standing{}, Recent: make([]transport.RecentMatch, len(p.Recent))}
	for _, m := range s.cfg.Modes { // in the server's order of modes
		if rating, ok := p.Ratings[m.Name]; ok {
			resp.Ratings = append(resp.Ratings, s.standing(m.Name, rating))
		}
	}
	for i, m := range p.Recent {
		rm := transport.RecentMatch{MatchID: m.MatchID, Mode: m.Mode, Map: m.Map, Start: m.Start, End: m.End, Players: m.Players,
			Team: m.Team, Placement: m.Placement, Kills: m.Kills, Deaths: m.Deaths}
		if s.ladder.shown(m.After) {
			rm.Rating = &m.After.Display
			if s.ladder.shown(m.Before) {
				change := m.After.Display - m.Before.Display
				rm.RatingChange = &change
			}
		} else {
			rm.PlacementMatchesLeft = s.cfg.PlacementMatches - m.After.Matches
		}
		resp.Recent[i] = rm
	}
	writeJSON(w, http.StatusOK, resp)
}

// standing is a rating as players see it: hidden while placing.
func (s *Server) standing(mode string, r store.Rating) transport.Standing {
	st := transport.Standing{Mode: mode, Matches: r.Matches}
	if s.ladder.shown(r) {
		st.Rating = &r.Display
	} else {
		st.PlacementMatchesLeft = s.cfg.PlacementMatches - r.Matches
	}
	return st
}

// storeFor returns the store and a context bounded by StoreTimeout, or
// answers 503 when the server keeps no store.
func (s *Server) storeFor(w http.ResponseWriter, r *http.Request) (store.Store, context.Context, context.CancelFunc, bool) {
	if s.cfg.Store == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{"this server keeps no ladder: it runs without a store"})
		return nil, nil, nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StoreTimeout)
	return s.cfg.Store, ctx, cancel, true
}

// lookupFailed answers a read of one record that failed: 404 with missing
// when the store has no such record, else as storeFailed.
func (s *Server) lookupFailed(w http.ResponseWriter, what, missing string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, errorResponse{missing})
		return
	}
	s.storeFailed(w, what, err)
}

// storeFailed answers a read the store could not serve in time.
func (s *Server) storeFailed(w http.ResponseWriter, what string, err error) {
	s.log.Warn("store read failed", slog.String("read", what), slog.Any("err", err))
	writeJSON(w, http.StatusServiceUnavailable, errorResponse{"the player store is not answering; try again shortly"})
}

func (s *Server) modeNames() []string {
	names := make([]string, len(s.cfg.Modes))
	for i, m := range s.cfg.Modes {
		names[i] = m.Name
	}
	return names
}

// onlyParams refuses query parameters other than allowed, and repeated ones.
func onlyParams(q url.Values, allowed ...string) error {
	var errs []error
	for k, v := range q {
		switch {
		case !slices.Contains(allowed, k):
			errs = append(errs, fmt.Errorf("unknown parameter %q", k))
		case len(v) > 1:
			errs = append(errs, fmt.Errorf("parameter %q given %d times", k, len(v)))
		}
	}
	return errors.Join(errs...)
}

// intParam parses an optional integer parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// validPlayerID reports whether id has the form of the ids sign-in issues:
// 24 lower-case hexadecimal digits.
func validPlayerID(id string) bool {
	if len(id) != 24 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

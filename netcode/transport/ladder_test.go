//go:build !js

package transport_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/arena-server/arena/netcode/transport"
)

const playerID = "0123456789abcdef01234567"

// ladderServer answers like server/ladderapi.go: each path (as escaped on
// the wire) answers with the status and body of its route; the last
// request's query is kept.
func ladderServer(t *testing.T, routes map[string]struct {
	status int
	body   string
}) (*httptest.Server, *url.Values) {
	var query url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Query()
		route, ok := routes[r.URL.EscapedPath()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(route.status)
		_, _ = w.Write([]byte(route.body))
	}))
	t.Cleanup(srv.Close)
	return srv, &query
}

func ptr(n int) *int { return &n }

func TestLeaderboard(t *testing.T) {
	const page = `{"mode":"duel","placement_matches":5,"offset":0,
		"entries":[{"rank":1,"player_id":"aaaaaaaaaaaaaaaaaaaaaaaa","name":"Alice","rating":1612,"matches":9},
		           {"rank":2,"player_id":"bbbbbbbbbbbbbbbbbbbbbbbb","name":"Bob","rating":1540,"matches":7}],
		"player":{"mode":"duel","rank":0,"rating":null,"matches":2,"placement_matches_left":3}}`
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		want       transport.LeaderboardPage
		wantStatus int    // an *APIError with this status
		wantErr    string // in the error's text
	}{
		{name: "ok", status: 200, body: page, want: transport.LeaderboardPage{
			Mode: "duel", PlacementMatches: 5,
			Entries: []transport.LeaderboardEntry{
				{Rank: 1, PlayerID: "aaaaaaaaaaaaaaaaaaaaaaaa", Name: "Alice", Rating: 1612, Matches: 9},
				{Rank: 2, PlayerID: "bbbbbbbbbbbbbbbbbbbbbbbb", Name: "Bob", Rating: 1540, Matches: 7},
			},
			Player: &transport.Standing{Mode: "duel", Matches: 2, PlacementMatchesLeft: 3},
		}},
		{name: "ranked player", status: 200,
			body: `{"mode":"duel","placement_matches":1,"offset":20,"entries":[],"player":{"mode":"duel","rank":57,"rating":1234,"matches":3,"placement_matches_left":0}}`,
			want: transport.LeaderboardPage{Mode: "duel", PlacementMatches: 1, Offset: 20, Entries: []transport.LeaderboardEntry{},
				Player: &transport.Standing{Mode: "duel", Rank: 57, Rating: ptr(1234), Matches: 3}}},
		{name: "bad mode", status: 400, body: `{"error":"mode \"golf\": must be one of [duel teams]"}`,
			wantStatus: 400, wantErr: `leaderboard: server answered 400: mode "golf": must be one of [duel teams]`},
		{name: "no such API", status: 404, body: `{"error":"no such API: /api/v1/leaderboard"}`,
			wantStatus: 404, wantErr: "no such API"},
		{name: "store down", status: 503, body: `{"error":"the player store is not answering; try again shortly"}`,
			wantStatus: 503, wantErr: "503: the player store is not answering"},
		{name: "error without JSON", status: 502, body: `<html>bad gateway</html>`,
			wantStatus: 502, wantErr: "502: Bad Gateway"},
		{name: "malformed JSON", status: 200, body: `{"mode":"duel","entries":[{"rank":"one"}]}`, wantErr: "leaderboard: decode response"},
		{name: "truncated", status: 200, body: page[:40], wantErr: "leaderboard: decode response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, query := ladderServer(t, map[string]struct {
				status int
				body   string
			}{"/api/v1/leaderboard": {tc.status, tc.body}})
			got, err := transport.Leaderboard(context.Background(), srv.URL, "duel", 20, 40, playerID)
			if want := (url.Values{"mode": {"duel"}, "limit": {"20"}, "offset": {"40"}, "player": {playerID}}); !reflect.DeepEqual(*query, want) {
				t.Errorf("query = %v, want %v", *query, want)
			}
			checkAnswer(t, got, err, tc.want, tc.wantStatus, tc.wantErr)
		})
	}
}

func TestLeaderboardWithoutPlayer(t *testing.T) {
	srv, query := ladderServer(t, map[string]struct {
		status int
		body   string
	}{"/sub/api/v1/leaderboard": {200, `{"mode":"teams","placement_matches":5,"offset":0,"entries":[]}`}})
	got, err := transport.Leaderboard(context.Background(), srv.URL+"/sub/", "teams", 5, 0, "")
	if err != nil || got.Mode != "teams" || got.Player != nil {
		t.Fatalf("Leaderboard = %+v, %v; want teams without a player", got, err)
	}
	if query.Has("player") {
		t.Errorf("query %v asks for a player", *query)
	}
}

func TestProfile(t *testing.T) {
	const profile = `{"player_id":"0123456789abcdef01234567","name":"Alice",
		"created":"2026-01-02T03:04:05Z","last_seen":"2026-01-03T00:00:00Z",
		"ratings":[{"mode":"duel","rank":0,"rating":1512,"matches":6,"placement_matches_left":0},
		           {"mode":"teams","rank":0,"rating":null,"matches":1,"placement_matches_left":4}],
		"recent":[{"match_id":"m2","mode":"duel","map":"pillars","start":"2026-01-03T00:00:00Z","end":"2026-01-03T00:05:00Z",
		           "players":2,"team":1,"placement":1,"kills":10,"deaths":3,"rating":1512,"rating_change":14,"placement_matches_left":0},
		          {"match_id":"m1","mode":"teams","map":"open","start":"2026-01-02T00:00:00Z","end":"2026-01-02T00:05:00Z",
		           "players":4,"team":2,"placement":2,"kills":1,"deaths":5,"rating":null,"rating_change":null,"placement_matches_left":4}]}`
	day := func(d, h, m int) time.Time { return time.Date(2026, 1, d, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		want       transport.PlayerProfile
		wantStatus int
		wantErr    string
	}{
		{name: "ok", status: 200, body: profile, want: transport.PlayerProfile{
			PlayerID: playerID, Name: "Alice", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastSeen: day(3, 0, 0),
			Ratings: []transport.Standing{
				{Mode: "duel", Rating: ptr(1512), Matches: 6},
				{Mode: "teams", Matches: 1, PlacementMatchesLeft: 4},
			},
			Recent: []transport.RecentMatch{
				{MatchID: "m2", Mode: "duel", Map: "pillars", Start: day(3, 0, 0), End: day(3, 0, 5), Players: 2, Team: 1,
					Placement: 1, Kills: 10, Deaths: 3, Rating: ptr(1512), RatingChange: ptr(14)},
				{MatchID: "m1", Mode: "teams", Map: "open", Start: day(2, 0, 0), End: day(2, 0, 5), Players: 4, Team: 2,
					Placement: 2, Kills: 1, Deaths: 5, PlacementMatchesLeft: 4},
			},
		}},
		{name: "malformed id", status: 400, body: `{"error":"not a player id"}`, wantStatus: 400, wantErr: "profile: server answered 400: not a player id"},
		{name: "unknown player", status: 404, body: `{"error":"no such player"}`, wantStatus: 404, wantErr: "404: no such player"},
		{name: "store down", status: 503, body: `{"error":"this server keeps no ladder: it runs without a store"}`,
			wantStatus: 503, wantErr: "keeps no ladder"},
		{name: "malformed JSON", status: 200, body: `{"player_id":42}`, wantErr: "profile: decode response"},
		{name: "not JSON", status: 200, body: `ok`, wantErr: "profile: decode response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := ladderServer(t, map[string]struct {
				status int
				body   string
			}{"/api/v1/players/" + playerID: {tc.status, tc.body}})
			got, err := transport.Profile(context.Background(), srv.URL, playerID)
			checkAnswer(t, got, err, tc.want, tc.wantStatus, tc.wantErr)
		})
	}
}

func TestProfileStanding(t *testing.T) {
	p := transport.PlayerProfile{Ratings: []transport.Standing{{Mode: "duel", Rating: ptr(1500), Matches: 5}, {Mode: "teams", Matches: 2, PlacementMatchesLeft: 3}}}
	if s, ok := p.Standing("teams"); !ok || s.Matches != 2 || s.PlacementMatchesLeft != 3 {
		t.Errorf("Standing(teams) = %+v, %v", s, ok)
	}
	if s, ok := p.Standing("ffa"); ok {
		t.Errorf("Standing(ffa) = %+v for a mode never played", s)
	}
}

func TestLadderRequestErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := transport.Profile(ctx, "http://127.0.0.1:1", ""); err == nil || !strings.Contains(err.Error(), "no player id") {
		t.Errorf("Profile without an id = %v", err)
	}
	// The id is one path segment, whatever it holds.
	srv, _ := ladderServer(t, map[string]struct {
		status int
		body   string
	}{"/api/v1/players/a%2Fb": {200, `{"player_id":"a/b"}`}})
	if p, err := transport.Profile(ctx, srv.URL, "a/b"); err != nil || p.PlayerID != "a/b" {
		t.Errorf("Profile of id a/b = %+v, %v; want the path /api/v1/players/a%%2Fb", p, err)
	}
	if _, err := transport.Leaderboard(ctx, "ftp://example.com", "duel", 20, 0, ""); err == nil || !strings.Contains(err.Error(), "not an absolute http(s) url") {
		t.Errorf("Leaderboard on ftp = %v", err)
	}
	// The context bounds the request.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := transport.Profile(short, slow.URL, playerID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Profile on a stalled server = %v, want the deadline", err)
	}
}

// checkAnswer checks a ladder call's answer: want when wantErr is empty,
// else an error with wantErr in its text, an *APIError of wantStatus when
// that is set.
func checkAnswer[T any](t *testing.T, got T, err error, want T, wantStatus int, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("error %v, want one with %q", err, wantErr)
	}
	var apiErr *transport.APIError
	switch {
	case wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.Status != wantStatus):
		t.Fatalf("error %#v, want an *APIError with status %d", err, wantStatus)
	case wantStatus == 0 && errors.As(err, &apiErr):
		t.Fatalf("error %v is an *APIError, want a decoding error", err)
	}
}

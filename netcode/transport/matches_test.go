//go:build !js

package transport_test

import (
	"bytes"
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

func TestMatches(t *testing.T) {
	const list = `[{"match_id":"00000000000000b2","mode":"duel","map":"pillars","start":"2026-01-03T00:00:00Z","end":"2026-01-03T00:05:00Z",
		"players":[{"player_id":"aaaaaaaaaaaaaaaaaaaaaaaa","name":"Alice","team":1,"placement":1,"kills":10,"deaths":3},
		           {"player_id":"bbbbbbbbbbbbbbbbbbbbbbbb","name":"Bob","team":2,"placement":2,"kills":3,"deaths":10}],
		"replay":"/api/v1/matches/00000000000000b2/replay"},
		{"match_id":"00000000000000a1","mode":"duel","map":"open","start":"2026-01-02T00:00:00Z","end":"2026-01-02T00:01:00Z",
		"players":[]}]`
	day := func(d, m int) time.Time { return time.Date(2026, 1, d, 0, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		want       []transport.FinishedMatch
		wantStatus int
		wantErr    string
	}{
		{name: "ok", status: 200, body: list, want: []transport.FinishedMatch{
			{MatchID: "00000000000000b2", Mode: "duel", Map: "pillars", Start: day(3, 0), End: day(3, 5),
				Players: []transport.MatchPlayer{
					{PlayerID: "aaaaaaaaaaaaaaaaaaaaaaaa", Name: "Alice", Team: 1, Placement: 1, Kills: 10, Deaths: 3},
					{PlayerID: "bbbbbbbbbbbbbbbbbbbbbbbb", Name: "Bob", Team: 2, Placement: 2, Kills: 3, Deaths: 10},
				},
				Replay: transport.ReplayPath("00000000000000b2")},
			{MatchID: "00000000000000a1", Mode: "duel", Map: "open", Start: day(2, 0), End: day(2, 1), Players: []transport.MatchPlayer{}},
		}},
		{name: "none", status: 200, body: `[]`, want: []transport.FinishedMatch{}},
		{name: "bad player", status: 400, body: `{"error":"player: must be a player id"}`,
			wantStatus: 400, wantErr: "matches: server answered 400: player: must be a player id"},
		{name: "store down", status: 503, body: `{"error":"the player store is not answering; try again shortly"}`,
			wantStatus: 503, wantErr: "503: the player store is not answering"},
		{name: "malformed JSON", status: 200, body: `{"match_id":"x"}`, wantErr: "matches: decode response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, query := ladderServer(t, map[string]struct {
				status int
				body   string
			}{"/api/v1/matches": {tc.status, tc.body}})
			got, err := transport.Matches(context.Background(), srv.URL, playerID, 5)
			if want := (url.Values{"limit": {"5"}, "player": {playerID}}); !reflect.DeepEqual(*query, want) {
				t.Errorf("query = %v, want %v", *query, want)
			}
			checkAnswer(t, got, err, tc.want, tc.wantStatus, tc.wantErr)
		})
	}

	// Without a player or a limit, the query asks for neither.
	srv, query := ladderServer(t, map[string]struct {
		status int
		body   string
	}{"/api/v1/matches": {200, `[]`}})
	if _, err := transport.Matches(context.Background(), srv.URL, "", 0); err != nil || len(*query) != 0 {
		t.Errorf("Matches without player or limit: query %v, error %v", *query, err)
	}
}

// replayServer serves body as the replay of match id (with the server's
// content type), and the server's 404 for any other match.
func replayServer(t *testing.T, id string, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/v1/matches/"+id+"/replay" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"no replay of that match is kept"}`))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.arena.replay")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	file := append([]byte("ARNR\x01"), bytes.Repeat([]byte{0xff, 0x00}, 5000)...)
	srv := replayServer(t, "00000000000000b2", file)
	got, err := transport.Replay(ctx, srv.URL, "00000000000000b2")
	if err != nil || !bytes.Equal(got, file) {
		t.Fatalf("Replay = %d bytes, %v; want the %d bytes served", len(got), err, len(file))
	}

	// No replay kept: a 404 with the server's message.
	_, err = transport.Replay(ctx, srv.URL, "00000000000000a1")
	checkAnswer(t, []byte(nil), err, nil, 404, "replay: server answered 404: no replay of that match is kept")

	// The id is one path segment, whatever it holds.
	odd := replayServer(t, "a%2Fb", file[:10])
	if got, err := transport.Replay(ctx, odd.URL, "a/b"); err != nil || !bytes.Equal(got, file[:10]) {
		t.Errorf("Replay of id a/b = %q, %v; want the path /api/v1/matches/a%%2Fb/replay", got, err)
	}
	if _, err := transport.Replay(ctx, srv.URL, ""); err == nil || !strings.Contains(err.Error(), "no match id") {
		t.Errorf("Replay without an id = %v", err)
	}

	// A file over the bound is refused.
	big := replayServer(t, "00000000000000c3", make([]byte, transport.MaxReplayBody+1))
	if _, err := transport.Replay(ctx, big.URL, "00000000000000c3"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Replay of %d bytes = %v, want refused", transport.MaxReplayBody+1, err)
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
	if _, err := transport.Replay(short, slow.URL, "00000000000000b2"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Replay on a stalled server = %v, want the deadline", err)
	}
}

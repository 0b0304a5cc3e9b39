//go:build !js

package transport_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/arena-server/arena/netcode/transport"
)

func TestModes(t *testing.T) {
	const listed = `[
		{"name":"duel","teams":2,"players_per_team":1,"score_limit":10,"time_limit_s":300},
		{"name":"teams","teams":2,"players_per_team":2,"score_limit":20,"time_limit_s":300,"friendly_fire":false},
		{"name":"","teams":2,"players_per_team":1},
		{"name":"duel","teams":9,"players_per_team":9},
		{"name":"ffa","teams":8,"players_per_team":1,"score_limit":15,"time_limit_s":240}
	]`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(listed))
	})
	mux.HandleFunc("GET /sub/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"name":"solo","teams":1,"players_per_team":1}]`))
	})
	mux.HandleFunc("GET /empty/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[]`))
	})
	mux.HandleFunc("GET /object/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"modes":[]}`))
	})
	mux.HandleFunc("GET /broken/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /huge/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("[" + strings.Repeat(`{"name":"x"},`, 40000) + `{"name":"y"}]`))
	})
	release := make(chan struct{})
	mux.HandleFunc("GET /slow/api/v1/modes", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	ctx := context.Background()

	got, err := transport.Modes(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := []transport.Mode{
		{Name: "duel", Teams: 2, PlayersPerTeam: 1, ScoreLimit: 10, TimeLimitS: 300},
		{Name: "teams", Teams: 2, PlayersPerTeam: 2, ScoreLimit: 20, TimeLimitS: 300},
		{Name: "ffa", Teams: 8, PlayersPerTeam: 1, ScoreLimit: 15, TimeLimitS: 240},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("modes = %+v, want %+v (in order, unnamed and repeated left out)", got, want)
	}
	if n := got[1].Players(); n != 4 {
		t.Fatalf("teams seats %d players, want 4", n)
	}

	// A base URL with a path, and a trailing slash.
	if got, err := transport.Modes(ctx, srv.URL+"/sub/"); err != nil || len(got) != 1 || got[0].Name != "solo" {
		t.Fatalf("modes under /sub/ = %+v, %v", got, err)
	}

	for _, tc := range []struct {
		base, want string
	}{
		{srv.URL + "/empty", "lists no modes"},
		{srv.URL + "/object", "decode response"},
		{srv.URL + "/broken", "500"},
		{srv.URL + "/huge", "larger than"},
		{srv.URL + "/missing", "404"},
		{"ftp://example.com", "not an absolute http(s) url"},
		{"http://", "not an absolute http(s) url"},
	} {
		if _, err := transport.Modes(ctx, tc.base); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Modes(%q) = %v, want an error with %q", tc.base, err, tc.want)
		}
	}

	// The context bounds the request.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := transport.Modes(short, srv.URL+"/slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Modes on a stalled server = %v, want the deadline", err)
	}
}

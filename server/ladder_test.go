package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/server"
	"github.com/arena-server/arena/store"
)

// playDuel queues a and b for a duel and returns the results each was shown.
func playDuel(t *testing.T, a, b *client) (*arenav1.MatchEnd, *arenav1.MatchEnd) {
	t.Helper()
	a.send(queueJoin("duel"))
	b.send(queueJoin("duel"))
	end := func(c *client) *arenav1.MatchEnd {
		return c.waitFor("results", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
	}
	return end(a), end(b)
}

// resultOf returns id's row of a results screen.
func resultOf(t *testing.T, end *arenav1.MatchEnd, id string) *arenav1.PlayerResult {
	t.Helper()
	for _, r := range end.GetResults() {
		if r.GetPlayerId() == id {
			return r
		}
	}
	t.Fatalf("no result for %s in %v", id, end)
	return nil
}

// getJSON fetches path and decodes its JSON body into v, returning the status.
func getJSON(t *testing.T, ts *httptest.Server, path string, v any) int {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: Content-Type %q, body %s", path, ct, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
	return resp.StatusCode
}

func openStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestResultsScreenComesAfterTheStore: when a player sees their results,
// the match is already in the store with the ratings shown, and the
// leaderboard and profile pages list it.
func TestResultsScreenComesAfterTheStore(t *testing.T) {
	st := openStore(t)
	cfg := quickDuel(t)
	cfg.Store, cfg.PlacementMatches = st, 1
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	endA, _ := playDuel(t, alice, bob)
	aliceID, bobID := playerID(t, alice), playerID(t, bob)

	ratings, err := st.Ratings(t.Context(), aliceID)
	if err != nil {
		t.Fatal(err)
	}
	shown := resultOf(t, endA, aliceID)
	if r := ratings["duel"]; r.Matches != 1 || r.Display != int(shown.GetRating()) || shown.GetPlacementMatchesLeft() != 0 {
		t.Fatalf("stored rating %+v when the results screen showed %v", r, shown)
	}

	var board struct {
		Entries []struct {
			Rank     int    `json:"rank"`
			PlayerID string `json:"player_id"`
			Name     string `json:"name"`
			Rating   int    `json:"rating"`
			Matches  int    `json:"matches"`
		} `json:"entries"`
		Player struct {
			Rank   int  `json:"rank"`
			Rating *int `json:"rating"`
		} `json:"player"`
	}
	if code := getJSON(t, ts, "/api/v1/leaderboard?mode=duel&limit=10&player="+bobID, &board); code != http.StatusOK {
		t.Fatalf("leaderboard: %d", code)
	}
	if len(board.Entries) != 2 || board.Entries[0].Rank != 1 || board.Entries[1].Rank != 2 {
		t.Fatalf("leaderboard %+v, want both players ranked", board)
	}
	for _, e := range board.Entries {
		if want := resultOf(t, endA, e.PlayerID).GetRating(); e.Rating != int(want) || e.Matches != 1 {
			t.Errorf("leaderboard row %+v, results screen said %d", e, want)
		}
	}
	if board.Player.Rank == 0 || board.Player.Rating == nil || *board.Player.Rating != int(resultOf(t, endA, bobID).GetRating()) {
		t.Errorf("bob's own standing %+v", board.Player)
	}

	var profile struct {
		Name   string `json:"name"`
		Recent []struct {
			MatchID   string `json:"match_id"`
			Placement int    `json:"placement"`
			Rating    *int   `json:"rating"`
		} `json:"recent"`
	}
	if code := getJSON(t, ts, "/api/v1/players/"+aliceID, &profile); code != http.StatusOK {
		t.Fatalf("profile: %d", code)
	}
	if profile.Name != "alice" || len(profile.Recent) != 1 || profile.Recent[0].MatchID != endA.GetMatchId() ||
		profile.Recent[0].Rating == nil || *profile.Recent[0].Rating != int(shown.GetRating()) {
		t.Fatalf("profile %+v, want alice's one match %s", profile, endA.GetMatchId())
	}
}

// TestNewPlayersPlaceBeforeTheyAreRated: for their first PlacementMatches
// matches in a mode, players see how many placement matches are left, not a
// rating that rises as its uncertainty shrinks, and are not on the ladder.
func TestNewPlayersPlaceBeforeTheyAreRated(t *testing.T) {
	cfg := quickDuel(t)
	cfg.PlacementMatches = 2
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	aliceID := playerID(t, alice)

	end, _ := playDuel(t, alice, bob)
	if r := resultOf(t, end, aliceID); r.GetPlacementMatchesLeft() != 1 || r.GetRating() != 0 || r.GetRatingChange() != 0 {
		t.Fatalf("after the first of 2 placement matches: %v", r)
	}
	var board struct {
		Entries []any `json:"entries"`
	}
	if getJSON(t, ts, "/api/v1/leaderboard?mode=duel", &board); len(board.Entries) != 0 {
		t.Fatalf("placing players on the leaderboard: %v", board.Entries)
	}
	end, _ = playDuel(t, alice, bob)
	if r := resultOf(t, end, aliceID); r.GetPlacementMatchesLeft() != 0 || r.GetRating() == 0 || r.GetRatingChange() != 0 {
		t.Fatalf("after the last placement match: %v, want a rating and no change (there was none to change from)", r)
	}
	end, _ = playDuel(t, alice, bob)
	if r := resultOf(t, end, aliceID); r.GetRating() == 0 || r.GetRatingChange() == 0 {
		t.Fatalf("a rated match: %v, want a rating and its change", r)
	}
}

// TestLadderAPIRefusesBadRequests: bad parameters are 400 with a JSON
// error; an unknown player is 404.
func TestLadderAPIRefusesBadRequests(t *testing.T) {
	ts := startServer(t, server.Config{})
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/leaderboard", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=chess", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&limit=0", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&limit=101", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&limit=ten", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&offset=-1", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&offset=99999999999999999999", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&sort=name", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&mode=ffa", http.StatusBadRequest},
		{"/api/v1/leaderboard?mode=duel&player=bob", http.StatusBadRequest},
		{"/api/v1/players/bob", http.StatusBadRequest},
		{"/api/v1/players/" + strings.Repeat("A", 24), http.StatusBadRequest},
		{"/api/v1/players/" + strings.Repeat("0", 24) + "?x=1", http.StatusBadRequest},
		{"/api/v1/players/" + strings.Repeat("0", 24), http.StatusNotFound},
		{"/api/v1/leaderboard?mode=duel&limit=100&offset=1000000", http.StatusOK},
	} {
		var body struct {
			Error string `json:"error"`
		}
		if code := getJSON(t, ts, tc.path, &body); code != tc.want || (code != http.StatusOK) != (body.Error != "") {
			t.Errorf("GET %s: %d %q, want %d", tc.path, code, body.Error, tc.want)
		}
	}
}

// TestStoreDownIsVisibleAndLosesNothingShown: with the database gone, a
// match still ends with its results screen (after ResultsWait), /healthz
// says degraded with the reason, /metrics counts the failed writes, and a
// new connection is refused with UNAVAILABLE and 1013 rather than signed in
// with a rating that is not its own.
func TestStoreDownIsVisibleAndLosesNothingShown(t *testing.T) {
	st := openStore(t)
	cfg := quickDuel(t)
	cfg.Store, cfg.PlacementMatches, cfg.ResultsWait = st, 1, 200*time.Millisecond
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	carolToken := signIn(t, ts, "carol")
	st.Close() // the database is gone: every call fails from here

	endA, _ := playDuel(t, alice, bob)
	if r := resultOf(t, endA, playerID(t, alice)); r.GetRating() == 0 {
		t.Fatalf("results while the store is down: %v, want the rating shown", r)
	}
	var health struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	}
	if code := getJSON(t, ts, "/healthz", &health); code != http.StatusOK || health.Status != "degraded" ||
		len(health.Reasons) != 1 || !strings.Contains(health.Reasons[0], "store writes failing") {
		t.Fatalf("/healthz %d %+v, want degraded by failing store writes", code, health)
	}
	if n := metricValue(t, ts, "arena_store_errors_total"); n < 1 {
		t.Errorf("arena_store_errors_total %v, want the failed writes counted", n)
	}
	if n := metricValue(t, ts, "arena_store_queue_depth"); n != 1 {
		t.Errorf("arena_store_queue_depth %v, want the one match waiting", n)
	}
	// Back in the lobby, the two play on from the ratings they were shown.
	endA2, _ := playDuel(t, alice, bob)
	if got, was := resultOf(t, endA2, playerID(t, alice)), resultOf(t, endA, playerID(t, alice)); got.GetRating()-got.GetRatingChange() != was.GetRating() {
		t.Fatalf("second match started from %d, the first ended at %d", got.GetRating()-got.GetRatingChange(), was.GetRating())
	}

	carol := dial(t, ts)
	carol.send(authenticate(carolToken))
	if e := carol.waitError(); e.GetCode() != arenav1.ErrorCode_ERROR_CODE_UNAVAILABLE {
		t.Fatalf("sign-in with the store down: %v, want UNAVAILABLE", e)
	}
	if code := carol.waitClose(); code != 1013 {
		t.Fatalf("close %d, want 1013 (try again later)", code)
	}
	var board struct {
		Error string `json:"error"`
	}
	if code := getJSON(t, ts, "/api/v1/leaderboard?mode=duel", &board); code != http.StatusServiceUnavailable || board.Error == "" {
		t.Fatalf("leaderboard with the store down: %d %q, want 503 with a JSON error", code, board.Error)
	}
}

// playerID is the id the server authenticated c as.
func playerID(t *testing.T, c *client) string {
	t.Helper()
	if c.id == "" {
		t.Fatal("client not authenticated")
	}
	return c.id
}

// metricValue reads one unlabelled counter or gauge from /metrics.
func metricValue(t *testing.T, ts *httptest.Server, name string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("no single %s in /metrics", name)
	}
	m := f.GetMetric()[0]
	return m.GetCounter().GetValue() + m.GetGauge().GetValue()
}

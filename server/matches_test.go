package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/arena-server/arena/game"
	arenav1 "github.com/arena-server/arena/proto/arena/v1"
	"github.com/arena-server/arena/replay"
)

// TestMatchesAPIAndReplays: a running match is listed live; once it ends it
// is listed with its replay, whose playback verifies every recorded hash
// and ends with the scores the results screen showed.
func TestMatchesAPIAndReplays(t *testing.T) {
	cfg := quickDuel(t)
	ts := startServer(t, cfg)
	alice, bob := connect(t, ts, "alice"), connect(t, ts, "bob")
	alice.send(queueJoin("duel"))
	bob.send(queueJoin("duel"))
	start := alice.waitFor("match start", func(m *arenav1.ServerMessage) bool { return m.GetMatchStart() != nil }).GetMatchStart()
	id := start.GetMatchId()

	var live []struct {
		MatchID string `json:"match_id"`
		Mode    string `json:"mode"`
		Players []struct {
			Name string `json:"name"`
		} `json:"players"`
	}
	if code := getJSON(t, ts, "/api/v1/matches?live=1", &live); code != http.StatusOK || len(live) != 1 ||
		live[0].MatchID != id || live[0].Mode != "duel" || len(live[0].Players) != 2 {
		t.Fatalf("live matches: %d %+v, want %s", code, live, id)
	}

	end := alice.waitFor("results", func(m *arenav1.ServerMessage) bool { return m.GetMatchEnd() != nil }).GetMatchEnd()
	var list []struct {
		MatchID string `json:"match_id"`
		Replay  string `json:"replay"`
		Players []struct {
			PlayerID string `json:"player_id"`
			Kills    int    `json:"kills"`
		} `json:"players"`
	}
	if code := getJSON(t, ts, "/api/v1/matches?limit=5&player="+playerID(t, bob), &list); code != http.StatusOK || len(list) != 1 ||
		list[0].MatchID != id || list[0].Replay != "/api/v1/matches/"+id+"/replay" || len(list[0].Players) != 2 {
		t.Fatalf("bob's matches: %d %+v", code, list)
	}
	if getJSON(t, ts, "/api/v1/matches?live=1", &live); len(live) != 0 {
		t.Fatalf("live matches after the end: %+v", live)
	}

	resp, err := http.Get(ts.URL + list[0].Replay)
	if err != nil {
		t.Fatal(err)
	}
	file, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("ETag") == "" {
		t.Fatalf("replay: %d %v %v", resp.StatusCode, resp.Header, err)
	}
	r, err := replay.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Verify()
	if err != nil {
		t.Fatalf("the stored replay does not play: %v", err)
	}
	if w.Phase() != game.PhaseEnded || r.MatchID != id {
		t.Fatalf("replay of %s ended in phase %v", r.MatchID, w.Phase())
	}
	for _, res := range end.GetResults() {
		s, ok := w.Ship(game.ShipID(res.GetShipId()))
		if !ok || s.Kills != int(res.GetKills()) || s.Deaths != int(res.GetDeaths()) {
			t.Errorf("replayed ship %d: %+v, the results screen said %d/%d", res.GetShipId(), s, res.GetKills(), res.GetDeaths())
		}
	}

	req, _ := http.NewRequest(http.MethodGet, ts.URL+list[0].Replay, nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidating the replay: %d, want 304", again.StatusCode)
	}

	for path, want := range map[string]int{
		"/api/v1/matches/" + id:                   http.StatusOK,
		"/api/v1/matches/0123456789abcdef":        http.StatusNotFound,
		"/api/v1/matches/0123456789abcdef/replay": http.StatusNotFound,
		"/api/v1/matches/nope":                    http.StatusBadRequest,
		"/api/v1/matches?live=2":                  http.StatusBadRequest,
		"/api/v1/matches?live=1&limit=3":          http.StatusBadRequest,
		"/api/v1/matches?limit=0":                 http.StatusBadRequest,
		"/api/v1/matches?player=x":                http.StatusBadRequest,
		"/api/v1/matches?limit=5&order=asc":       http.StatusBadRequest,
	} {
		var body map[string]any
		if code := getJSON(t, ts, path, &body); code != want {
			t.Errorf("GET %s: %d %v, want %d", path, code, body, want)
		}
	}
}

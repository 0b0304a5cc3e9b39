package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// t0 is a time with nanoseconds and a zone, to see times come back in UTC at
// microsecond precision.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("X", -7*3600))

// stored is t as the store returns it.
func stored(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// rating makes a Rating whose fields all differ from one made with another n.
func rating(n int) Rating {
	return Rating{Mu: 25 + float64(n)/8, Sigma: 8 - float64(n)/64, Display: 1000 + n, Matches: n}
}

// duel is a finished duel between a (the winner) and b in mode, ending at end.
func duel(id, mode string, end time.Time, a, b string, after int) MatchResult {
	return MatchResult{
		MatchID: id, Mode: mode, Map: "arena-1", Start: end.Add(-3 * time.Minute), End: end,
		Players: []PlayerResult{
			{PlayerID: a, Name: "name-" + a, Team: 0, Placement: 1, Kills: 5, Deaths: 1, Before: rating(after - 1), After: rating(after)},
			{PlayerID: b, Name: "name-" + b, Team: 1, Placement: 2, Kills: 1, Deaths: 5, Before: rating(after - 2), After: rating(after - 3)},
		},
	}
}

// normalised is m as Matches returns it: times in UTC at microseconds, the
// players by placement, team and id, names as stored.
func normalised(m MatchResult, names map[string]string) MatchResult {
	m.Start, m.End = stored(m.Start), stored(m.End)
	m.Players = slices.Clone(m.Players)
	for i := range m.Players {
		if n, ok := names[m.Players[i].PlayerID]; ok {
			m.Players[i].Name = n
		}
	}
	slices.SortFunc(m.Players, func(a, b PlayerResult) int {
		if a.Placement != b.Placement {
			return a.Placement - b.Placement
		}
		if a.Team != b.Team {
			return a.Team - b.Team
		}
		return compareStrings(a.PlayerID, b.PlayerID)
	})
	return m
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func count(t *testing.T, s Store, table string) int {
	t.Helper()
	var n int
	if err := rawDB(t, s).QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testStore is the behaviour every Store must have. open returns a store on a
// new database at a test's first call and on the same database at later calls
// in that test.
func testStore(t *testing.T, open func(t *testing.T) Store) {
	t.Run("SigningKey", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k1, err := s.SigningKey(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(k1) != 32 || slices.Equal(k1, make([]byte, 32)) {
			t.Fatalf("key %x: want 32 random bytes", k1)
		}
		k2, err := s.SigningKey(t.Context())
		if err != nil || !slices.Equal(k1, k2) {
			t.Fatalf("second call: %x, %v; want %x", k2, err, k1)
		}
		s.Close()
		k3, err := open(t).SigningKey(t.Context())
		if err != nil || !slices.Equal(k1, k3) {
			t.Fatalf("after reopening: %x, %v; want %x", k3, err, k1)
		}
	})

	t.Run("SigningKeyConcurrentFirstCalls", func(t *testing.T) {
		t.Parallel()
		stores := []Store{open(t), open(t)} // two processes on one database
		keys := make([][]byte, 16)
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() { keys[i], errs[i] = stores[i%2].SigningKey(t.Context()) })
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if !slices.Equal(keys[i], keys[0]) {
				t.Fatalf("call %d got %x, call 0 got %x", i, keys[i], keys[0])
			}
		}
		if n := count(t, stores[0], "server_keys"); n != 1 {
			t.Errorf("%d server_keys rows, want 1", n)
		}
	})

	t.Run("TouchPlayer", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		if err := s.TouchPlayer(ctx, "p1", "Alice", t0); err != nil {
			t.Fatal(err)
		}
		p, err := s.Profile(ctx, "p1", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := Player{ID: "p1", Name: "Alice", Created: stored(t0), LastSeen: stored(t0)}
		if p.Player != want || p.Player.Created.Location() != time.UTC {
			t.Fatalf("player %+v, want %+v", p.Player, want)
		}
		if len(p.Ratings) != 0 || p.Ratings == nil || len(p.Recent) != 0 {
			t.Errorf("new player's profile %+v: want an empty ratings map and no matches", p)
		}
		t1 := t0.Add(36*time.Hour + 1234567*time.Nanosecond)
		if err := s.TouchPlayer(ctx, "p1", "Alicia", t1); err != nil {
			t.Fatal(err)
		}
		p, err = s.Profile(ctx, "p1", 10)
		want = Player{ID: "p1", Name: "Alicia", Created: stored(t0), LastSeen: stored(t1)}
		if err != nil || p.Player != want {
			t.Fatalf("after rename: %+v, %v; want %+v", p.Player, err, want)
		}
	})

	t.Run("ProfileNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, err := s.Profile(t.Context(), "nobody", 5); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Profile of unknown id: %v, want ErrNotFound", err)
		}
		r, err := s.Ratings(t.Context(), "nobody")
		if err != nil || r == nil || len(r) != 0 {
			t.Fatalf("Ratings of unknown id: %v, %v; want an empty map", r, err)
		}
	})

	t.Run("SaveResultsIdempotent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		m1 := duel("m1", "duel", t0, "a", "b", 10)
		for range 2 {
			if err := s.SaveResults(ctx, []MatchResult{m1}); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, "matches"); n != 1 {
			t.Fatalf("%d matches after saving one twice", n)
		}
		// A batch that repeats m2 with other ratings, and m1 again: only the
		// first m2 counts.
		m2 := duel("m2", "duel", t0.Add(time.Hour), "a", "c", 20)
		m2again := duel("m2", "duel", t0.Add(time.Hour), "a", "c", 90)
		m1changed := duel("m1", "duel", t0, "a", "b", 70)
		if err := s.SaveResults(ctx, []MatchResult{m2, m2again, m1changed}); err != nil {
			t.Fatal(err)
		}
		if n, np := count(t, s, "matches"), count(t, s, "match_players"); n != 2 || np != 4 {
			t.Fatalf("%d matches, %d match_players; want 2, 4", n, np)
		}
		for id, want := range map[string]Rating{"a": rating(20), "b": rating(7), "c": rating(17)} {
			r, err := s.Ratings(ctx, id)
			if err != nil || len(r) != 1 || r["duel"] != want {
				t.Errorf("ratings of %s: %v, %v; want duel %v", id, r, err, want)
			}
		}
		got, err := s.Matches(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{"a": "name-a", "b": "name-b", "c": "name-c"}
		if want := []MatchResult{normalised(m2, names), normalised(m1, names)}; !reflect.DeepEqual(got, want) {
			t.Fatalf("Matches:\n got %+v\nwant %+v", got, want)
		}
		if err := s.SaveResults(ctx, nil); err != nil {
			t.Errorf("SaveResults(nil): %v", err)
		}
	})

	t.Run("SaveResultsLargeBatch", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		// 300 twelve-player matches among 40 players: 3,600 player rows,
		// more parameters than one statement takes.
		var ms []MatchResult
		want := make(map[string]Rating)
		for i := range 300 {
			m := MatchResult{MatchID: fmt.Sprint("big", i), Mode: "ffa", Map: "pit", Start: t0, End: t0.Add(time.Duration(i) * time.Minute)}
			for k := range 12 {
				id := fmt.Sprint("p", (i*7+k*3)%40)
				r := rating(i*12 + k)
				m.Players = append(m.Players, PlayerResult{PlayerID: id, Name: id, Team: k, Placement: k + 1, After: r})
				want[id] = r
			}
			ms = append(ms, m)
		}
		if err := s.SaveResults(ctx, ms); err != nil {
			t.Fatal(err)
		}
		if n, np, nr := count(t, s, "matches"), count(t, s, "match_players"), count(t, s, "ratings"); n != 300 || np != 3600 || nr != len(want) {
			t.Fatalf("%d matches, %d match_players, %d ratings; want 300, 3600, %d", n, np, nr, len(want))
		}
		for id, r := range want {
			got, err := s.Ratings(ctx, id)
			if err != nil || got["ffa"] != r {
				t.Fatalf("rating of %s: %v, %v; want %v, the After of their last match", id, got["ffa"], err, r)
			}
		}
	})

	t.Run("SaveResultsAtomic", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		bad := duel("bad", "duel", t0, "a", "a", 5) // the same player twice
		if err := s.SaveResults(t.Context(), []MatchResult{duel("ok", "duel", t0, "a", "b", 5), bad}); err == nil {
			t.Fatal("saving a match with a repeated player succeeded")
		}
		if n, np, nr := count(t, s, "matches"), count(t, s, "match_players"), count(t, s, "ratings"); n+np+nr != 0 {
			t.Fatalf("failed batch left %d matches, %d match_players, %d ratings", n, np, nr)
		}
	})

	t.Run("SaveResultsKeepsExistingNames", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		if err := s.TouchPlayer(ctx, "a", "Alice", t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveResults(ctx, []MatchResult{duel("m", "duel", t0, "a", "b", 5)}); err != nil {
			t.Fatal(err)
		}
		pa, err := s.Profile(ctx, "a", 1)
		if err != nil || pa.Player.Name != "Alice" || !pa.Player.Created.Equal(stored(t0.Add(-time.Hour))) {
			t.Errorf("a: %+v, %v; want Alice as touched", pa.Player, err)
		}
		pb, err := s.Profile(ctx, "b", 1)
		if err != nil || pb.Player.Name != "name-b" || !pb.Player.Created.Equal(stored(t0)) {
			t.Errorf("b: %+v, %v; want created from the result", pb.Player, err)
		}
	})

	t.Run("RatingsPerMode", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		ffa := MatchResult{MatchID: "f1", Mode: "ffa", Map: "pit", Start: t0, End: t0.Add(time.Minute)}
		for i, p := range []string{"a", "x", "y"} {
			ffa.Players = append(ffa.Players, PlayerResult{PlayerID: p, Name: p, Team: i, Placement: i + 1, Before: rating(0), After: rating(30 + i)})
		}
		if err := s.SaveResults(ctx, []MatchResult{duel("d1", "duel", t0, "a", "b", 10), ffa}); err != nil {
			t.Fatal(err)
		}
		r, err := s.Ratings(ctx, "a")
		if want := map[string]Rating{"duel": rating(10), "ffa": rating(30)}; err != nil || !maps.Equal(r, want) {
			t.Fatalf("ratings %v, %v; want %v", r, err, want)
		}
		p, err := s.Profile(ctx, "a", 5)
		if err != nil || !maps.Equal(p.Ratings, r) {
			t.Fatalf("profile ratings %v, %v; want %v", p.Ratings, err, r)
		}
	})

	t.Run("Leaderboard", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		// Binary order of ids (which ties use): "B" < "Z" < "a" < "b".
		type row struct {
			id               string
			display, matches int
		}
		rows := []row{{"a", 1500, 10}, {"B", 1500, 10}, {"b", 1500, 3}, {"Z", 1600, 1}, {"c", 1400, 20}, {"d", 1700, 0}, {"e", 1300, 5}}
		var ms []MatchResult
		for i, r := range rows {
			ms = append(ms, MatchResult{MatchID: fmt.Sprint("m", i), Mode: "duel", Start: t0, End: t0, Players: []PlayerResult{
				{PlayerID: r.id, Name: "N" + r.id, After: Rating{Mu: float64(i), Sigma: 1, Display: r.display, Matches: r.matches}},
			}})
		}
		ms = append(ms, MatchResult{MatchID: "other", Mode: "ffa", Start: t0, End: t0, Players: []PlayerResult{
			{PlayerID: "f", Name: "Nf", After: Rating{Display: 9999, Matches: 50}}}})
		if err := s.SaveResults(ctx, ms); err != nil {
			t.Fatal(err)
		}
		ids := func(es []LeaderboardEntry) (out []string) {
			for i, e := range es {
				if e.Name != "N"+e.PlayerID {
					t.Errorf("entry %+v: wrong name", e)
				}
				if i > 0 && e.Rank != es[i-1].Rank+1 {
					t.Errorf("ranks %d then %d", es[i-1].Rank, e.Rank)
				}
				out = append(out, e.PlayerID)
			}
			return out
		}
		all := []string{"d", "Z", "B", "a", "b", "c", "e"}
		for _, tc := range []struct {
			minMatches, limit, offset int
			want                      []string
		}{
			{0, 100, 0, all},
			{0, 3, 0, all[:3]},
			{0, 3, 2, all[2:5]},
			{0, 3, 6, all[6:]},
			{0, 3, 7, nil},
			{0, 0, 0, nil},
			{5, 10, 0, []string{"B", "a", "c", "e"}},
			{5, 2, 1, []string{"a", "c"}},
			{11, 10, 0, []string{"c"}},
			{100, 10, 0, nil},
		} {
			got, err := s.Leaderboard(ctx, "duel", tc.minMatches, tc.limit, tc.offset)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("Leaderboard(min %d, limit %d, offset %d) = %v, want %v", tc.minMatches, tc.limit, tc.offset, ids(got), tc.want)
			}
			if len(got) > 0 && got[0].Rank != tc.offset+1 {
				t.Errorf("first rank %d at offset %d", got[0].Rank, tc.offset)
			}
		}
		top, _ := s.Leaderboard(ctx, "duel", 0, 1, 0)
		if want := (LeaderboardEntry{Rank: 1, PlayerID: "d", Name: "Nd", Rating: Rating{Mu: 5, Sigma: 1, Display: 1700, Matches: 0}}); len(top) != 1 || top[0] != want {
			t.Errorf("top entry %+v, want %+v", top, want)
		}
		for _, min := range []int{0, 5} {
			board, _ := s.Leaderboard(ctx, "duel", min, 100, 0)
			for _, e := range board {
				if r, err := s.Rank(ctx, "duel", e.PlayerID, min); err != nil || r != e.Rank {
					t.Errorf("Rank(%s, min %d) = %d, %v; want %d", e.PlayerID, min, r, err, e.Rank)
				}
			}
		}
		for _, tc := range []struct {
			mode, id string
			min      int
		}{{"duel", "b", 5}, {"duel", "nobody", 0}, {"ffa", "a", 0}, {"nomode", "a", 0}} {
			if r, err := s.Rank(ctx, tc.mode, tc.id, tc.min); err != nil || r != 0 {
				t.Errorf("Rank(%s, %s, %d) = %d, %v; want 0", tc.mode, tc.id, tc.min, r, err)
			}
		}
		if r, err := s.Rank(ctx, "ffa", "f", 0); err != nil || r != 1 {
			t.Errorf("Rank(ffa, f) = %d, %v; want 1", r, err)
		}
	})

	t.Run("ProfileRecent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		var ms []MatchResult
		for i := range 25 {
			// Saved out of time order, to see Recent sorted by end time.
			j := (i * 7) % 25
			m := duel(fmt.Sprintf("m%02d", j), "duel", t0.Add(time.Duration(j)*time.Hour), "p", fmt.Sprint("o", j%3), j+1)
			m.Players = append(m.Players, PlayerResult{PlayerID: "z", Name: "z", Placement: 3})
			ms = append(ms, m)
		}
		if err := s.SaveResults(ctx, ms); err != nil {
			t.Fatal(err)
		}
		p, err := s.Profile(ctx, "p", 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Recent) != 20 {
			t.Fatalf("%d recent matches, want 20", len(p.Recent))
		}
		for i, m := range p.Recent {
			j := 24 - i
			d := duel(fmt.Sprintf("m%02d", j), "duel", t0.Add(time.Duration(j)*time.Hour), "p", fmt.Sprint("o", j%3), j+1)
			want := MatchSummary{MatchID: d.MatchID, Mode: "duel", Map: "arena-1", Start: stored(d.Start), End: stored(d.End),
				Team: 0, Placement: 1, Kills: 5, Deaths: 1, Before: rating(j), After: rating(j + 1), Players: 3}
			if m != want {
				t.Fatalf("recent[%d] = %+v\nwant %+v", i, m, want)
			}
		}
		if last := ms[len(ms)-1].Players[0].After; p.Ratings["duel"] != last {
			t.Errorf("rating %v, want %v, the After of the match saved last", p.Ratings["duel"], last)
		}
		if p, err := s.Profile(ctx, "p", 0); err != nil || len(p.Recent) != 0 {
			t.Errorf("Profile(recent 0): %d matches, %v", len(p.Recent), err)
		}
		hist, err := s.Matches(ctx, "o1", 100)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for j := 24; j >= 0; j-- {
			if j%3 == 1 {
				want = append(want, fmt.Sprintf("m%02d", j))
			}
		}
		var got []string
		for _, m := range hist {
			got = append(got, m.MatchID)
			if len(m.Players) != 3 || m.Players[0].PlayerID != "p" || m.Players[2].PlayerID != "z" {
				t.Errorf("match %s players %+v", m.MatchID, m.Players)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Matches(o1) = %v, want %v", got, want)
		}
		if all, err := s.Matches(ctx, "", 4); err != nil || len(all) != 4 || all[0].MatchID != "m24" || all[3].MatchID != "m21" {
			t.Errorf("Matches(\"\", 4): %d, %v", len(all), err)
		}
		if none, err := s.Matches(ctx, "nobody", 4); err != nil || len(none) != 0 {
			t.Errorf("Matches(nobody): %v, %v", none, err)
		}
	})

	t.Run("Replays", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		var results []MatchResult
		for i := range 5 {
			m := duel(fmt.Sprint("r", i), "duel", t0.Add(time.Duration(i)*time.Minute), "a", "b", i+3)
			if i != 2 { // the third match has no replay
				m.Replay = []byte(fmt.Sprint("replay bytes ", i, "\x00\xff"))
			}
			results = append(results, m)
		}
		if err := s.SaveResults(ctx, results); err != nil {
			t.Fatal(err)
		}
		if b, err := s.Replay(ctx, "r1"); err != nil || string(b) != "replay bytes 1\x00\xff" {
			t.Fatalf("Replay(r1) = %q, %v", b, err)
		}
		if _, err := s.Replay(ctx, "r2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Replay of a match without one: %v, want ErrNotFound", err)
		}
		m, err := s.Match(ctx, "r3")
		if err != nil || !m.HasReplay || len(m.Players) != 2 || m.Replay != nil || m.Players[0].PlayerID != "a" {
			t.Fatalf("Match(r3) = %+v, %v", m, err)
		}
		if m, err := s.Match(ctx, "r2"); err != nil || m.HasReplay {
			t.Fatalf("Match(r2) = %+v, %v: want no replay", m, err)
		}
		if _, err := s.Match(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Match(nope): %v, want ErrNotFound", err)
		}
		// Keep the two newest: r4 and r3; r0 and r1 go, r2 had none.
		if n, err := s.PruneReplays(ctx, 2); err != nil || n != 2 {
			t.Fatalf("PruneReplays(2) = %d, %v; want 2 deleted", n, err)
		}
		all, err := s.Matches(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, m := range all {
			if m.HasReplay {
				kept = append(kept, m.MatchID)
			}
		}
		if fmt.Sprint(kept) != "[r4 r3]" {
			t.Errorf("replays kept %v, want [r4 r3]", kept)
		}
		if n, err := s.PruneReplays(ctx, 2); err != nil || n != 0 {
			t.Errorf("PruneReplays again: %d, %v; want nothing to delete", n, err)
		}
	})

	t.Run("SaveReport", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		reports := []ChatReport{
			{Reporter: "a", Reported: "b", Channel: "lobby", Reason: "abuse", Lines: []string{"line one", "ünïcödé — ok"}, At: t0},
			{Reporter: "c", Reported: "b", Channel: "team", Reason: "spam", At: t0.Add(time.Second)},
		}
		for _, r := range reports {
			if err := s.SaveReport(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := rawDB(t, s).QueryContext(t.Context(), "SELECT reporter, reported, channel, reason, lines, at FROM chat_reports ORDER BY at")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []ChatReport
		for rows.Next() {
			var r ChatReport
			var lines string
			var at int64
			if err := rows.Scan(&r.Reporter, &r.Reported, &r.Channel, &r.Reason, &lines, &at); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(lines), &r.Lines); err != nil {
				t.Fatal(err)
			}
			r.At = fromMicros(at)
			got = append(got, r)
		}
		reports[0].At, reports[1].At = stored(reports[0].At), stored(reports[1].At)
		reports[1].Lines = []string{}
		if !reflect.DeepEqual(got, reports) {
			t.Fatalf("reports\n got %+v\nwant %+v", got, reports)
		}
	})

	t.Run("Closed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := s.TouchPlayer(ctx, "a", "a", t0); err == nil {
			t.Error("TouchPlayer on a closed store succeeded")
		}
	})
}

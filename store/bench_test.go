package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSaveResults writes batches of 64 duel results, as Writer does,
// among 10,000 players; it reports results written per second.
func BenchmarkSaveResults(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := OpenSQLite(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchmarkSaveResults(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv(postgresEnv)
		if base == "" {
			b.Skipf("set %s to benchmark PostgreSQL", postgresEnv)
		}
		s, err := OpenPostgres(b.Context(), newPostgresDatabase(b, base))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchmarkSaveResults(b, s)
	})
}

func benchmarkSaveResults(b *testing.B, s Store) {
	const batch, players = 64, 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := b.Context()
	results := make([]MatchResult, batch)
	n := 0
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for i := range results {
			n++
			a, c := rng.IntN(players), rng.IntN(players-1)
			if c >= a {
				c++
			}
			results[i] = duel("bench-"+strconv.Itoa(n), "duel", t0.Add(time.Duration(n)*time.Second),
				"p"+strconv.Itoa(a), "p"+strconv.Itoa(c), 10+n%50)
		}
		if err := s.SaveResults(ctx, results); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "results/s")
}

// The seeded database for the read benchmarks: benchPlayers players, each
// with a duel rating, and benchPlayers*5 duels, so 10 match_players rows a
// player. ARENA_BENCH_PLAYERS changes the size (default 1,000,000: 10,000,000
// match_players rows).
func benchPlayers() int {
	if v, err := strconv.Atoi(os.Getenv("ARENA_BENCH_PLAYERS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// seededSQLite returns a SQLite store on the seeded database, building it
// first when the cache (in ARENA_BENCH_DB_DIR, default
// os.TempDir()/arena-bench) does not have it.
func seededSQLite(b *testing.B) (*SQLite, int) {
	players := benchPlayers()
	root := os.Getenv("ARENA_BENCH_DB_DIR")
	if root == "" {
		root = filepath.Join(os.TempDir(), "arena-bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("sqlite-v%d-%dplayers", latestVersion(), players))
	if _, err := os.Stat(filepath.Join(dir, "arena.db")); err != nil {
		if err := os.MkdirAll(root, 0o755); err != nil {
			b.Fatal(err)
		}
		tmp, err := os.MkdirTemp(root, "seeding-")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		b.Logf("seeding %d players, %d match_players rows into %s (once; cached)", players, 10*players, dir)
		start := time.Now()
		if err := seed(b.Context(), tmp, players); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded in %v", time.Since(start).Round(time.Second))
		if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
			b.Fatal(err)
		}
	}
	s, err := OpenSQLite(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	return s, players
}

// seed builds the benchmark database in dir with bulk inserts: prepared
// statements in transactions of 100,000 rows, the secondary indexes dropped
// during the load and created again (from their stored definitions) after.
func seed(ctx context.Context, dir string, players int) error {
	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -1000000", "PRAGMA temp_store = MEMORY"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	var indexes []string
	rows, err := conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		names, indexes = append(names, name), append(indexes, def)
	}
	rows.Close()
	for _, name := range names {
		if _, err := conn.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return err
		}
	}

	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	pid := func(i int) string { return fmt.Sprintf("p%07d", i) }
	// load runs insert n times in transactions of 100,000 rows.
	load := func(query string, n int, args func(i int) []any) error {
		for lo := 0; lo < n; lo += 100_000 {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			stmt, err := tx.PrepareContext(ctx, query)
			if err != nil {
				tx.Rollback()
				return err
			}
			for i := lo; i < min(n, lo+100_000); i++ {
				if _, err := stmt.ExecContext(ctx, args(i)...); err != nil {
					tx.Rollback()
					return err
				}
			}
			stmt.Close()
			if err := tx.Commit(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := load(`INSERT INTO players (id, name, created, last_seen) VALUES ($1, $2, $3, $4)`, players, func(i int) []any {
		created := base.Add(time.Duration(rng.IntN(300*24)) * time.Hour)
		return []any{pid(i), "player-" + strconv.Itoa(i), toMicros(created), toMicros(created.Add(time.Duration(rng.IntN(1000)) * time.Hour))}
	}); err != nil {
		return err
	}
	if err := load(`INSERT INTO ratings (player_id, mode, mu, sigma, display, matches) VALUES ($1, 'duel', $2, $3, $4, $5)`, players, func(i int) []any {
		mu, sigma := 25+5*rng.NormFloat64(), 1+7*rng.Float64()
		return []any{pid(i), mu, sigma, int(100 * (mu - 2*sigma)), rng.IntN(41)}
	}); err != nil {
		return err
	}
	duels := 5 * players
	pair := make([][2]int, duels)
	for i := range pair {
		a, c := rng.IntN(players), rng.IntN(players-1)
		if c >= a {
			c++
		}
		pair[i] = [2]int{a, c}
	}
	mid := func(i int) string { return fmt.Sprintf("m%09d", i) }
	ended := func(i int) int64 { return toMicros(base.Add(time.Duration(i) * 5 * time.Second)) }
	if err := load(`INSERT INTO matches (match_id, mode, map, started, ended, players) VALUES ($1, 'duel', 'arena-1', $2, $3, 2)`, duels, func(i int) []any {
		return []any{mid(i), ended(i) - 180e6, ended(i)}
	}); err != nil {
		return err
	}
	if err := load(`INSERT INTO match_players (match_id, player_id, ended, team, placement, kills, deaths,
	mu_before, sigma_before, display_before, matches_before, mu_after, sigma_after, display_after, matches_after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, 2*duels, func(i int) []any {
		m, side := i/2, i%2
		mu := 25 + 5*rng.NormFloat64()
		d := int(100 * (mu - 6))
		return []any{mid(m), pid(pair[m][side]), ended(m), side, side + 1, rng.IntN(10), rng.IntN(10),
			mu, 3.0, d, 5, mu + 0.5 - float64(side), 2.9, d + 50 - 100*side, 6}
	}); err != nil {
		return err
	}
	for _, def := range indexes {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			return err
		}
	}
	for _, q := range []string{"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// latencies collects per-operation times and reports their p50 and p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	ms := func(q float64) float64 {
		return float64(l[min(len(l)-1, int(q*float64(len(l))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// BenchmarkLeaderboard reads a 50-entry page of the seeded duel leaderboard
// at a random offset in 0..9,999.
func BenchmarkLeaderboard(b *testing.B) {
	s, _ := seededSQLite(b)
	defer s.Close()
	for _, minMatches := range []int{0, 10} {
		b.Run(fmt.Sprintf("min%d", minMatches), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			ctx := b.Context()
			var lat latencies
			for b.Loop() {
				offset := rng.IntN(10_000)
				start := time.Now()
				page, err := s.Leaderboard(ctx, "duel", minMatches, 50, offset)
				lat = append(lat, time.Since(start))
				if err != nil || len(page) != 50 {
					b.Fatalf("page at %d: %d entries, %v", offset, len(page), err)
				}
			}
			lat.report(b)
		})
	}
}

// BenchmarkProfile reads a random player's profile with their 20 latest
// matches from the seeded database.
func BenchmarkProfile(b *testing.B) {
	s, players := seededSQLite(b)
	defer s.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	ctx := b.Context()
	var lat latencies
	for b.Loop() {
		id := fmt.Sprintf("p%07d", rng.IntN(players))
		start := time.Now()
		p, err := s.Profile(ctx, id, 20)
		lat = append(lat, time.Since(start))
		if err != nil || len(p.Ratings) != 1 {
			b.Fatalf("profile of %s: %+v, %v", id, p, err)
		}
	}
	lat.report(b)
}

// BenchmarkRank ranks a random player on the seeded duel leaderboard (a
// count of the players ahead: slower for players far down).
func BenchmarkRank(b *testing.B) {
	s, players := seededSQLite(b)
	defer s.Close()
	rng := rand.New(rand.NewPCG(8, 9))
	ctx := b.Context()
	var lat latencies
	for b.Loop() {
		id := fmt.Sprintf("p%07d", rng.IntN(players))
		start := time.Now()
		_, err := s.Rank(ctx, "duel", id, 0)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	lat.report(b)
}

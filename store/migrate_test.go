package store

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestMigrationsSQLite(t *testing.T) {
	t.Parallel()
	testMigrations(t, sqliteBackend)
}

func TestMigrationsPostgres(t *testing.T) {
	t.Parallel()
	testMigrations(t, postgresBackend(t))
}

// tables lists the database's tables and indexes, sorted, to compare schemas.
func tables(t *testing.T, d *db) []string {
	t.Helper()
	q := `SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`
	if d.d == postgresDialect {
		q = `SELECT CASE WHEN c.relkind = 'i' THEN 'index' ELSE 'table' END || ' ' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE '%_pkey'`
	}
	rows, err := d.sql.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func versions(t *testing.T, d *db) []int {
	t.Helper()
	rows, err := d.sql.QueryContext(t.Context(), `SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func testMigrations(t *testing.T, b backend) {
	latest := latestVersion()
	if latest < 2 {
		t.Fatalf("%d migrations: the tests need at least 2", latest)
	}
	all := make([]int, latest)
	for i := range all {
		all[i] = i + 1
	}

	t.Run("EmptyToLatest", func(t *testing.T) {
		t.Parallel()
		loc := b.newDB(t)
		d, err := b.openAt(t.Context(), loc, latest)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if v := versions(t, d); !slices.Equal(v, all) {
			t.Fatalf("versions %v, want %v", v, all)
		}
		for _, want := range []string{"table players", "table ratings", "table matches", "table match_players",
			"table server_keys", "table chat_reports", "table schema_version", "index ratings_leaderboard", "index match_players_player"} {
			if !slices.Contains(tables(t, d), want) {
				t.Errorf("no %s in %v", want, tables(t, d))
			}
		}
		// Opening again applies nothing.
		d.Close()
		s, err := b.open(t.Context(), loc)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v := versions(t, dbOf(s)); !slices.Equal(v, all) {
			t.Fatalf("versions after reopening %v, want %v", v, all)
		}
	})

	t.Run("FromVersion1", func(t *testing.T) {
		t.Parallel()
		loc := b.newDB(t)
		ctx := t.Context()
		old, err := b.openAt(ctx, loc, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v := versions(t, old); !slices.Equal(v, []int{1}) {
			t.Fatalf("versions %v, want [1]", v)
		}
		if slices.Contains(tables(t, old), "table chat_reports") {
			t.Fatal("version 1 has chat_reports already: the test needs another split")
		}
		// What a version-1 binary wrote: the API of version 1's tables.
		m := duel("m1", "duel", t0, "a", "b", 4)
		if err := old.SaveResults(ctx, []MatchResult{m}); err != nil {
			t.Fatal(err)
		}
		key, err := old.SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old.Close()

		s, err := b.open(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v := versions(t, dbOf(s)); !slices.Equal(v, all) {
			t.Fatalf("versions %v, want %v", v, all)
		}
		if k, err := s.SigningKey(ctx); err != nil || !slices.Equal(k, key) {
			t.Errorf("signing key changed by the migration: %x, %v", k, err)
		}
		board, err := s.Leaderboard(ctx, "duel", 0, 10, 0)
		if err != nil || len(board) != 2 || board[0].PlayerID != "a" || board[0].Rating != rating(4) {
			t.Errorf("leaderboard after migrating: %+v, %v", board, err)
		}
		hist, err := s.Matches(ctx, "b", 10)
		if want := normalised(m, nil); err != nil || len(hist) != 1 || hist[0].MatchID != "m1" || hist[0].Players[1] != want.Players[1] {
			t.Errorf("history after migrating: %+v, %v", hist, err)
		}
		if err := s.SaveReport(ctx, ChatReport{Reporter: "a", Reported: "b", At: t0}); err != nil {
			t.Errorf("SaveReport after migrating: %v", err)
		}
	})

	t.Run("NewerThanBinary", func(t *testing.T) {
		t.Parallel()
		loc := b.newDB(t)
		ctx := t.Context()
		d, err := b.openAt(ctx, loc, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.TouchPlayer(ctx, "a", "Alice", t0); err != nil {
			t.Fatal(err)
		}
		newer := latest + 7
		if _, err := d.sql.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES ($1, $2)`, newer, toMicros(time.Now())); err != nil {
			t.Fatal(err)
		}
		before := tables(t, d)
		d.Close()

		s, err := b.open(ctx, loc)
		if !errors.Is(err, ErrSchemaTooNew) {
			if s != nil {
				s.Close()
			}
			t.Fatalf("Open of a version %d database: %v, want ErrSchemaTooNew", newer, err)
		}
		for _, want := range []string{"version 7", "up to 2"} {
			want = strings.NewReplacer("7", strconv.Itoa(newer), "2", strconv.Itoa(latest)).Replace(want)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		// Nothing was applied: same tables and versions, data kept.
		raw := rawOpen(t, b, loc)
		if after := tables(t, raw); !slices.Equal(after, before) {
			t.Errorf("tables changed by the refused Open:\nbefore %v\n after %v", before, after)
		}
		if v := versions(t, raw); !slices.Equal(v, []int{1, newer}) {
			t.Errorf("versions %v, want [1 %d]", v, newer)
		}
		if p, err := raw.Profile(ctx, "a", 0); err != nil || p.Player.Name != "Alice" {
			t.Errorf("player after the refused Open: %+v, %v", p.Player, err)
		}
	})

	t.Run("ConcurrentOpen", func(t *testing.T) {
		t.Parallel()
		loc := b.newDB(t)
		errs := make(chan error, 4)
		for range cap(errs) {
			go func() {
				s, err := b.open(t.Context(), loc)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Open: %v", err)
			}
		}
		raw := rawOpen(t, b, loc)
		if v := versions(t, raw); !slices.Equal(v, all) {
			t.Fatalf("versions %v, want %v", v, all)
		}
	})
}

// rawOpen opens the database at loc without migrating it, for looking at.
func rawOpen(t *testing.T, b backend, loc string) *db {
	t.Helper()
	var d *db
	var err error
	switch b.name {
	case "sqlite":
		sqlDB, _, e := openSQLiteDB(loc)
		d, err = &db{sql: sqlDB, d: sqliteDialect}, e
	default:
		sqlDB, closePool, e := openPostgresDB(t.Context(), loc)
		d, err = &db{sql: sqlDB, d: postgresDialect, onClose: closePool}, e
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// dbOf returns the implementation under a Store of this package.
func dbOf(s Store) *db {
	switch s := s.(type) {
	case *SQLite:
		return s.db
	case *Postgres:
		return s.db
	}
	return s.(*db)
}

func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	for _, m := range migrations {
		for _, d := range []*dialect{sqliteDialect, postgresDialect} {
			stmts := d.statements(m.sql)
			if len(stmts) == 0 {
				t.Errorf("%s: no statements", m.name)
			}
			for _, s := range stmts {
				if strings.Contains(s, "{{") || strings.Count(s, ";") != 1 || !strings.HasSuffix(s, ";") {
					t.Errorf("%s (%s): bad statement %q", m.name, d.name, s)
				}
			}
		}
	}
	for _, bad := range []fstest.MapFS{
		{"migrations/0002_x.sql": {Data: []byte("SELECT 1;")}},
		{"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		{"migrations/one.sql": {}},
		{},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("mustLoadMigrations(%v) did not panic", bad)
				}
			}()
			mustLoadMigrations(bad)
		}()
	}
}

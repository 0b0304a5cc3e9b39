package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for creating test databases
)

// postgresEnv names the environment variable with the base DSN of a
// PostgreSQL server where tests may create databases (make test sets it; see
// scripts/with-pg.sh).
const postgresEnv = "ARENA_TEST_POSTGRES"

// backend is one Store implementation under test.
type backend struct {
	name string
	// newDB makes an empty database for t and returns where it is (a
	// directory or a DSN); it is removed when t ends.
	newDB func(t *testing.T) string
	// openAt opens the database at loc migrated up to version target.
	openAt func(ctx context.Context, loc string, target int) (*db, error)
	// open opens the database at loc with the exported constructor.
	open func(ctx context.Context, loc string) (Store, error)
}

// sqliteBackend keeps each test's database in its own t.TempDir().
var sqliteBackend = backend{
	name:  "sqlite",
	newDB: func(t *testing.T) string { return t.TempDir() },
	openAt: func(ctx context.Context, dir string, target int) (*db, error) {
		s, err := openSQLite(ctx, dir, target)
		if err != nil {
			return nil, err
		}
		return s.db, nil
	},
	open: func(ctx context.Context, dir string) (Store, error) { return OpenSQLite(ctx, dir) },
}

// postgresBackend creates a fresh database per test on the server that
// ARENA_TEST_POSTGRES names, and drops it when the test ends. It skips t
// when the variable is unset.
func postgresBackend(t *testing.T) backend {
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a postgres:// DSN of a server where the tests may CREATE DATABASE (make test starts one with scripts/with-pg.sh)", postgresEnv)
	}
	return backend{
		name:  "postgres",
		newDB: func(t *testing.T) string { return newPostgresDatabase(t, base) },
		openAt: func(ctx context.Context, dsn string, target int) (*db, error) {
			s, err := openPostgres(ctx, dsn, target)
			if err != nil {
				return nil, err
			}
			return s.db, nil
		},
		open: func(ctx context.Context, dsn string) (Store, error) { return OpenPostgres(ctx, dsn) },
	}
}

// newPostgresDatabase creates an empty database on base's server, drops it
// when t ends, and returns its DSN.
func newPostgresDatabase(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "arena_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database on %s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// opener returns the contract suite's open function: the first call in a
// test makes a new database, later calls in the same test open that database
// again (a restart, or a second process). Every store is closed when its
// test ends.
func (b backend) opener() func(t *testing.T) Store {
	var mu sync.Mutex
	locs := make(map[*testing.T]string)
	return func(t *testing.T) Store {
		t.Helper()
		mu.Lock()
		loc, ok := locs[t]
		if !ok {
			loc = b.newDB(t)
			locs[t] = loc
			t.Cleanup(func() {
				mu.Lock()
				delete(locs, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		s, err := b.open(t.Context(), loc)
		if err != nil {
			t.Fatalf("open %s: %v", b.name, err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return s
	}
}

// rawDB returns the *sql.DB under a Store of this package, for checks that
// the API does not offer.
func rawDB(t *testing.T, s Store) *sql.DB {
	t.Helper()
	switch s := s.(type) {
	case *SQLite:
		return s.sql
	case *Postgres:
		return s.sql
	case *db:
		return s.sql
	}
	t.Fatalf("no database under %T", s)
	return nil
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	testStore(t, sqliteBackend.opener())
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	testStore(t, postgresBackend(t).opener())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir() + "/data/nested"
	s, err := Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*SQLite); !ok {
		t.Errorf("Open(\"\") = %T, want *SQLite", s)
	}
	s.Close()
	if _, err := os.Stat(dir + "/arena.db"); err != nil {
		t.Errorf("no database file: %v", err)
	}
	for _, dsn := range []string{"mysql://u:secret@h/db", "file:arena.db", "postgres"} {
		_, err := Open(ctx, dsn, dir)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		for _, want := range []string{"postgres://", "postgresql://"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Open(%q) error %q does not name %s", dsn, err, want)
			}
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error %q shows the password", dsn, err)
		}
	}
	if base := os.Getenv(postgresEnv); base != "" {
		dsn := newPostgresDatabase(t, base)
		for _, scheme := range []string{"postgres://", "postgresql://"} {
			u := scheme + dsn[len("postgres://"):]
			s, err := Open(ctx, u, "")
			if err != nil {
				t.Fatalf("Open(%q): %v", u, err)
			}
			if _, ok := s.(*Postgres); !ok {
				t.Errorf("Open(%q) = %T, want *Postgres", u, s)
			}
			s.Close()
		}
	}
}

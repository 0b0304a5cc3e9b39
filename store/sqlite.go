package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// SQLite is the Store in a SQLite file, dataDir/arena.db, through the pure-Go
// modernc.org/sqlite driver. It is the default backend: one server, no
// database to run.
type SQLite struct {
	*db
	path string
}

// sqliteDialect is SQLite's part of the schema and of the migrations.
var sqliteDialect = &dialect{
	name:          "sqlite",
	substitutions: map[string]string{"{{BYTES}}": "BLOB", "{{ID}}": ""},
	anonymous:     true,
}

// OpenSQLite opens (creating dataDir and dataDir/arena.db when missing) the
// SQLite store and applies pending migrations. The database uses WAL
// journaling (readers do not wait for the writer) with synchronous=NORMAL;
// connections have a 5 s busy timeout, foreign keys on, and transactions
// that take the write lock when they begin (BEGIN IMMEDIATE), so concurrent
// writers wait for each other instead of failing.
func OpenSQLite(ctx context.Context, dataDir string) (*SQLite, error) {
	return openSQLite(ctx, dataDir, latestVersion())
}

// openSQLite is OpenSQLite migrating up to version target (tests migrate to
// an older version).
func openSQLite(ctx context.Context, dataDir string, target int) (*SQLite, error) {
	sqlDB, path, err := openSQLiteDB(dataDir)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, sqlDB, sqliteDialect, nil, target, path)
	if err != nil {
		return nil, err
	}
	// After migrating, so that a database refused as too new is not altered.
	if err := setWAL(ctx, sqlDB); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return &SQLite{db: s, path: path}, nil
}

// openSQLiteDB opens dataDir/arena.db with the store's connection settings
// and returns the file's path; it checks nothing yet.
func openSQLiteDB(dataDir string) (*sql.DB, string, error) {
	if dataDir == "" {
		dataDir = "."
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dataDir, "arena.db")
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sqlDB, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, "", fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return sqlDB, path, nil
}

// setWAL switches the database to write-ahead logging, which the file keeps.
// It is not a per-connection pragma: switching needs the file to itself, and
// SQLite reports SQLITE_BUSY at once, without its busy timeout, while another
// connection (another process opening a new database at the same moment, say)
// holds it; so this retries for up to 5 s.
func setWAL(ctx context.Context, sqlDB *sql.DB) error {
	deadline := time.Now().Add(5 * time.Second)
	wait := time.Millisecond
	for {
		var mode string
		err := sqlDB.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("journal_mode is %q after setting WAL", mode)
			}
			return nil
		}
		var se interface{ Code() int }
		if !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return fmt.Errorf("set WAL journal mode: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// sqliteBusy is SQLite's SQLITE_BUSY result code.
const sqliteBusy = 5

// Path returns the database file's path.
func (s *SQLite) Path() string { return s.path }

package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

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
}

// OpenSQLite opens (creating dataDir and dataDir/arena.db when missing) the
// SQLite store and applies pending migrations. Connections use WAL
// journaling, a 5 s busy timeout, foreign keys and transactions that take the
// write lock when they begin (BEGIN IMMEDIATE), so concurrent writers wait
// for each other instead of failing.
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
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sqlDB, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, "", fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return sqlDB, path, nil
}

// Path returns the database file's path.
func (s *SQLite) Path() string { return s.path }

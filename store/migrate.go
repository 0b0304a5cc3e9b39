package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded schema versions, 1..n in order; loaded once.
var migrations = mustLoadMigrations(migrationFiles)

// latestVersion is the newest schema version this binary knows.
func latestVersion() int { return len(migrations) }

// mustLoadMigrations reads migrations/NNNN_name.sql files, which must be
// numbered 1, 2, … without gaps.
func mustLoadMigrations(fsys fs.FS) []migration {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, name := range names { // Glob returns them sorted
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			panic(fmt.Sprintf("store: migration %s: want NNNN_name.sql numbered %d", base, len(ms)+1))
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	if len(ms) == 0 {
		panic("store: no migrations embedded")
	}
	return ms
}

// statements splits a migration into statements, after the dialect's
// substitutions: a statement ends with ';' at the end of a line, and lines
// starting with "--" are comments.
func (d *dialect) statements(src string) []string {
	for k, v := range d.substitutions {
		src = strings.ReplaceAll(src, k, v)
	}
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// migrate brings db's schema up to version target (at most latestVersion),
// one transaction per version, each taking the dialect's migration lock
// first so that processes opening one database at once apply each version
// once. It returns ErrSchemaTooNew, having changed nothing, when the
// database's version is newer than latestVersion.
func migrate(ctx context.Context, db *sql.DB, d *dialect, target int) error {
	for {
		done, err := migrateStep(ctx, db, d, target)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next version up to target in one transaction and
// reports whether there was nothing left to apply.
func migrateStep(ctx context.Context, db *sql.DB, d *dialect, target int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil || done {
			_ = tx.Rollback()
		}
	}()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return false, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER PRIMARY KEY,
	applied BIGINT NOT NULL
)`); err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&cur); err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	if cur > latestVersion() {
		return false, fmt.Errorf("%w: the database is at schema version %d, this binary knows versions up to %d", ErrSchemaTooNew, cur, latestVersion())
	}
	if cur >= target {
		return true, nil
	}
	m := migrations[cur]
	for _, stmt := range d.statements(m.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied) VALUES ($1, $2)`,
		m.version, toMicros(time.Now())); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return false, nil
}

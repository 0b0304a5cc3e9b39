package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the Store in a PostgreSQL database, through a pgx/v5 pool
// (pgxpool) used as a database/sql connector. Several server processes may
// share one database.
type Postgres struct {
	*db
}

// postgresDialect is PostgreSQL's part of the schema and of the migrations.
var postgresDialect = &dialect{
	name:          "postgres",
	substitutions: map[string]string{"{{BYTES}}": "BYTEA", "{{ID}}": `COLLATE "C"`},
	// A transaction-scoped advisory lock (the key is "arena" in ASCII): two
	// processes opening the database at once apply each migration once.
	migrationLock: "SELECT pg_advisory_xact_lock(418464081505)",
}

// OpenPostgres connects to the PostgreSQL database that dsn names (a
// postgres:// URL or key=value string as pgx takes it, pool settings such as
// pool_max_conns included) and applies pending migrations.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	return openPostgres(ctx, dsn, latestVersion())
}

// openPostgres is OpenPostgres migrating up to version target.
func openPostgres(ctx context.Context, dsn string, target int) (*Postgres, error) {
	sqlDB, closePool, err := openPostgresDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, sqlDB, postgresDialect, closePool, target, redact(dsn))
	if err != nil {
		return nil, err
	}
	return &Postgres{db: s}, nil
}

// openPostgresDB makes dsn's pool and a *sql.DB over it; closePool closes
// the pool after the *sql.DB. It checks nothing yet.
func openPostgresDB(ctx context.Context, dsn string) (sqlDB *sql.DB, closePool func(), err error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("store: postgres %s: %w", redact(dsn), err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("store: postgres %s: %w", redact(dsn), err)
	}
	return stdlib.OpenDBFromPool(pool), pool.Close, nil
}

// Package store keeps Arena's durable state: players, their ratings per mode,
// finished matches and each player's part in them, chat reports and the
// server's token signing key.
//
// Two backends implement Store: SQLite (a file in the data directory, the
// default, through the pure-Go modernc.org/sqlite driver) and PostgreSQL
// (through pgx/v5's pool). They are one implementation over database/sql that
// differs only in a small dialect: how a connection is opened, the byte-string
// column type and the collation of ids in the schema, how concurrent
// migrations are serialised, and the placeholders of the multi-row inserts
// that SaveResults builds ("?" in SQLite, which looks "$n" names up one by
// one); every other query uses $n placeholders, which both drivers accept.
// Open picks the backend from a DSN.
//
// Times are stored as BIGINT Unix microseconds in UTC and come back as UTC
// time.Time values equal to the stored ones at microsecond precision.
//
// # Migrations
//
// The schema is a numbered list of embedded SQL files (migrations/NNNN_*.sql),
// the same files for both backends. At Open each version newer than the
// database's is applied in its own transaction, which also records the version
// and the time in the schema_version table. A database whose highest version is
// newer than the newest this binary embeds is refused with ErrSchemaTooNew and
// left as it was, so an older binary cannot write into a schema it does not
// know (after a rollback of a deploy, say).
//
// Embedded SQL was chosen over goose or golang-migrate: the schema is a
// handful of tables in two dialects, the runner (apply in order, record,
// refuse newer schemas) is a few dozen lines, and it brings in no dependency
// tree, CLI or driver registry of its own.
//
// # Writing results
//
// Writer puts finished matches on a bounded queue that one goroutine writes in
// batches, each batch one SaveResults transaction, retrying a failed batch with
// capped exponential backoff until it succeeds. SaveResults skips a match
// whose id is already stored, so a retried batch is never applied twice.
package store

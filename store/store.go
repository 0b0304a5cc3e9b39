package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Rating is a player's rating in one mode.
type Rating struct {
	// Mu and Sigma are the Weng-Lin rating's mean and uncertainty.
	Mu, Sigma float64
	// Display is the integer shown to players, computed by the caller from
	// Mu and Sigma; leaderboards are ordered by it.
	Display int
	// Matches counts the rated matches played in the mode.
	Matches int
}

// Player is a player's identity record.
type Player struct {
	// ID is the player's stable id; Name the name last seen.
	ID, Name string
	// Created is when the player was first stored, LastSeen when last touched.
	Created, LastSeen time.Time
}

// PlayerResult is one player's part in a finished match.
type PlayerResult struct {
	// PlayerID identifies the player; Name is used when the player is not
	// stored yet.
	PlayerID, Name string
	// Team, Placement (1 is best), Kills and Deaths are the player's result.
	Team, Placement, Kills, Deaths int
	// Before and After are the player's rating in the match's mode before and
	// after the match.
	Before, After Rating
}

// MatchResult is a finished match.
type MatchResult struct {
	// MatchID identifies the match; saving the same id twice stores it once.
	MatchID, Mode, Map string
	// Start and End are when the match began and ended.
	Start, End time.Time
	// Players are the match's players.
	Players []PlayerResult
	// Replay is the match's replay file (package replay), nil if none was
	// recorded; SaveResults stores it. Matches and Match leave it empty and
	// set HasReplay when one is kept: read it with Store.Replay.
	Replay    []byte
	HasReplay bool
}

// LeaderboardEntry is one row of a mode's leaderboard.
type LeaderboardEntry struct {
	// Rank is the 1-based position on the leaderboard.
	Rank int
	// PlayerID and Name identify the player.
	PlayerID, Name string
	// Rating is the player's rating in the mode.
	Rating Rating
}

// MatchSummary is one match of a player's history, seen from that player.
type MatchSummary struct {
	// MatchID, Mode and Map describe the match.
	MatchID, Mode, Map string
	// Start and End are when the match began and ended.
	Start, End time.Time
	// Team, Placement, Kills and Deaths are the player's result.
	Team, Placement, Kills, Deaths int
	// Before and After are the player's rating around the match.
	Before, After Rating
	// Players is how many players the match had.
	Players int
}

// Profile is what a player's page shows.
type Profile struct {
	// Player is the player's record.
	Player Player
	// Ratings holds the player's rating in each mode played.
	Ratings map[string]Rating
	// Recent lists the player's latest matches, newest first.
	Recent []MatchSummary
}

// ChatReport is a player's report of another player's chat.
type ChatReport struct {
	// Reporter and Reported are player ids; Channel is where the lines were
	// said; Reason is the reporter's reason.
	Reporter, Reported, Channel, Reason string
	// Lines are the reported chat lines.
	Lines []string
	// At is when the report was made.
	At time.Time
}

// ErrNotFound is returned when the asked-for record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrSchemaTooNew is returned (wrapped, with the database's and the binary's
// schema versions in the message) by Open, OpenSQLite and OpenPostgres when
// the database has a schema version newer than this binary knows. The
// database is not altered in that case.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")

// Store is Arena's durable state. Implementations are safe for concurrent
// use.
type Store interface {
	// SigningKey returns the server's 32-byte token signing key, created at
	// random on the first call and kept. Concurrent first calls, from one
	// process or several sharing a database, all get the same key.
	SigningKey(ctx context.Context) ([]byte, error)
	// TouchPlayer creates the player (created and last seen at now) or
	// updates its name and last-seen time.
	TouchPlayer(ctx context.Context, id, name string, now time.Time) error
	// Ratings returns the player's rating in each mode; an empty map for a
	// player without ratings or unknown.
	Ratings(ctx context.Context, id string) (map[string]Rating, error)
	// SaveResults stores the matches in one transaction. A match whose id is
	// already stored (or repeats within results) is skipped whole. For each
	// stored match it records the players' results, sets each player's
	// rating in the match's mode to After, and creates the players that are
	// not stored yet under the name in the result.
	SaveResults(ctx context.Context, results []MatchResult) error
	// Leaderboard returns up to limit entries of mode's leaderboard starting
	// at offset: players with at least minMatches matches in the mode, by
	// Display descending then player id ascending. Rank is offset+i+1.
	Leaderboard(ctx context.Context, mode string, minMatches, limit, offset int) ([]LeaderboardEntry, error)
	// Rank returns the player's 1-based position in Leaderboard's order, or
	// 0 when the player is not on that leaderboard.
	Rank(ctx context.Context, mode, id string, minMatches int) (int, error)
	// Profile returns the player, their ratings and up to recent latest
	// matches, newest first; ErrNotFound when the player is unknown.
	Profile(ctx context.Context, id string, recent int) (Profile, error)
	// Matches returns up to limit finished matches, newest first, with all
	// their players (ordered by placement, team, player id): the player's
	// matches, or everyone's when player is "".
	Matches(ctx context.Context, player string, limit int) ([]MatchResult, error)
	// Match returns one finished match with its players, ErrNotFound when
	// it is not stored.
	Match(ctx context.Context, id string) (MatchResult, error)
	// Replay returns a match's replay file, ErrNotFound when none is kept.
	Replay(ctx context.Context, matchID string) ([]byte, error)
	// PruneReplays deletes all but the keep newest replays (by the end of
	// their match) and returns how many it deleted.
	PruneReplays(ctx context.Context, keep int) (int64, error)
	// SaveReport stores a chat report.
	SaveReport(ctx context.Context, r ChatReport) error
	// Close releases the store's connections. Calling it again does nothing.
	Close() error
}

// Both backends implement Store.
var (
	_ Store = (*SQLite)(nil)
	_ Store = (*Postgres)(nil)
)

// Open opens the store that dsn names and applies pending migrations. An
// empty dsn opens SQLite in dataDir (see OpenSQLite); a dsn starting with
// postgres:// or postgresql:// opens PostgreSQL (see OpenPostgres). Any other
// dsn is an error.
func Open(ctx context.Context, dsn, dataDir string) (Store, error) {
	switch {
	case dsn == "":
		return OpenSQLite(ctx, dataDir)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("store: unsupported database DSN %q: want \"\" (SQLite in the data directory) or a postgres:// or postgresql:// URL", redact(dsn))
	}
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return dsn
}

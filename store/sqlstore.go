package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect is what differs between the backends.
type dialect struct {
	// name is "sqlite" or "postgres", for errors.
	name string
	// substitutions replace placeholders in migration files.
	substitutions map[string]string
	// migrationLock, when set, is executed first in each migration
	// transaction to serialise migrations across connections and processes.
	// SQLite needs none: its transactions begin IMMEDIATE, which takes the
	// database's write lock.
	migrationLock string
	// anonymous makes generated multi-row statements use "?" placeholders
	// instead of "$n": SQLite looks each "$n" up in a list of the names
	// seen so far, quadratic in a statement of thousands of parameters.
	anonymous bool
}

// db is the implementation of Store over database/sql shared by SQLite and
// Postgres.
type db struct {
	sql       *sql.DB
	d         *dialect
	onClose   func() // after sql.Close, or nil
	closeOnce sync.Once
	closeErr  error
}

// signingKeyName is the server_keys row of the token signing key.
const signingKeyName = "token-signing"

// open wraps an opened *sql.DB, checks the connection and migrates it to
// version target; on error it closes sqlDB (and calls onClose). label names
// the database in errors.
func open(ctx context.Context, sqlDB *sql.DB, d *dialect, onClose func(), target int, label string) (*db, error) {
	s := &db{sql: sqlDB, d: d, onClose: onClose}
	err := sqlDB.PingContext(ctx)
	if err == nil {
		err = migrate(ctx, sqlDB, d, target)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s %s: %w", d.name, label, err)
	}
	return s, nil
}

// Close closes the database connections; calls after the first do nothing.
func (s *db) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.sql.Close()
		if s.onClose != nil {
			s.onClose()
		}
	})
	return s.closeErr
}

// toMicros converts t to the stored form, Unix microseconds.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts a stored time back, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// SigningKey returns the token signing key, creating it on first use. The
// insert does nothing when a key exists, so concurrent first calls all read
// back the one key that won.
func (s *db) SigningKey(ctx context.Context) ([]byte, error) {
	const read = `SELECT value FROM server_keys WHERE name = $1`
	var stored []byte
	err := s.sql.QueryRowContext(ctx, read, signingKeyName).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		key := make([]byte, 32)
		rand.Read(key)
		if _, err := s.sql.ExecContext(ctx,
			`INSERT INTO server_keys (name, value, created) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			signingKeyName, key, toMicros(time.Now())); err != nil {
			return nil, fmt.Errorf("store: signing key: %w", err)
		}
		err = s.sql.QueryRowContext(ctx, read, signingKeyName).Scan(&stored)
	}
	if err != nil {
		return nil, fmt.Errorf("store: signing key: %w", err)
	}
	if len(stored) != 32 {
		return nil, fmt.Errorf("store: signing key: stored key has %d bytes, want 32", len(stored))
	}
	return stored, nil
}

// TouchPlayer creates the player or updates its name and last-seen time.
func (s *db) TouchPlayer(ctx context.Context, id, name string, now time.Time) error {
	_, err := s.sql.ExecContext(ctx, `INSERT INTO players (id, name, created, last_seen) VALUES ($1, $2, $3, $3)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen`, id, name, toMicros(now))
	if err != nil {
		return fmt.Errorf("store: touch player: %w", err)
	}
	return nil
}

// Ratings returns the player's ratings by mode.
func (s *db) Ratings(ctx context.Context, id string) (map[string]Rating, error) {
	rows, err := s.sql.QueryContext(ctx, `SELECT mode, mu, sigma, display, matches FROM ratings WHERE player_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("store: ratings: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Rating)
	for rows.Next() {
		var mode string
		var r Rating
		if err := rows.Scan(&mode, &r.Mu, &r.Sigma, &r.Display, &r.Matches); err != nil {
			return nil, fmt.Errorf("store: ratings: %w", err)
		}
		out[mode] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: ratings: %w", err)
	}
	return out, nil
}

// maxParams bounds the parameters of one multi-row statement (SQLite allows
// 32766, PostgreSQL 65535).
const maxParams = 30000

// insertRows runs prefix + "($1, …), (…), …" + suffix for rows of width
// values each, taken from args, in as few statements as maxParams allows.
// When each is set the statements are queries (RETURNING) and each is called
// for every returned row.
func (d *dialect) insertRows(ctx context.Context, tx *sql.Tx, prefix, suffix string, width int, args []any, each func(*sql.Rows) error) error {
	perStmt := maxParams / width * width
	for len(args) > 0 {
		chunk := args[:min(len(args), perStmt)]
		args = args[len(chunk):]
		var q strings.Builder
		q.WriteString(prefix)
		for i := range chunk {
			switch {
			case i == 0:
				q.WriteString("(")
			case i%width == 0:
				q.WriteString("), (")
			default:
				q.WriteString(", ")
			}
			if d.anonymous {
				q.WriteString("?")
			} else {
				q.WriteString("$" + strconv.Itoa(i+1))
			}
		}
		q.WriteString(")")
		q.WriteString(suffix)
		if each == nil {
			if _, err := tx.ExecContext(ctx, q.String(), chunk...); err != nil {
				return err
			}
			continue
		}
		rows, err := tx.QueryContext(ctx, q.String(), chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// SaveResults stores the matches not stored yet in one transaction, with
// one multi-row statement per table (a few round trips for a whole batch):
// the matches (those already stored, or repeated in results after their
// first appearance, are skipped), the players not stored yet (named as in
// their first result), the new matches' player rows, and each player's
// rating per mode set to the After of their last new match in results. Rows
// are sorted by key so that concurrent writers lock them in one order.
func (s *db) SaveResults(ctx context.Context, results []MatchResult) (err error) {
	if len(results) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(results))
	var matchArgs []any
	for _, m := range results {
		if m.MatchID == "" {
			return errors.New("store: save results: match with an empty id")
		}
		if seen[m.MatchID] {
			continue
		}
		seen[m.MatchID] = true
		matchArgs = append(matchArgs, m.MatchID, m.Mode, m.Map, toMicros(m.Start), toMicros(m.End), len(m.Players))
	}
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save results: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			err = fmt.Errorf("store: save results: %w", err)
		}
	}()
	fresh := make(map[string]bool, len(seen))
	if err := s.d.insertRows(ctx, tx, `INSERT INTO matches (match_id, mode, map, started, ended, players) VALUES `,
		` ON CONFLICT (match_id) DO NOTHING RETURNING match_id`, 6, matchArgs, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			fresh[id] = true
			return err
		}); err != nil {
		return fmt.Errorf("matches: %w", err)
	}
	if len(fresh) == 0 {
		return tx.Commit()
	}

	type ratingKey struct{ player, mode string }
	players := make(map[string]PlayerResult)
	created := make(map[string]int64)
	ratings := make(map[ratingKey]Rating)
	var mpArgs, replayArgs []any
	for _, m := range results {
		if !fresh[m.MatchID] {
			continue
		}
		delete(fresh, m.MatchID) // the first appearance only
		ended := toMicros(m.End)
		if len(m.Replay) > 0 {
			replayArgs = append(replayArgs, m.MatchID, ended, m.Replay)
		}
		for _, p := range m.Players {
			if _, ok := players[p.PlayerID]; !ok {
				players[p.PlayerID], created[p.PlayerID] = p, ended
			}
			ratings[ratingKey{p.PlayerID, m.Mode}] = p.After
			b, a := p.Before, p.After
			mpArgs = append(mpArgs, m.MatchID, p.PlayerID, ended, p.Team, p.Placement, p.Kills, p.Deaths,
				b.Mu, b.Sigma, b.Display, b.Matches, a.Mu, a.Sigma, a.Display, a.Matches)
		}
	}
	ids := slices.Sorted(maps.Keys(players))
	playerArgs := make([]any, 0, 4*len(ids))
	for _, id := range ids {
		playerArgs = append(playerArgs, id, players[id].Name, created[id], created[id])
	}
	if err := s.d.insertRows(ctx, tx, `INSERT INTO players (id, name, created, last_seen) VALUES `,
		` ON CONFLICT (id) DO NOTHING`, 4, playerArgs, nil); err != nil {
		return fmt.Errorf("players: %w", err)
	}
	if err := s.d.insertRows(ctx, tx, `INSERT INTO match_players (match_id, player_id, ended, team, placement, kills, deaths,
	mu_before, sigma_before, display_before, matches_before, mu_after, sigma_after, display_after, matches_after) VALUES `,
		``, 15, mpArgs, nil); err != nil {
		return fmt.Errorf("match players: %w", err)
	}
	keys := slices.SortedFunc(maps.Keys(ratings), func(a, b ratingKey) int {
		return cmp.Or(strings.Compare(a.player, b.player), strings.Compare(a.mode, b.mode))
	})
	ratingArgs := make([]any, 0, 6*len(keys))
	for _, k := range keys {
		r := ratings[k]
		ratingArgs = append(ratingArgs, k.player, k.mode, r.Mu, r.Sigma, r.Display, r.Matches)
	}
	if err := s.d.insertRows(ctx, tx, `INSERT INTO ratings (player_id, mode, mu, sigma, display, matches) VALUES `,
		` ON CONFLICT (player_id, mode) DO UPDATE SET mu = excluded.mu, sigma = excluded.sigma, display = excluded.display, matches = excluded.matches`,
		6, ratingArgs, nil); err != nil {
		return fmt.Errorf("ratings: %w", err)
	}
	if err := s.d.insertRows(ctx, tx, `INSERT INTO replays (match_id, ended, data) VALUES `, ``, 3, replayArgs, nil); err != nil {
		return fmt.Errorf("replays: %w", err)
	}
	return tx.Commit()
}

// Leaderboard returns a page of mode's leaderboard. The inner query reads
// only the ratings_leaderboard index; names are joined for the page alone.
func (s *db) Leaderboard(ctx context.Context, mode string, minMatches, limit, offset int) ([]LeaderboardEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	offset = max(offset, 0)
	rows, err := s.sql.QueryContext(ctx, `SELECT r.player_id, p.name, r.mu, r.sigma, r.display, r.matches
FROM (SELECT player_id, mu, sigma, display, matches FROM ratings
	WHERE mode = $1 AND matches >= $2
	ORDER BY display DESC, player_id
	LIMIT $3 OFFSET $4) r
JOIN players p ON p.id = r.player_id
ORDER BY r.display DESC, r.player_id`, mode, minMatches, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	defer rows.Close()
	var out []LeaderboardEntry
	for rows.Next() {
		e := LeaderboardEntry{Rank: offset + len(out) + 1}
		if err := rows.Scan(&e.PlayerID, &e.Name, &e.Rating.Mu, &e.Rating.Sigma, &e.Rating.Display, &e.Rating.Matches); err != nil {
			return nil, fmt.Errorf("store: leaderboard: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	return out, nil
}

// Rank returns the player's position on mode's leaderboard: one more than
// the number of players ahead of them.
func (s *db) Rank(ctx context.Context, mode, id string, minMatches int) (int, error) {
	var display, matches int
	err := s.sql.QueryRowContext(ctx, `SELECT display, matches FROM ratings WHERE player_id = $1 AND mode = $2`, id, mode).Scan(&display, &matches)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: rank: %w", err)
	}
	if matches < minMatches {
		return 0, nil
	}
	var ahead int
	// Two range scans of ratings_leaderboard (an OR of the two would scan
	// the table).
	if err := s.sql.QueryRowContext(ctx, `SELECT
	(SELECT COUNT(*) FROM ratings WHERE mode = $1 AND display > $3 AND matches >= $2) +
	(SELECT COUNT(*) FROM ratings WHERE mode = $1 AND display = $3 AND player_id < $4 AND matches >= $2)`,
		mode, minMatches, display, id).Scan(&ahead); err != nil {
		return 0, fmt.Errorf("store: rank: %w", err)
	}
	return ahead + 1, nil
}

// Profile returns the player with their ratings and latest matches.
func (s *db) Profile(ctx context.Context, id string, recent int) (Profile, error) {
	var p Profile
	var created, lastSeen int64
	err := s.sql.QueryRowContext(ctx, `SELECT id, name, created, last_seen FROM players WHERE id = $1`, id).
		Scan(&p.Player.ID, &p.Player.Name, &created, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, fmt.Errorf("store: profile of %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("store: profile: %w", err)
	}
	p.Player.Created, p.Player.LastSeen = fromMicros(created), fromMicros(lastSeen)
	if p.Ratings, err = s.Ratings(ctx, id); err != nil {
		return Profile{}, err
	}
	if recent <= 0 {
		return p, nil
	}
	rows, err := s.sql.QueryContext(ctx, `SELECT m.match_id, m.mode, m.map, m.started, m.ended, m.players,
	mp.team, mp.placement, mp.kills, mp.deaths,
	mp.mu_before, mp.sigma_before, mp.display_before, mp.matches_before,
	mp.mu_after, mp.sigma_after, mp.display_after, mp.matches_after
FROM match_players mp JOIN matches m ON m.match_id = mp.match_id
WHERE mp.player_id = $1
ORDER BY mp.ended DESC, mp.match_id DESC
LIMIT $2`, id, recent)
	if err != nil {
		return Profile{}, fmt.Errorf("store: profile: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m MatchSummary
		var start, end int64
		b, a := &m.Before, &m.After
		if err := rows.Scan(&m.MatchID, &m.Mode, &m.Map, &start, &end, &m.Players,
			&m.Team, &m.Placement, &m.Kills, &m.Deaths,
			&b.Mu, &b.Sigma, &b.Display, &b.Matches, &a.Mu, &a.Sigma, &a.Display, &a.Matches); err != nil {
			return Profile{}, fmt.Errorf("store: profile: %w", err)
		}
		m.Start, m.End = fromMicros(start), fromMicros(end)
		p.Recent = append(p.Recent, m)
	}
	if err := rows.Err(); err != nil {
		return Profile{}, fmt.Errorf("store: profile: %w", err)
	}
	return p, nil
}

// Matches returns the latest matches, the player's or everyone's, with their
// players.
func (s *db) Matches(ctx context.Context, player string, limit int) ([]MatchResult, error) {
	if limit <= 0 {
		return nil, nil
	}
	if player == "" {
		return s.matches(ctx, `SELECT m.match_id, m.mode, m.map, m.started, m.ended, r.match_id IS NOT NULL
FROM matches m LEFT JOIN replays r ON r.match_id = m.match_id
ORDER BY m.ended DESC, m.match_id DESC LIMIT $1`, limit)
	}
	return s.matches(ctx, `SELECT m.match_id, m.mode, m.map, m.started, m.ended, r.match_id IS NOT NULL
FROM match_players mp JOIN matches m ON m.match_id = mp.match_id LEFT JOIN replays r ON r.match_id = m.match_id
WHERE mp.player_id = $1
ORDER BY mp.ended DESC, mp.match_id DESC LIMIT $2`, player, limit)
}

// Match returns one stored match with its players; ErrNotFound if unknown.
func (s *db) Match(ctx context.Context, id string) (MatchResult, error) {
	ms, err := s.matches(ctx, `SELECT m.match_id, m.mode, m.map, m.started, m.ended, r.match_id IS NOT NULL
FROM matches m LEFT JOIN replays r ON r.match_id = m.match_id
WHERE m.match_id = $1`, id)
	switch {
	case err != nil:
		return MatchResult{}, err
	case len(ms) == 0:
		return MatchResult{}, ErrNotFound
	}
	return ms[0], nil
}

// matches runs query (match_id, mode, map, started, ended, has replay) and
// loads the players of the matches it returns.
func (s *db) matches(ctx context.Context, query string, args ...any) ([]MatchResult, error) {
	rows, err := s.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: matches: %w", err)
	}
	var out []MatchResult
	index := make(map[string]int)
	for rows.Next() {
		var m MatchResult
		var start, end int64
		if err := rows.Scan(&m.MatchID, &m.Mode, &m.Map, &start, &end, &m.HasReplay); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: matches: %w", err)
		}
		m.Start, m.End = fromMicros(start), fromMicros(end)
		index[m.MatchID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: matches: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT mp.match_id, mp.player_id, p.name, mp.team, mp.placement, mp.kills, mp.deaths,
	mp.mu_before, mp.sigma_before, mp.display_before, mp.matches_before,
	mp.mu_after, mp.sigma_after, mp.display_after, mp.matches_after
FROM match_players mp JOIN players p ON p.id = mp.player_id
WHERE mp.match_id IN (`)
	ids := make([]any, len(out))
	for i, m := range out {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(i+1))
		ids[i] = m.MatchID
	}
	q.WriteString(`)
ORDER BY mp.match_id, mp.placement, mp.team, mp.player_id`)
	prows, err := s.sql.QueryContext(ctx, q.String(), ids...)
	if err != nil {
		return nil, fmt.Errorf("store: matches: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var matchID string
		var p PlayerResult
		b, a := &p.Before, &p.After
		if err := prows.Scan(&matchID, &p.PlayerID, &p.Name, &p.Team, &p.Placement, &p.Kills, &p.Deaths,
			&b.Mu, &b.Sigma, &b.Display, &b.Matches, &a.Mu, &a.Sigma, &a.Display, &a.Matches); err != nil {
			return nil, fmt.Errorf("store: matches: %w", err)
		}
		m := &out[index[matchID]]
		m.Players = append(m.Players, p)
	}
	if err := prows.Err(); err != nil {
		return nil, fmt.Errorf("store: matches: %w", err)
	}
	return out, nil
}

// SaveReport stores a chat report under a random id.
func (s *db) SaveReport(ctx context.Context, r ChatReport) error {
	var id [16]byte
	rand.Read(id[:])
	lines := r.Lines
	if lines == nil {
		lines = []string{}
	}
	js, err := json.Marshal(lines)
	if err != nil {
		return fmt.Errorf("store: save report: %w", err)
	}
	if _, err := s.sql.ExecContext(ctx, `INSERT INTO chat_reports (id, reporter, reported, channel, reason, lines, at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, hex.EncodeToString(id[:]), r.Reporter, r.Reported, r.Channel, r.Reason, string(js), toMicros(r.At)); err != nil {
		return fmt.Errorf("store: save report: %w", err)
	}
	return nil
}

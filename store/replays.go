package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Replay returns a match's replay file.
func (s *db) Replay(ctx context.Context, matchID string) ([]byte, error) {
	var b []byte
	err := s.sql.QueryRowContext(ctx, `SELECT data FROM replays WHERE match_id = $1`, matchID).Scan(&b)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("store: replay: %w", err)
	}
	return b, nil
}

// PruneReplays keeps the keep newest replays: it deletes every replay
// older, by (ended, match_id), than the keep-th newest.
func (s *db) PruneReplays(ctx context.Context, keep int) (int64, error) {
	if keep < 0 {
		return 0, fmt.Errorf("store: prune replays: keep %d < 0", keep)
	}
	res, err := s.sql.ExecContext(ctx, `DELETE FROM replays WHERE (ended, match_id) <= (
	SELECT ended, match_id FROM replays ORDER BY ended DESC, match_id DESC LIMIT 1 OFFSET $1)`, keep)
	if err != nil {
		return 0, fmt.Errorf("store: prune replays: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune replays: %w", err)
	}
	return n, nil
}

package transport

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// MatchesPath lists finished matches, relative to the server's base URL;
// followed by "/", a match id and ReplaySuffix it is that match's replay.
const (
	MatchesPath  = "/api/v1/matches"
	ReplaySuffix = "/replay"
)

// Bounds of what is read of a matches list and of a replay file.
const (
	maxMatchesBody = 1 << 20
	// MaxReplayBody bounds a replay file: a five-minute match of sixteen
	// players is about a hundred kilobytes.
	MaxReplayBody = 16 << 20
)

// FinishedMatch is a match the server stored, as its matches list shows it.
type FinishedMatch struct {
	MatchID string    `json:"match_id"`
	Mode    string    `json:"mode"`
	Map     string    `json:"map"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Players are the match's players with their results.
	Players []MatchPlayer `json:"players"`
	// Replay is the path of the match's replay file (ReplayPath), empty
	// when the server keeps none.
	Replay string `json:"replay,omitempty"`
}

// MatchPlayer is one player of a FinishedMatch.
type MatchPlayer struct {
	PlayerID string `json:"player_id"`
	Name     string `json:"name"`
	// Team is the player's side, from 1.
	Team int `json:"team"`
	// Placement is 1 for the winner; ties share one.
	Placement int `json:"placement"`
	Kills     int `json:"kills"`
	Deaths    int `json:"deaths"`
}

// ReplayPath is the path of a match's replay file, relative to the
// server's base URL, with the id escaped as one path segment.
func ReplayPath(matchID string) string {
	return MatchesPath + "/" + url.PathEscape(matchID) + ReplaySuffix
}

// LiveMatch is a running match, as GET /api/v1/matches?live=1 lists it.
type LiveMatch struct {
	MatchID string `json:"match_id"`
	Mode    string `json:"mode"`
	// Players are the match's players.
	Players []LivePlayer `json:"players"`
	// ElapsedS is how long the match has run, in seconds.
	ElapsedS float64 `json:"elapsed_s"`
}

// LivePlayer is one player of a LiveMatch.
type LivePlayer struct {
	PlayerID string `json:"player_id"`
	Name     string `json:"name"`
	Team     int    `json:"team"`
}

// LiveMatches asks the server at baseURL for its running matches, oldest
// first. An error status gives an *APIError carrying the server's message.
func LiveMatches(ctx context.Context, baseURL string) ([]LiveMatch, error) {
	var ms []LiveMatch
	if err := getJSON(ctx, "live matches", baseURL, MatchesPath, url.Values{"live": {"1"}}, maxMatchesBody, &ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// Matches asks the server at baseURL for its finished matches, newest
// first: at most limit of them (the server's default when limit is 0), and
// only those player played when player is not empty. An error status gives
// an *APIError carrying the server's message.
func Matches(ctx context.Context, baseURL, player string, limit int) ([]FinishedMatch, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if player != "" {
		q.Set("player", player)
	}
	var ms []FinishedMatch
	if err := getJSON(ctx, "matches", baseURL, MatchesPath, q, maxMatchesBody, &ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// Replay fetches the replay file of matchID from the server at baseURL:
// its bytes as recorded, for package replay to decode. A match without a
// kept replay is an *APIError with Status 404; other error statuses give
// one too, carrying the server's message. A file over MaxReplayBody is an
// error.
func Replay(ctx context.Context, baseURL, matchID string) ([]byte, error) {
	if matchID == "" {
		return nil, errors.New("replay: no match id")
	}
	return get(ctx, "replay", baseURL, ReplayPath(matchID), nil, "application/vnd.arena.replay", MaxReplayBody)
}

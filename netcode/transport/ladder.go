package transport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// The ladder's endpoints, relative to the server's base URL: LeaderboardPath
// takes query parameters, PlayersPath is followed by a player id.
const (
	LeaderboardPath = "/api/v1/leaderboard"
	PlayersPath     = "/api/v1/players/"
)

// maxLadderBody bounds how much of a leaderboard or profile response is read.
const maxLadderBody = 1 << 20

// APIError is a request the server answered with an HTTP error status: 400
// for bad parameters, 404 for an unknown player, 503 when the server's store
// does not answer.
type APIError struct {
	// Op is what was asked: "leaderboard", "profile".
	Op string
	// Status is the HTTP status code.
	Status int
	// Message is the server's explanation (the JSON "error" field), or the
	// status text when the body had none.
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s: server answered %d: %s", e.Op, e.Status, e.Message)
}

// LeaderboardPage is one page of a mode's ranked players, best first.
type LeaderboardPage struct {
	// Mode is the mode ranked.
	Mode string `json:"mode"`
	// PlacementMatches is how many matches a player plays in a mode before
	// a rating is shown and ranked.
	PlacementMatches int `json:"placement_matches"`
	// Offset is how many ranked players come before Entries[0].
	Offset int `json:"offset"`
	// Entries are the page's players, best first.
	Entries []LeaderboardEntry `json:"entries"`
	// Player is the asking player's own standing in Mode; nil unless a
	// player was asked for.
	Player *Standing `json:"player"`
}

// LeaderboardEntry is one ranked player.
type LeaderboardEntry struct {
	// Rank is the place, from 1 (equal ratings in the order of player ids).
	Rank     int    `json:"rank"`
	PlayerID string `json:"player_id"`
	Name     string `json:"name"`
	// Rating is the displayed rating.
	Rating int `json:"rating"`
	// Matches is how many rated matches the player finished in the mode.
	Matches int `json:"matches"`
}

// Standing is a player's place in one mode.
type Standing struct {
	Mode string `json:"mode"`
	// Rank is the place on the mode's leaderboard; 0 while placing, and
	// always 0 in a PlayerProfile (which does not rank).
	Rank int `json:"rank"`
	// Rating is the displayed rating; nil while the player still plays
	// placement matches.
	Rating *int `json:"rating"`
	// Matches is how many rated matches the player finished in the mode.
	Matches int `json:"matches"`
	// PlacementMatchesLeft is how many more the player plays before a
	// rating is shown; 0 once Rating is set.
	PlacementMatchesLeft int `json:"placement_matches_left"`
}

// PlayerProfile is a player's ratings in every mode they played and their
// last matches.
type PlayerProfile struct {
	PlayerID string    `json:"player_id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
	// Ratings has one standing per mode the player finished a match in, in
	// the server's order of modes.
	Ratings []Standing `json:"ratings"`
	// Recent are the player's last matches, newest first.
	Recent []RecentMatch `json:"recent"`
}

// Standing returns the player's standing in mode; ok is false when they
// finished no match in it.
func (p PlayerProfile) Standing(mode string) (s Standing, ok bool) {
	for _, s := range p.Ratings {
		if s.Mode == mode {
			return s, true
		}
	}
	return Standing{}, false
}

// RecentMatch is one of a player's finished matches, as they played it.
type RecentMatch struct {
	MatchID string    `json:"match_id"`
	Mode    string    `json:"mode"`
	Map     string    `json:"map"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Players is how many players the match seated.
	Players   int `json:"players"`
	Team      int `json:"team"`
	Placement int `json:"placement"`
	Kills     int `json:"kills"`
	Deaths    int `json:"deaths"`
	// Rating is the displayed rating after the match, RatingChange its
	// change; nil while the player was placing (RatingChange also after
	// the match that ended the placement).
	Rating       *int `json:"rating"`
	RatingChange *int `json:"rating_change"`
	// PlacementMatchesLeft is how many placement matches were left after
	// this one.
	PlacementMatchesLeft int `json:"placement_matches_left"`
}

// Leaderboard asks the server at baseURL for limit ranked players of mode
// from offset, and, when player is not empty, that player's own standing
// (LeaderboardPage.Player). An error status gives an *APIError carrying the
// server's message.
func Leaderboard(ctx context.Context, baseURL, mode string, limit, offset int, player string) (LeaderboardPage, error) {
	q := url.Values{"mode": {mode}, "limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	if player != "" {
		q.Set("player", player)
	}
	var lb LeaderboardPage
	if err := getJSON(ctx, "leaderboard", baseURL, LeaderboardPath, q, maxLadderBody, &lb); err != nil {
		return LeaderboardPage{}, err
	}
	return lb, nil
}

// Profile asks the server at baseURL for the profile of playerID. An
// unknown player is an *APIError with Status 404; other error statuses
// give one too, carrying the server's message.
func Profile(ctx context.Context, baseURL, playerID string) (PlayerProfile, error) {
	if playerID == "" {
		return PlayerProfile{}, errors.New("profile: no player id")
	}
	var p PlayerProfile
	if err := getJSON(ctx, "profile", baseURL, PlayersPath+url.PathEscape(playerID), nil, maxLadderBody, &p); err != nil {
		return PlayerProfile{}, err
	}
	return p, nil
}

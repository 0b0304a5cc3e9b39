package transport

import (
	"context"
	"errors"
)

// ModesPath is the server's list of playable modes, relative to its base URL.
const ModesPath = "/api/v1/modes"

// maxModesBody bounds how much of a modes response is read.
const maxModesBody = 256 << 10

// Mode is a playable mode as the server lists it.
type Mode struct {
	// Name is what QueueJoin asks for ("duel", "teams").
	Name string `json:"name"`
	// Teams is the number of teams; PlayersPerTeam the players in each.
	Teams          int `json:"teams"`
	PlayersPerTeam int `json:"players_per_team"`
	// ScoreLimit is the kills that win; TimeLimitS the match's length in
	// seconds.
	ScoreLimit int `json:"score_limit"`
	TimeLimitS int `json:"time_limit_s"`
}

// Players is the number of players a match of the mode seats (0 when the
// server did not say).
func (m Mode) Players() int { return max(m.Teams, 0) * max(m.PlayersPerTeam, 0) }

// Modes asks the server at baseURL for its playable modes, in the order the
// server lists them (its configuration order). Entries without a name, and
// any later entry with the name of an earlier one, are left out; a list that
// is empty then is an error.
func Modes(ctx context.Context, baseURL string) ([]Mode, error) {
	var listed []Mode
	if err := getJSON(ctx, "modes", baseURL, ModesPath, nil, maxModesBody, &listed); err != nil {
		return nil, err
	}
	return Playable(listed)
}

// Playable is the server's list of modes as a client offers them: in its
// order, without unnamed entries or later entries repeating a name; an
// error when none is left.
func Playable(listed []Mode) ([]Mode, error) {
	modes := make([]Mode, 0, len(listed))
	seen := make(map[string]bool, len(listed))
	for _, m := range listed {
		if m.Name == "" || seen[m.Name] {
			continue
		}
		seen[m.Name] = true
		modes = append(modes, m)
	}
	if len(modes) == 0 {
		return nil, errors.New("modes: the server lists no modes")
	}
	return modes, nil
}
